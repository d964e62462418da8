"""Benchmark the ISO 20022 payment file: write a pain.001.001.09 of N payments, then validate it streaming.

    python bench/pain001.py [--sizes 100000 200000] [--repeat R]

Each size runs in its own child process (so its peak RSS is its own): the payments come from a generator
(as from a database cursor), ``write_pain001`` writes them to a temporary file, ``validate_pain001`` checks
the file against the pinned XSD, the profile and its totals. Wall and CPU seconds of both steps, the file's
size and the child's peak RSS are printed; with ``--repeat R`` the fastest of R runs counts (on a machine
shared with other work one run can be slowed down by half or more: the load average is printed beside).

Target: 100,000 payments written and validated in under 3 s; memory flat (200,000 payments need no more
than 100,000 beyond the set of EndToEndIds that catches a repeated one).
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
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 3.0
TARGET_COUNT = 100_000

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


def payments(count: int) -> Iterator[object]:
    """``count`` instructions of plausible shape (names of 2–3 characters, 19-digit card accounts)."""
    from yikatong.payments.domain.instructions import Instruction

    for i in range(count):
        name = (
            SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + GIVEN[(i * 13) % len(GIVEN)][: i % 2]
        )
        yield Instruction(
            end_to_end_id=f"TH2026090{i:012d}",
            amount_fen=1 + (i * 7919) % 500_000,
            creditor_name=name,
            creditor_account=f"623090{(i * 104729) % 10**13:013d}",
            id_number=f"232722{1950 + i % 60}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}{i % 10}",
            remark="2026-09 耕地地力保护补贴",
        )


def measure(count: int) -> dict[str, float]:
    """One run in this process: write and validate ``count`` payments; seconds, bytes and peak RSS."""
    from yikatong.payments.domain.instructions import FileHeader
    from yikatong.payments.domain.iso20022 import validate_pain001, write_pain001
    from yikatong.payments.domain.xsd import schema

    schema("pain.001.001.09")  # compiled once per process; not part of either step
    header = FileHeader(
        message_id="TH20260901BENCH",
        created_at=datetime(2026, 9, 1, 9, 30, tzinfo=timezone(timedelta(hours=8))),
        execution_date=date(2026, 9, 2),
        debtor_name="塔河县财政局",
        debtor_account="0901020309000012345",
        debtor_agent_cnaps="102272700010",
        creditor_agent_cnaps="402272700012",
        unit_code="TH0001",
        payment_info_id="TH20260901BENCH-1",
        purpose="2026-09 耕地地力保护补贴",
    )
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "pain001.xml"
        wall, cpu = time.perf_counter(), time.process_time()
        with path.open("wb") as out:
            written = write_pain001(out, header, payments(count))  # type: ignore[arg-type]
        write_wall, write_cpu = time.perf_counter() - wall, time.process_time() - cpu
        wall, cpu = time.perf_counter(), time.process_time()
        summary = validate_pain001(path)
        validate_wall, validate_cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = path.stat().st_size
    assert (summary.count, summary.total_fen) == written
    return {
        "count": count,
        "write_s": write_wall,
        "write_cpu_s": write_cpu,
        "validate_s": validate_wall,
        "validate_cpu_s": validate_cpu,
        "total_s": write_wall + validate_wall,
        "bytes": size,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(count: int) -> dict[str, float]:
    """Run :func:`measure` in a fresh interpreter and read back its figures."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(count)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> int:
    """Print the figures for each size; exit 1 when 100,000 payments miss the target."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 200_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return 0
    missed = False
    for count in args.sizes:
        runs = [child(count) for _ in range(args.repeat)]
        best = min(runs, key=lambda run: run["total_s"])
        load = os.getloadavg()[0]
        every = ", ".join(f"{run['total_s']:.2f}" for run in runs)
        print(
            f"{count:>9,} payments: write {best['write_s']:.2f} s (CPU {best['write_cpu_s']:.2f}), "
            f"validate {best['validate_s']:.2f} s (CPU {best['validate_cpu_s']:.2f}), "
            f"total {best['total_s']:.2f} s; file {best['bytes'] / 1e6:.1f} MB; "
            f"peak RSS {best['peak_rss_mb']:.0f} MB; load average {load:.1f}"
            + (f"; runs {every} s" if len(runs) > 1 else "")
        )
        if count == TARGET_COUNT and best["total_s"] > TARGET_S:
            print(f"  above the {TARGET_S:.0f} s target for {TARGET_COUNT:,} payments")
            missed = True
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
