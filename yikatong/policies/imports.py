"""The policy list in and out of files: FORMATS.md "policies" (CSV/Excel) and the public Excel list."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.bulk.reader import UnreadableFile, read_table
from yikatong.core.models import Department
from yikatong.core.restrict import AccessDenied
from yikatong.policies import services
from yikatong.policies.models import Frequency, Policy, PolicyVersion, VersionStatus
from yikatong.policies.selectors import public_policy_list, standard_text

PUBLIC_COLUMNS = [
    "序号", "补贴项目名称", "补贴主管部门", "补贴对象", "补贴标准",
    "补贴申报流程", "补贴发放频次", "补贴发放时间", "补贴制度文件",
]  # fmt: skip


@dataclass
class PolicyImport:
    """What an import of the policy list did."""

    drafted: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One Chinese sentence."""
        text = (
            f"新起草 {len(self.drafted)} 项，新版本 {len(self.new_versions)} 项，"
            f"未变 {len(self.unchanged)} 项，发布 {len(self.published)} 项"
        )
        return text + (f"；{len(self.errors)} 项有错误未导入" if self.errors else "")


def _department(name: str, user: Any) -> Department:
    if not name:
        if user is None or user.department is None:
            raise ValidationError("未填写主管部门")
        return user.department
    found = Department.objects.filter(Q(name=name) | Q(short_name=name) | Q(code=name)).first()
    if found is None:
        raise ValidationError(f"主管部门“{name}”不存在")
    return found


def _bands(group: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "rate": Decimal(row["rate"]),
            "min_age": int(row["min_age"]) if row["min_age"] is not None else None,
            "max_age": int(row["max_age"]) if row["max_age"] is not None else None,
            "tier": "",
        }
        for row in group.sort("min_age", nulls_last=False).iter_rows(named=True)
    ]


def _same_content(version: PolicyVersion, data: dict[str, Any], bands: list[dict[str, Any]]) -> bool:
    current = [
        {"rate": b.rate, "min_age": b.min_age, "max_age": b.max_age, "tier": b.tier}
        for b in version.bands.all()
    ]
    return (
        version.name == data["name"]
        and version.unit == data["unit"]
        and version.means_tested == data["means_tested"]
        and sorted(version.exclusive_with or []) == sorted(data["exclusive_with"])
        and version.basis_title == data["basis_title"]
        and [(b["rate"], b["min_age"], b["max_age"]) for b in current]
        == [(b["rate"], b["min_age"], b["max_age"]) for b in bands]
    )


def policy_list_import(
    *, path: Path, user: Any, effective_from: dt.date, publish: bool = False, source_name: str | None = None
) -> PolicyImport:
    """Draft (and, for finance, optionally publish) the policies of a FORMATS.md "policies" file."""
    if user is None:
        raise AccessDenied("导入政策清单须指明由哪位财政或业务主管部门的用户起草（命令行用 --user）")
    authorize(user, "policy.import")
    if publish:
        authorize(user, "policy.publish")
    table = read_table(path, "policies", source_name=source_name or path.name, today=timezone.localdate())
    outcome = PolicyImport()
    for rejected in table.rejected.iter_rows(named=True):
        outcome.errors.append(f"第{rejected['row_no']}行：{rejected['错误原因']}")
    for (code,), group in table.rows.group_by(["code"], maintain_order=True):
        first = group.row(0, named=True)
        data = {
            "effective_from": effective_from,
            "name": first["name"],
            "basis_title": first["basis"] or "",
            "target": first["name"],
            "unit": first["unit"],
            "frequency": Frequency.MONTHLY if first["unit"] == "month" else Frequency.YEARLY,
            "means_tested": first["means_tested"] == "true",
            "exclusive_with": [c for c in (first["exclusive_with"] or "").split(";") if c],
            "min_age": group["min_age"].cast(pl.Int64).min(),
            "max_age": group["max_age"].cast(pl.Int64).max(),
            "share_county": Decimal(100),
        }
        bands = _bands(group)
        try:
            with transaction.atomic():
                version = _import_one(str(code), first["department"] or "", data, bands, user, outcome)
                if publish and version is not None:
                    services.policy_version_publish(user=user, version=version)
                    outcome.published.append(str(code))
        except (ValidationError, AccessDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            outcome.errors.append(f"{code}：{'；'.join(messages)}")
    return outcome


def _import_one(
    code: str,
    department: str,
    data: dict[str, Any],
    bands: list[dict[str, Any]],
    user: Any,
    outcome: PolicyImport,
) -> PolicyVersion | None:
    policy = Policy.objects.filter(code=code).first()
    if policy is None:
        version = services.policy_draft_create(
            user=user, code=code, department=_department(department, user), data=data, bands=bands
        )
        outcome.drafted.append(code)
        return version
    latest = policy.versions.order_by("-number").first()
    if latest is not None and _same_content(latest, data, bands):
        outcome.unchanged.append(code)
        return None
    if latest is not None and latest.status == VersionStatus.DRAFT:
        version = services.policy_version_update(user=user, version=latest, data=data, bands=bands)
    else:
        version = services.policy_version_new(user=user, policy=policy, effective_from=data["effective_from"])
        version = services.policy_version_update(user=user, version=version, data=data, bands=bands)
    outcome.new_versions.append(code)
    return version


def public_list_excel(day: dt.date | None = None) -> bytes:
    """The public list as an Excel workbook with the 石阡县-style columns."""
    rows = []
    for index, item in enumerate(public_policy_list(day), start=1):
        version: PolicyVersion = item["version"]
        document = "；".join(x for x in (version.basis_doc_no, version.basis_title) if x)
        months = "、".join(f"{m}月" for m in version.pay_months or [])
        rows.append(
            [
                str(index),
                version.name + ("（已停止执行）" if item["retired"] else ""),
                item["policy"].department.name,
                version.target,
                standard_text(version),
                version.procedure,
                version.get_frequency_display(),
                months or version.get_frequency_display(),
                document,
            ]
        )
    frame = pl.DataFrame(rows, schema=PUBLIC_COLUMNS, orient="row")
    buffer = io.BytesIO()
    frame.write_excel(buffer, worksheet="补贴政策清单", autofit=True)
    return buffer.getvalue()


def policy_list_file(day: dt.date | None = None) -> pl.DataFrame:
    """The list in force as a FORMATS.md "policies" frame: one row per rate band."""
    rows = []
    for item in public_policy_list(day):
        version: PolicyVersion = item["version"]
        if item["retired"]:
            continue
        for band in version.bands.all():
            rows.append(
                {
                    "项目代码": item["policy"].code,
                    "项目名称": version.name,
                    "政策依据": version.basis_title,
                    "主管部门": item["policy"].department.name,
                    "计量单位": version.get_unit_display(),
                    "补贴标准": f"{band.rate.normalize():f}",
                    "最低年龄": "" if band.min_age is None else str(band.min_age),
                    "最高年龄": "" if band.max_age is None else str(band.max_age),
                    "困难救助": "是" if version.means_tested else "否",
                    "互斥项目": ";".join(version.exclusive_with or []),
                }
            )
    return pl.DataFrame(rows)


__all__ = ["PolicyImport", "UnreadableFile", "policy_list_file", "policy_list_import", "public_list_excel"]
