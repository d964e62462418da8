"""Factories for complaints: uploads of each kind, and a filed complaint with its number and secret."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yikatong.complaints import services
from yikatong.complaints.domain import rules


def png_bytes() -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(padding: int = 0) -> bytes:
    """A small PDF (padded to a size when asked)."""
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    )
    return body + b"%" + b"0" * padding + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def exe_bytes() -> bytes:
    """The start of a Windows executable."""
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
        + b"\x00" * 64
        + b"This program cannot be run"
    )


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    """An upload as a browser sends it (the content type is whatever the browser claims)."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A moment of a day in the platform's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def file_complaint(**changes: Any) -> services.Filed:
    """A real-name complaint about 高龄津贴 in village A (the policy must be published), filed now."""
    data: dict[str, Any] = {
        "kind": rules.COMPLAINT,
        "text": "村里有人已经去世还在领高龄津贴",
        "policy_code": "GLJT",
        "region_code": "232722100201",
        "anonymous": False,
        "contact_name": "张秀英",
        "contact_phone": "13904570001",
        "contact_id_number": "",
    }
    data.update(changes)
    return services.complaint_file(**data)
