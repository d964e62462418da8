"""Time the synthetic county generator: wall time, rows per second and peak memory.

python bench/generate_county.py --persons 1000000 --out /tmp/county
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    """Generate one county and print how long it took and how much memory it needed."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2721)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    args = parser.parse_args(argv)

    # The script runs from a checkout without installing the package.
    sys.path.insert(0, str(REPO))
    from yikatong.demo.generator import generate_county

    started = time.perf_counter()
    county = generate_county(args.out, persons=args.persons, seed=args.seed, fmt=args.format)
    elapsed = time.perf_counter() - started
    # ru_maxrss is in KiB on Linux.
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = county.persons + county.cards + county.deaths + county.cadres + county.land_parcels
    print(f"persons       {county.persons:>12,}")
    print(f"households    {county.households:>12,}")
    print(f"cards         {county.cards:>12,}")
    print(f"deaths        {county.deaths:>12,}")
    print(f"cadres        {county.cadres:>12,}")
    print(f"land parcels  {county.land_parcels:>12,}")
    for name, path in county.files.items():
        print(f"{name + ' file':<13} {path.stat().st_size / 2**20:>10.1f} MiB  {path}")
    print(f"wall time     {elapsed:>12.2f} s")
    print(f"persons/s     {county.persons / elapsed:>12,.0f}")
    print(f"rows/s        {rows / elapsed:>12,.0f}  ({rows:,} rows in all files)")
    print(f"peak RSS      {peak_mib:>12,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
