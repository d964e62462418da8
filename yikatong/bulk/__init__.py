"""Uploaded files (registries, policies, rosters) read into clean Polars frames and rejected rows.

Pure Python and Polars, no Django: the import services and the offline audit both call ``read_table``.
"""

from yikatong.bulk.errors import UnreadableFile
from yikatong.bulk.reader import ParsedTable, read_table
from yikatong.bulk.report import write_error_report
from yikatong.bulk.schemas import SCHEMAS, Column

__all__ = ["SCHEMAS", "Column", "ParsedTable", "UnreadableFile", "read_table", "write_error_report"]
