"""Uploaded files (registries, policies, rosters) read into clean Polars frames and rejected rows.

Pure Python and Polars, no Django: the import services and the offline audit both call ``read_table``.
"""

from yikatong.bulk.errors import UnreadableFile
from yikatong.bulk.reader import ParsedTable, read_table
from yikatong.bulk.regions import RegionScope, region_code_error
from yikatong.bulk.report import write_error_report
from yikatong.bulk.schemas import SCHEMAS, Column

__all__ = [
    "SCHEMAS",
    "Column",
    "ParsedTable",
    "RegionScope",
    "UnreadableFile",
    "read_table",
    "region_code_error",
    "write_error_report",
]
