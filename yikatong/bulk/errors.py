"""The one error a whole upload can end in."""

from __future__ import annotations


class UnreadableFile(Exception):
    """One clear Chinese message naming the file and the cause; nothing was loaded."""

    def __init__(self, source_name: str, cause: str) -> None:
        self.source_name = source_name
        self.cause = cause
        super().__init__(f"文件“{source_name}”无法读取：{cause}")
