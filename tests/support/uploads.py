"""Uploads for tests that send the same file more than once."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile


class RereadableUpload(SimpleUploadedFile):
    """An upload that each of several requests (the outsider's, then the insider's) can send whole."""

    def __init__(self, name: str, content: bytes, content_type: str = "text/plain") -> None:
        super().__init__(name, content, content_type=content_type)

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        self.seek(0)
        return bytes(super().read(*args, **kwargs))
