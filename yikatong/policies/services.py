"""Writes on the policy list: drafting by departments, publication by finance, versions, retirement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.forms.models import model_to_dict
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.core.models import Department
from yikatong.core.models import county as county_region
from yikatong.core.restrict import AccessDenied, ensure_in_scope
from yikatong.policies.domain import amount as domain
from yikatong.policies.domain.notice import template_problem
from yikatong.policies.models import Policy, PolicyVersion, RateBand, VersionStatus

EDITABLE = frozenset({VersionStatus.DRAFT})

VERSION_FIELDS = [
    "effective_from", "name", "basis_doc_no", "basis_title", "target", "conditions_text", "min_age",
    "max_age",
    "regions", "household_head_only", "means_tested", "exclusive_with", "unit", "frequency", "pay_months",
    "share_central", "share_provincial", "share_county", "procedure", "publicity_days", "review_days",
    "payment_days", "disclosure_days", "bank_notice_template", "example_rates",
]  # fmt: skip


def _snapshot(version: PolicyVersion) -> dict[str, Any]:
    data = model_to_dict(version, fields=[*VERSION_FIELDS, "number", "status"])
    data["bands"] = [
        {"rate": str(b.rate), "min_age": b.min_age, "max_age": b.max_age, "tier": b.tier}
        for b in version.bands.all()
    ]
    return data


def _with_defaults(data: dict[str, Any], version: PolicyVersion | None = None) -> dict[str, Any]:
    """The version's full content after a change: given fields over the current (or default) ones."""
    current = model_to_dict(version or PolicyVersion(), fields=VERSION_FIELDS)
    return {**current, **data}


def _validate(data: dict[str, Any], bands: list[dict[str, Any]]) -> None:
    errors: dict[str, str] = {}
    shares = sum(
        Decimal(str(data.get(k) or 0)) for k in ("share_central", "share_provincial", "share_county")
    )
    if shares != 100:
        errors["share_county"] = f"中央、省、县承担比例之和应为100%，现为{shares}%"
    if int(data.get("publicity_days") or 0) < 7:
        errors["publicity_days"] = "公示期不得少于7天"
    if int(data.get("disclosure_days") or 0) > 20:
        errors["disclosure_days"] = "补贴信息应在20日内公开"
    low, high = data.get("min_age"), data.get("max_age")
    if low is not None and high is not None and low > high:
        errors["max_age"] = "最高年龄不能小于最低年龄"
    if not bands:
        errors["bands"] = "至少填写一档补贴标准"
    for band in bands:
        if Decimal(str(band["rate"])) < 0:
            errors["bands"] = "补贴标准不能为负数"
        if (
            band.get("min_age") is not None
            and band.get("max_age") is not None
            and band["min_age"] > band["max_age"]
        ):
            errors["bands"] = "补贴标准档次的最高年龄不能小于最低年龄"
    try:
        # The pure rate table refuses what the amount function cannot apply (overlapping bands, bad regions).
        domain.Standard(
            code="-",
            unit=str(data.get("unit") or "month"),
            bands=tuple(
                domain.RateBand(
                    rate=Decimal(str(b["rate"])),
                    min_age=b.get("min_age"),
                    max_age=b.get("max_age"),
                    tier=b.get("tier") or "",
                )
                for b in bands
            ),
            conditions=domain.Conditions(min_age=low, max_age=high, regions=tuple(data.get("regions") or ())),
        )
    except domain.InvalidStandard as exc:
        errors.setdefault("bands", str(exc))
    problem = template_problem(str(data.get("bank_notice_template") or ""))
    if problem:
        errors["bank_notice_template"] = problem
    months = data.get("pay_months") or []
    if any(not (isinstance(m, int) and 1 <= m <= 12) for m in months):
        errors["pay_months"] = "发放月份应为1至12的整数"
    if errors:
        raise ValidationError(errors)


def _set_bands(version: PolicyVersion, bands: list[dict[str, Any]]) -> None:
    version.bands.all().delete()
    RateBand.objects.bulk_create(
        RateBand(
            version=version,
            rate=Decimal(str(b["rate"])),
            min_age=b.get("min_age"),
            max_age=b.get("max_age"),
            tier=b.get("tier") or "",
        )
        for b in bands
    )


@transaction.atomic
def policy_draft_create(
    *, user: Any, code: str, department: Department | None, data: dict[str, Any], bands: list[dict[str, Any]]
) -> PolicyVersion:
    """Draft a new policy (version 1); a department drafts only for itself."""
    authorize(user, "policy.draft")
    department = department or user.department
    if getattr(user, "department_scoped", False) and department != user.department:
        raise AccessDenied("业务主管部门只能起草本部门的补贴政策")
    code = code.strip()
    if not code:
        raise ValidationError({"code": "请填写项目代码"})
    if Policy.objects.filter(code=code).exists():
        raise ValidationError({"code": f"项目代码 {code} 已存在，请在该政策下新建版本"})
    data = _with_defaults(data)
    _validate(data, bands)
    county = county_region()
    if county is None:
        raise ValidationError("尚未设置县级区划")
    policy = Policy.objects.create(code=code, department=department, region=county)
    version = PolicyVersion(
        policy=policy, number=1, created_by=user, **{k: data[k] for k in VERSION_FIELDS if k in data}
    )
    version.full_clean(exclude=["basis_file"])
    version.save()
    _set_bands(version, bands)
    audit_record(action="policy.draft", obj=version, after=_snapshot(version), actor=user)
    return version


