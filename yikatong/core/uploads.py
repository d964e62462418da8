"""Files that users hand in and the error reports they get back, kept under the data directory."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.utils import timezone

from yikatong.bulk.reader import write_error_report


def store_upload(upload: Any) -> Path:
    """Keep an uploaded file under the data directory until its import has run."""
    directory = Path(settings.MEDIA_ROOT) / "uploads" / uuid.uuid4().hex
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / Path(upload.name).name
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


def file_sha256(path: Path) -> str:
    """The SHA-256 of a stored file, read in blocks (a month's roster may be hundreds of MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_error_report(rejected: pl.DataFrame, kind: str) -> tuple[str, str]:
    """Write the rejected rows (in file order) as CSV and Excel; return both paths."""
    directory = Path(settings.MEDIA_ROOT) / "import-reports"
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{kind}-errors-{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
    csv_path, xlsx_path = write_error_report(rejected.sort("row_no"), directory, stem)
    return str(csv_path), str(xlsx_path)
