"""The policy list through the API: read by anyone, drafts submitted by departments' systems."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from yikatong.accounts.permissions import public, requires
from yikatong.policies import selectors, services
from yikatong.policies.models import Policy, PolicyVersion, VersionStatus

router = Router(tags=["补贴政策清单 policies"])


class BandIn(Schema):
    rate: Decimal
    min_age: int | None = None
    max_age: int | None = None
    tier: str = ""


class BandOut(BandIn):
    pass


class VersionOut(Schema):
    number: int
    status: str
    effective_from: dt.date
    effective_to: dt.date | None
    name: str
    basis: str
    target: str
    conditions: str
    unit: str
    frequency: str
    means_tested: bool
    exclusive_with: list[str]
    standard: str
    bands: list[BandOut]


class PolicyOut(Schema):
    code: str
    department: str
    retired_on: dt.date | None
    current: VersionOut | None


class DraftIn(Schema):
    code: str
    effective_from: dt.date
    name: str
    basis_doc_no: str = ""
    basis_title: str
    target: str
    conditions_text: str = ""
    min_age: int | None = None
    max_age: int | None = None
    household_head_only: bool = False
    means_tested: bool = False
    exclusive_with: list[str] = []
    unit: str
    frequency: str
    pay_months: list[int] = []
    share_central: Decimal = Decimal(0)
    share_provincial: Decimal = Decimal(0)
    share_county: Decimal = Decimal(100)
    procedure: str = ""
    publicity_days: int = 7
    review_days: int = 10
    payment_days: int = 10
    disclosure_days: int = 20
    bands: list[BandIn]


class DraftOut(Schema):
    code: str
    number: int
    status: str


def _version_out(version: PolicyVersion) -> VersionOut:
    return VersionOut(
        number=version.number,
        status=version.status,
        effective_from=version.effective_from,
        effective_to=version.effective_to,
        name=version.name,
        basis=" ".join(x for x in (version.basis_doc_no, version.basis_title) if x),
        target=version.target,
        conditions=version.conditions_text,
        unit=version.unit,
        frequency=version.frequency,
        means_tested=version.means_tested,
        exclusive_with=list(version.exclusive_with or []),
        standard=selectors.standard_text(version),
        bands=[
            BandOut(rate=b.rate, min_age=b.min_age, max_age=b.max_age, tier=b.tier)
            for b in version.bands.all()
        ],
    )


@router.get("", response=list[PolicyOut], auth=None, summary="公开的补贴政策清单（无需令牌）")
@public
def policy_list(request: HttpRequest) -> list[PolicyOut]:
    return [
        PolicyOut(
            code=row["policy"].code,
            department=row["policy"].department.name,
            retired_on=row["policy"].retired_on,
            current=None if row["retired"] else _version_out(row["version"]),
        )
        for row in selectors.public_policy_list()
    ]


@router.get(
    "/{code}/versions", response=list[VersionOut], auth=None, summary="一项政策已发布的各版本（无需令牌）"
)
@public
def policy_versions(request: HttpRequest, code: str) -> list[VersionOut]:
    versions = PolicyVersion.objects.filter(policy__code=code, status=VersionStatus.PUBLISHED).order_by(
        "number"
    )
    if not versions.exists():
        raise Http404
    return [_version_out(v) for v in versions.prefetch_related("bands")]


@router.post("", response=DraftOut, summary="业务主管部门提交政策草稿")
@requires("policy.draft")
def policy_draft(request: HttpRequest, payload: DraftIn) -> DraftOut:
    data: dict[str, Any] = payload.dict(exclude={"code", "bands"})
    bands = [b.dict() for b in payload.bands]
    existing = Policy.objects.filter(code=payload.code).first()
    if existing is None:
        version = services.policy_draft_create(
            user=request.user, code=payload.code, department=None, data=data, bands=bands
        )
    else:
        draft = existing.versions.filter(status=VersionStatus.DRAFT).first()
        if draft is None:
            draft = services.policy_version_new(
                user=request.user, policy=existing, effective_from=payload.effective_from
            )
        version = services.policy_version_update(user=request.user, version=draft, data=data, bands=bands)
    return DraftOut(code=payload.code, number=version.number, status=version.status)