@transaction.atomic
def policy_version_update(
    *, user: Any, version: PolicyVersion, data: dict[str, Any], bands: list[dict[str, Any]]
) -> PolicyVersion:
    """Change a draft; published versions are never edited (a change is a new version)."""
    authorize(user, "policy.draft")
    ensure_in_scope(user, version, "change")
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status not in EDITABLE:
        raise ValidationError("只有草稿可以修改；已发布的政策请新建版本")
    data = _with_defaults(data, version)
    _validate(data, bands)
    before = _snapshot(version)
    for key in VERSION_FIELDS:
        if key in data:
            setattr(version, key, data[key])
    version.full_clean(exclude=["basis_file"])
    version.save()
    _set_bands(version, bands)
    audit_record(action="policy.update", obj=version, before=before, after=_snapshot(version), actor=user)
    return version


@transaction.atomic
def policy_version_new(*, user: Any, policy: Policy, effective_from: dt.date) -> PolicyVersion:
    """Start a new draft version from the latest one, to take effect on a later date."""
    authorize(user, "policy.draft")
    ensure_in_scope(user, policy, "change")
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.versions.filter(status__in=[VersionStatus.DRAFT, VersionStatus.SUBMITTED]).exists():
        raise ValidationError("该政策已有未发布的版本，请先完成或撤回")
    latest = policy.versions.order_by("-number").first()
    if latest is None:
        raise ValidationError("该政策没有版本")
    in_force = policy.versions.filter(status=VersionStatus.PUBLISHED).order_by("-effective_from").first()
    # Said when the version is started, not only when it is published.
    if in_force is not None and effective_from <= in_force.effective_from:
        since = f"{in_force.effective_from:%Y-%m-%d}"
        raise ValidationError({"effective_from": f"生效日期须晚于当前已发布版本的生效日期（{since}）"})
    bands: list[dict[str, Any]] = [dict(b) for b in latest.bands.values("rate", "min_age", "max_age", "tier")]
    number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion.objects.get(pk=latest.pk)
    version.pk = None
    version._state.adding = True
    version.number = number
    version.status = VersionStatus.DRAFT
    version.effective_from = effective_from
    version.effective_to = None
    version.created_by = user
    version.created_at = timezone.now()
    version.published_by = None
    version.published_at = None
    version.save()
    _set_bands(version, bands)
    audit_record(action="policy.new_version", obj=version, after=_snapshot(version), actor=user)
    return version


@transaction.atomic
def policy_version_submit(*, user: Any, version: PolicyVersion) -> PolicyVersion:
    """A department sends a draft to finance for publication."""
    authorize(user, "policy.submit")
    ensure_in_scope(user, version, "change")
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError("只有草稿可以提交")
    version.status = VersionStatus.SUBMITTED
    version.save(update_fields=["status"])
    audit_record(action="policy.submit", obj=version, after={"status": version.status}, actor=user)
    return version


@transaction.atomic
def policy_version_return(*, user: Any, version: PolicyVersion, reason: str) -> PolicyVersion:
    """Finance sends a submitted version back to its department with a reason."""
    authorize(user, "policy.publish")
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.SUBMITTED:
        raise ValidationError("只有待审核的版本可以退回")
    if not reason.strip():
        raise ValidationError({"reason": "请填写退回理由"})
    version.status = VersionStatus.DRAFT
    version.save(update_fields=["status"])
    audit_record(action="policy.return", obj=version, after={"reason": reason.strip()}, actor=user)
    return version


@transaction.atomic
def policy_version_publish(*, user: Any, version: PolicyVersion) -> PolicyVersion:
    """Finance publishes a version; the version in force before it ends the day before it starts."""
    authorize(user, "policy.publish")
    ensure_in_scope(user, version, "change")
    policy = Policy.objects.select_for_update().get(pk=version.policy_id)
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status not in {VersionStatus.SUBMITTED, VersionStatus.DRAFT}:
        raise ValidationError("该版本已发布或已撤回")
    if policy.retired_on is not None:
        raise ValidationError("该政策已停止执行，不能发布新版本")
    published = policy.versions.filter(status=VersionStatus.PUBLISHED)
    if published.filter(effective_from__gte=version.effective_from).exists():
        raise ValidationError({"effective_from": "生效日期须晚于当前已发布版本的生效日期"})
    _validate(
        model_to_dict(version), [dict(b) for b in version.bands.values("rate", "min_age", "max_age", "tier")]
    )
    previous = published.order_by("-effective_from").first()
    if previous is not None:
        previous.effective_to = version.effective_from - dt.timedelta(days=1)
        previous.save(update_fields=["effective_to"])
    version.status = VersionStatus.PUBLISHED
    version.published_by = user
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_by", "published_at"])
    audit_record(action="policy.publish", obj=version, after=_snapshot(version), actor=user)
    return version


@transaction.atomic
def policy_retire(*, user: Any, policy: Policy, on: dt.date) -> Policy:
    """Finance stops a policy from a date; it stays on the list, shown as retired."""
    authorize(user, "policy.publish")
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    policy.retired_on = on
    policy.save(update_fields=["retired_on"])
    current = policy.versions.filter(status=VersionStatus.PUBLISHED, effective_to__isnull=True).first()
    if current is not None:
        current.effective_to = on - dt.timedelta(days=1)
        current.save(update_fields=["effective_to"])
    audit_record(action="policy.retire", obj=policy, after={"retired_on": on.isoformat()}, actor=user)
    return policy
