"""Reads of the policy list: what is in force on a day, the version for a period, the public list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from yikatong.core.periods import Period
from yikatong.policies.domain.amount import Conditions, RateBand, Standard
from yikatong.policies.models import Policy, PolicyVersion, VersionStatus


def _in_force_on(day: dt.date) -> Q:
    return Q(status=VersionStatus.PUBLISHED, effective_from__lte=day) & (
        Q(effective_to__isnull=True) | Q(effective_to__gte=day)
    )


def published_in_force(day: dt.date | None = None) -> QuerySet[PolicyVersion]:
    """The published version of every policy in force on a day (today by default)."""
    day = day or timezone.localdate()
    return (
        PolicyVersion.objects.filter(_in_force_on(day))
        .filter(Q(policy__retired_on__isnull=True) | Q(policy__retired_on__gt=day))
        .select_related("policy__department")
        .prefetch_related("bands")
        .order_by("policy__code")
    )


def public_policy_list(day: dt.date | None = None) -> list[dict[str, Any]]:
    """Every published policy for the public list: in force (with its version) or retired."""
    day = day or timezone.localdate()
    in_force = {v.policy_id: v for v in published_in_force(day)}
    policies = (
        Policy.objects.filter(versions__status=VersionStatus.PUBLISHED)
        .distinct()
        .select_related("department")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED)
                .prefetch_related("bands")
                .order_by("-effective_from"),
                to_attr="published_versions",
            )
        )
    )
    rows = []
    for policy in policies:
        current = in_force.get(policy.pk)
        retired = policy.retired_on is not None and policy.retired_on <= day
        upcoming = [v for v in policy.published_versions if v.effective_from > day]
        if current is None and not retired and not upcoming:
            continue
        rows.append(
            {
                "policy": policy,
                "version": current or (policy.published_versions[0] if policy.published_versions else None),
                "retired": retired,
                # Not yet in force: the earliest version still to come, shown as "将于…起执行".
                "starts": None
                if current is not None
                else min((v.effective_from for v in upcoming), default=None),
                "history": policy.published_versions,
            }
        )
    return rows


def version_for(policy_code: str, period: Period) -> PolicyVersion | None:
    """The published version in force on the period's first day: the one its amounts are computed with."""
    return published_in_force(period.start).filter(policy__code=policy_code).first()


def standard_of(version: PolicyVersion) -> Standard:
    """The pure rate table and conditions of a version, for the amount function and the checks."""
    return Standard(
        code=version.policy.code,
        unit=version.unit,
        bands=tuple(
            RateBand(rate=b.rate, min_age=b.min_age, max_age=b.max_age, tier=b.tier)
            for b in version.bands.all()
        ),
        conditions=Conditions(
            min_age=version.min_age,
            max_age=version.max_age,
            regions=tuple(version.regions or ()),
            household_head_only=version.household_head_only,
            means_tested=version.means_tested,
            exclusive_with=tuple(version.exclusive_with or ()),
        ),
    )


def standard_text(version: PolicyVersion) -> str:
    """The standard as the public reads it: 71.45元/亩; 80-89周岁 50元/月; …"""
    unit = version.get_unit_display()
    parts = []
    for band in version.bands.all():
        rate = f"{band.rate.normalize():f}元/{unit}"
        ages = ""
        if band.min_age is not None and band.max_age is not None:
            ages = f"{band.min_age}-{band.max_age}周岁"
        elif band.min_age is not None:
            ages = f"{band.min_age}周岁以上"
        elif band.max_age is not None:
            ages = f"{band.max_age}周岁以下"
        label = " ".join(x for x in (band.tier, ages) if x)
        parts.append(f"{label} {rate}".strip())
    return "；".join(parts)


def staff_policy_list(user: Any) -> QuerySet[Policy]:
    """Policies a staff user may see (a department sees its own)."""
    return (
        Policy.objects.restrict(user, "view")
        .select_related("department")
        .prefetch_related(Prefetch("versions", queryset=PolicyVersion.objects.order_by("-number")))
    )
