"""Time the bulk reader on registry files: wall time, rows per second and peak memory per file.

python bench/read_registry.py --persons 1000000 --dir /tmp/c1m

Generates the synthetic county into --dir (reusing files already there), then reads, each in a fresh
process so that the peak RSS is that file's alone: the persons CSV in UTF-8, a GB18030 copy of it, a "messy"
copy (full-width digits, lower-case x, padded cells and 1% bad rows, so that the NFKC pass and the reject
path run), the cards and land CSVs, and a 100,000-person .xlsx.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parent.parent
XLSX_PERSONS = 100_000


def main(argv: list[str] | None = None) -> int:
    """Prepare the files, read each in its own process and print one line of figures per file."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--xlsx-persons", type=int, default=XLSX_PERSONS)
    parser.add_argument("--one", nargs=2, metavar=("PATH", "KIND"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # The script runs from a checkout without installing the package.
    sys.path.insert(0, str(REPO))
    if args.one:
        return _read_one(Path(args.one[0]), args.one[1])

    files = _prepare(args.dir, args.persons, args.xlsx_persons)
    columns = ("size MiB", 9), ("rows", 10), ("rejected", 9), ("wall s", 7), ("rows/s", 11), ("peak MiB", 9)
    print(f"{'file':<28}" + "".join(f" {title:>{width}}" for title, width in columns))
    for label, (path, kind) in files.items():
        result = subprocess.run(
            [sys.executable, __file__, "--dir", str(args.dir), "--one", str(path), kind],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(result.stdout)
        size = path.stat().st_size / 2**20
        rows, seconds = figures["rows"], figures["seconds"]
        print(
            f"{label:<28} {size:>9.1f} {rows:>10,} {figures['rejected']:>9,} {seconds:>7.2f}"
            f" {rows / seconds:>11,.0f} {figures['peak_mib']:>9,.0f}"
            f"  (encoding {figures['encoding']}, {figures['baseline_mib']:.0f} MiB after imports)"
        )
    return 0


def _prepare(directory: Path, persons: int, xlsx_persons: int) -> dict[str, tuple[Path, str]]:
    from yikatong.demo.generator import generate_county

    csv_dir, xlsx_dir = directory / "csv", directory / f"xlsx-{xlsx_persons}"
    persons_csv = csv_dir / "persons.csv"
    if not persons_csv.exists() or _data_lines(persons_csv) != persons:
        generate_county(csv_dir, persons=persons)
    gb18030 = csv_dir / "persons-gb18030.csv"
    if not gb18030.exists() or gb18030.stat().st_mtime < persons_csv.stat().st_mtime:
        gb18030.write_bytes(persons_csv.read_bytes().decode("utf-8").encode("gb18030"))
    messy = csv_dir / "persons-messy.csv"
    if not messy.exists() or messy.stat().st_mtime < persons_csv.stat().st_mtime:
        _write_messy(pl.read_csv(persons_csv, infer_schema=False), messy)
    persons_xlsx = xlsx_dir / "persons.xlsx"
    if not persons_xlsx.exists():
        generate_county(xlsx_dir, persons=xlsx_persons, fmt="xlsx")
    return {
        "persons.csv (utf-8)": (persons_csv, "persons"),
        "persons.csv (gb18030)": (gb18030, "persons"),
        "persons.csv (messy)": (messy, "persons"),
        "cards.csv": (csv_dir / "cards.csv", "cards"),
        "land.csv": (csv_dir / "land.csv", "land"),
        f"persons.xlsx ({xlsx_persons:,})": (persons_xlsx, "persons"),
    }


def _data_lines(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 24), b"")) - 1


def _write_messy(persons: pl.DataFrame, path: Path) -> None:
    """A copy with the faults real uploads have: full-width and padded cells, lower-case x, bad rows."""
    index = pl.int_range(pl.len())
    full_width = pl.col("身份证号").str.replace_all("2", "２").str.replace_all("7", "７")
    broken = pl.col("身份证号").str.slice(0, 17) + "0"
    messy = persons.with_columns(
        pl.when(index % 1000 == 1)
        .then(full_width)
        .when(index % 100 == 7)
        .then(broken)
        .otherwise(pl.col("身份证号").str.replace("X$", "x"))
        .alias("身份证号"),
        pl.when(index % 50 == 3)
        .then(" " + pl.col("姓名") + "\u3000")
        .otherwise(pl.col("姓名"))
        .alias("姓名"),
        pl.when(index % 500 == 9).then(pl.lit("朋友")).otherwise(pl.col("与户主关系")).alias("与户主关系"),
    )
    messy.write_csv(path)


def _read_one(path: Path, kind: str) -> int:
    from yikatong.bulk import read_table

    baseline = _peak_mib()
    started = time.perf_counter()
    parsed = read_table(path, kind)
    seconds = time.perf_counter() - started
    peak = _peak_mib()
    figures = {
        "rows": parsed.total_rows,
        "rejected": parsed.rejected.height,
        "seconds": seconds,
        "peak_mib": peak,
        "baseline_mib": baseline,
        "encoding": parsed.encoding,
    }
    print(json.dumps(figures))
    return 0


def _peak_mib() -> float:
    """This process's peak resident set size. Not ru_maxrss: Linux carries that over from the parent
    through fork and exec, so a child would report the preparing parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    raise SystemExit(main())
