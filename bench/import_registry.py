"""Benchmark: import a generated county's persons and cards into PostgreSQL, then import them again.

    python bench/import_registry.py --persons 1000000
    python bench/import_registry.py --persons 100000 --database postgres://postgres@127.0.0.1:5432/yikatong_bench

Creates (and at the end drops) the benchmark database, generates the county with the demo generator, and
runs each import in a fresh process so that every phase reports its own peak memory. Prints wall time,
rows/s and peak RSS per phase. Targets (issue 3): persons + cards in under 60 s and under 2 GB; a
re-import of the same files in under 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchdb import benchmark_database

REPO = Path(__file__).resolve().parent.parent


def _phase(kind: str, path: str) -> None:
    """Run one import in this process and print its figures as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yikatong.settings")
    import django

    django.setup()
    from yikatong.registry.imports import registry_import

    started = time.perf_counter()
    batch = registry_import(kind=kind, path=Path(path), user=None)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "kind": kind,
                "rows": batch.total_rows,
                "inserted": batch.inserted,
                "updated": batch.updated,
                "unchanged": batch.unchanged,
                "rejected": batch.rejected,
                "seconds": round(seconds, 2),
                "peak_mb": round(peak_mb),
            }
        )
    )


def _prepare(env: dict[str, str]) -> None:
    code = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from yikatong.demo.loader import load_reference_data, load_agent_banks;"
        "load_reference_data(); load_agent_banks()"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=REPO)


def main() -> None:
    """Generate, import, re-import, report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/yikatong_bench")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "yikatong-bench")
    parser.add_argument("--phase", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    if args.phase:
        _phase(*args.phase)
        return

    sys.path.insert(0, str(REPO))
    from yikatong.demo.generator import generate_county

    out = args.dir / f"county-{args.persons}"
    started = time.perf_counter()
    county = generate_county(out, persons=args.persons, seed=2721)
    took = time.perf_counter() - started
    print(f"generated {county.persons:,} persons, {county.cards:,} cards in {took:.1f} s")

    with benchmark_database(args.database, args.dir / "data", keep=args.keep) as env:
        _prepare(env)
        total = {"first": 0.0, "again": 0.0}
        print(f"{'phase':<18}{'rows':>10}{'seconds':>9}{'rows/s':>10}{'peak MB':>9}  result")
        for round_name in ("first", "again"):
            for kind in ("persons", "cards"):
                result = subprocess.run(
                    [sys.executable, __file__, "--phase", kind, str(county.files[kind])],
                    env=env,
                    cwd=REPO,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                figures = json.loads(result.stdout.strip().splitlines()[-1])
                total[round_name] += figures["seconds"]
                rate = figures["rows"] / figures["seconds"] if figures["seconds"] else 0
                outcome = (
                    f"+{figures['inserted']:,} ~{figures['updated']:,} ={figures['unchanged']:,} "
                    f"!{figures['rejected']:,}"
                )
                label = f"{kind} ({round_name})"
                print(
                    f"{label:<18}{figures['rows']:>10,}{figures['seconds']:>9.1f}{rate:>10,.0f}"
                    f"{figures['peak_mb']:>9,}  {outcome}"
                )
        print(f"persons + cards: first import {total['first']:.1f} s, re-import {total['again']:.1f} s")


if __name__ == "__main__":
    main()
