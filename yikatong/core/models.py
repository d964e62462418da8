"""Regions and departments: the organisation every user, policy and person hangs from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yikatong.core.restrict import RestrictedManager, Scope


class RegionLevel(models.TextChoices):
    COUNTY = "county", _("县")
    TOWNSHIP = "township", _("乡镇")
    VILLAGE = "village", _("村/社区")


class Region(models.Model):
    """行政区划: a node of the county tree, keyed by its 12-digit statistical division code."""

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name="上级"
    )

    scope = Scope(region="code")
    objects = RestrictedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The code prefix shared by this region and everything below it."""
        return region_prefix(self.code, self.level)

    def full_name(self) -> str:
        """Name with its ancestors, for example 塔河县塔河镇永安村."""
        names = []
        node: Region | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


def subtree_prefix(code: str) -> str:
    """The code prefix of a region's subtree (the code itself when it is not a known region)."""
    region = Region.objects.filter(code=code).only("code", "level").first()
    return region.prefix if region is not None else code


def county() -> Region | None:
    """The county this platform serves (the one region of county level)."""
    return Region.objects.filter(level=RegionLevel.COUNTY).first()


def region_prefix(code: str, level: str) -> str:
    """Code prefix of a region's subtree: 6 digits for a county, 9 for a township, 12 for a village."""
    return {RegionLevel.COUNTY: code[:6], RegionLevel.TOWNSHIP: code[:9]}.get(level, code)  # type: ignore[call-overload]


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", _("政府部门")
    BANK = "bank", _("代发银行")


class Department(models.Model):
    """部门: a bureau of the county government, or an agent bank's branch, that users belong to."""

    code = models.CharField("部门代码", max_length=32, unique=True)
    name = models.CharField("部门名称", max_length=64, unique=True)
    short_name = models.CharField("简称", max_length=16, blank=True)
    kind = models.CharField(
        "类型", max_length=16, choices=DepartmentKind.choices, default=DepartmentKind.GOVERNMENT
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name="所属区划")

    class Meta:
        ordering = ["code"]
        verbose_name = "部门"
        verbose_name_plural = "部门"

    def __str__(self) -> str:
        return self.name


class ThrottleCount(models.Model):
    """One scope's hits by one key in one fixed window; the key is a keyed hash, never the clear value."""

    scope = models.CharField("范围", max_length=32)
    key_hash = models.CharField("键摘要", max_length=32)
    window_start = models.BigIntegerField("时间窗起点")
    count = models.IntegerField("次数", default=0)

    class Meta:
        verbose_name = "访问频次计数"
        verbose_name_plural = "访问频次计数"
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key_hash", "window_start"], name="throttle_one_row_per_window"
            ),
        ]
        indexes = [models.Index(fields=["window_start"], name="throttle_window_idx")]

    def __str__(self) -> str:
        return f"{self.scope} {self.window_start}: {self.count}"
