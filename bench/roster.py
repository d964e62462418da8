"""Benchmark: upload a 50,000-line roster (申报名册) and compute every line's standard amount.

    python bench/roster.py --persons 200000 --lines 50000

Generates a county with the demo generator, and registers all its persons in ONE village (永丰村): a real
village has a few hundred to a few thousand residents, so the only way to get a 50,000-line roster of one
village is to move the generated persons there (their 村代码 is rewritten before the persons import). A
per-亩 policy (耕地地力保护补贴, 71.45 元/亩) is published, a roster is opened by that village's clerk, and a
file of 50,000 lines (random areas with up to two decimals; one line in fifty with a typed amount that differs
from the standard) is uploaded. The upload (read, check, blind indexes, join with the registry, amounts,
one COPY into rosters_rosterline, audit) runs in a fresh process that reports its seconds and peak RSS.
Target: under 10 s. Creates (and at the end drops) the benchmark database.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
from benchdb import bench_user, benchmark_database, migrate_with_reference_data, setup_django

REPO = Path(__file__).resolve().parent.parent
VILLAGE = "232722100201"  # 永丰村, 塔河镇
POLICY = "GDDL"
PERIOD = "2026"
RATE = Decimal("71.45")
CLERK = "bench_clerk"


def _prepare(persons_file: str) -> None:
    """Migrate, load reference data and banks, import the persons, publish the policy, open the roster."""
    setup_django()
    import datetime as dt

    from yikatong.policies import services as policies
    from yikatong.registry.imports import registry_import
    from yikatong.rosters.services import roster_create

    migrate_with_reference_data()
    started = time.perf_counter()
    batch = registry_import(kind="persons", path=Path(persons_file), user=None)
    print(f"persons import: {batch.inserted:,} persons in {time.perf_counter() - started:.1f} s", flush=True)

    drafter = bench_user("bench_dept", "dept_reviewer", "232722000000", "nyncj")
    publisher = bench_user("bench_finance", "finance", "232722000000", "czj")
    clerk = bench_user(CLERK, "village_clerk", VILLAGE, "gov-232722100")
    version = policies.policy_draft_create(
        user=drafter,
        code=POLICY,
        department=None,
        data={
            "effective_from": dt.date(2026, 1, 1),
            "name": "耕地地力保护补贴",
            "basis_title": "耕地地力保护补贴实施方案",
            "target": "拥有耕地承包权的种地农民",
            "unit": "mu",
            "frequency": "yearly",
        },
        bands=[{"rate": RATE}],
    )
    policies.policy_version_submit(user=drafter, version=version)
    policies.policy_version_publish(user=publisher, version=version)
    roster_create(user=clerk, policy_code=POLICY, period=PERIOD, village_code=VILLAGE)


def _upload(roster_file: str) -> None:
    """Upload the roster file in this process and print its figures as JSON."""
    setup_django()
    from yikatong.accounts.models import User
    from yikatong.rosters.imports import roster_upload
    from yikatong.rosters.models import Roster

    clerk = User.objects.get(username=CLERK)
    roster = Roster.objects.get(policy__code=POLICY, period=PERIOD, village_id=VILLAGE)
    started = time.perf_counter()
    outcome = roster_upload(user=clerk, roster=roster, path=Path(roster_file))
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "total": outcome.total,
                "added": outcome.added,
                "rejected": outcome.rejected,
                "differs": outcome.differs,
                "seconds": round(seconds, 2),
                "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "message": outcome.message,
            },
            ensure_ascii=False,
        )
    )


def _files(persons_csv: Path, out: Path, lines: int) -> tuple[Path, Path]:
    """The persons file moved into one village, and a roster file over `lines` of those persons."""
    persons = pl.read_csv(persons_csv, infer_schema=False).with_columns(pl.lit(VILLAGE).alias("村代码"))
    moved = out / "persons-one-village.csv"
    persons.write_csv(moved)
    rng = np.random.default_rng(7)
    chosen = persons.sample(n=lines, seed=7)
    area_cents = rng.integers(50, 6000, size=lines)  # 0.50 to 59.99 亩
    fen = [
        int((RATE * Decimal(int(c)) + Decimal("0.5")).to_integral_value(rounding="ROUND_FLOOR"))
        for c in area_cents
    ]
    typed = [f + 100 if i % 50 == 0 else f for i, f in enumerate(fen)]
    roster = pl.DataFrame(
        {
            "序号": pl.Series(range(1, lines + 1)).cast(pl.String),
            "项目代码": [POLICY] * lines,
            "发放期间": [PERIOD] * lines,
            "身份证号": chosen["身份证号"],
            "姓名": chosen["姓名"],
            "村代码": [VILLAGE] * lines,
            "数量": [f"{c // 100}.{c % 100:02d}" for c in area_cents],
            "金额": [f"{t // 100}.{t % 100:02d}" for t in typed],
            "银行账号": [f"62284800{i:011d}" for i in range(lines)],
        }
    )
    roster_path = out / "roster.csv"
    roster.write_csv(roster_path)
    return moved, roster_path


def main() -> None:
    """Generate, prepare, upload, report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/yikatong_bench_roster")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "yikatong-bench-roster")
    parser.add_argument("--phase", nargs=2, metavar=("NAME", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    if args.phase:
        {"prepare": _prepare, "upload": _upload}[args.phase[0]](args.phase[1])
        return

    sys.path.insert(0, str(REPO))
    from yikatong.demo.generator import generate_county

    out = args.dir / f"county-{args.persons}"
    county = generate_county(out, persons=args.persons, seed=2721)
    persons_file, roster_file = _files(county.files["persons"], out, args.lines)
    print(f"generated {county.persons:,} persons (all in village {VILLAGE}), roster of {args.lines:,} lines")

    with benchmark_database(args.database, args.dir / "data", keep=args.keep) as env:
        subprocess.run(
            [sys.executable, __file__, "--phase", "prepare", str(persons_file)], env=env, cwd=REPO, check=True
        )
        result = subprocess.run(
            [sys.executable, __file__, "--phase", "upload", str(roster_file)],
            env=env,
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        print(
            f"roster upload: {figures['total']:,} lines, +{figures['added']:,} !{figures['rejected']:,} "
            f"(amount differs: {figures['differs']:,}) in {figures['seconds']:.2f} s, "
            f"peak RSS {figures['peak_mb']:,} MB (target < 10 s)"
        )
        print(figures["message"])


if __name__ == "__main__":
    main()
