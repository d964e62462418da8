"""Region codes of an upload against the platform's regions and the importing user's area.

A code is looked up in two sets, as whole columns: every region of the platform (so that a code that exists
is never said not to), then the villages the user may change. Each row that fails says which of the two it
missed: "区划代码 … 不存在", "区划代码 …（某某村）不在您的管辖范围内", or that the code is a township's or the
county's, not a village's. Any import that reads region codes (registries here, rosters) builds its
messages with ``region_code_error``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

UNKNOWN_REGION = "区划代码 {} 不存在"
OUTSIDE_AREA = "区划代码 {}（{}）不在您的管辖范围内"
NOT_A_VILLAGE = "区划代码 {}（{}）不是村级区划代码"


@dataclass(frozen=True)
class RegionScope:
    """Every region of the platform by code (its name, whether it is a village) and the user's villages.

    ``regions`` has the columns ``code``, ``name``, ``village`` (bool) and ``in_area`` (bool: a village the
    user may use).
    """

    regions: pl.DataFrame

    @classmethod
    def of(cls, regions: Iterable[tuple[str, str, bool]], permitted: Iterable[str]) -> RegionScope:
        """From (code, name, is a village) of every region and the codes of the villages the user may use."""
        frame = pl.DataFrame(
            list(regions), schema={"code": pl.String, "name": pl.String, "village": pl.Boolean}, orient="row"
        )
        allowed = pl.Series(list(permitted), dtype=pl.String)
        return cls(frame.with_columns(in_area=pl.col("village") & pl.col("code").is_in(allowed.implode())))

    def villages_in_area(self) -> pl.Series:
        """The village codes the user may use."""
        return self.regions.filter(pl.col("in_area")).get_column("code")


def region_code_error(code: pl.Expr, scope: RegionScope) -> pl.Expr:
    """Null for a village code of the user's area, otherwise why the code cannot be used (see the module)."""
    regions = scope.regions
    codes = regions.get_column("code")
    name = code.replace_strict(codes, regions.get_column("name"), default=None, return_dtype=pl.String)
    village = code.replace_strict(codes, regions.get_column("village"), default=None, return_dtype=pl.Boolean)
    in_area = code.replace_strict(
        codes, regions.get_column("in_area"), default=False, return_dtype=pl.Boolean
    )
    return (
        pl.when(code.is_null() | in_area)
        .then(pl.lit(None, pl.String))
        .when(name.is_null())
        .then(pl.format(UNKNOWN_REGION, code))
        .when(~village)
        .then(pl.format(NOT_A_VILLAGE, code, name))
        .otherwise(pl.format(OUTSIDE_AREA, code, name))
    )
