"""Reads of checks: which periods a range covers, findings as people filter them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, CharField, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext

from yikatong.accounts.models import User
from yikatong.audit.models import AuditEvent
from yikatong.checks.engine.catalogue import CATALOGUE, OUTSIDE_RULES, SEVERITY_ZH
from yikatong.checks.models import CheckRun, Finding, FindingState, RuleSetting, RunKind
from yikatong.checks.platform import IN_FLIGHT, LineSet
from yikatong.core.models import Region, subtree_prefix
from yikatong.core.periods import InvalidPeriod, Period
from yikatong.payments.models import LineStatus as PlanLineStatus
from yikatong.payments.models import PlanLine
from yikatong.policies.models import Policy, PolicyVersion
from yikatong.registry.models import RegistryKind
from yikatong.rosters.models import LineState, Roster, RosterLine


def periods_between(first: str, last: str) -> list[str]:
    """The periods with roster lines that lie wholly inside [first's start, last's end], in order.

    A range of months also takes in the quarters and years it covers whole (2026-01 … 2026-12 includes
    2026Q1 … 2026Q4 and 2026), so a policy paid quarterly or yearly is audited with the monthly ones.
    """
    start, end = Period.parse(first).start, Period.parse(last).end
    found = []
    for text in RosterLine.objects.order_by().values_list("period", flat=True).distinct():
        try:
            period = Period.parse(text)
        except InvalidPeriod:
            continue
        if start <= period.start and period.end <= end:
            found.append(period)
    return [str(p) for p in sorted(found, key=lambda p: (p.start, p.end))]


# --- findings, runs and samples as people look at them ---------------------------------------------------


@dataclass(frozen=True)
class FindingFilters:
    """What a findings list is narrowed to; empty values mean "any"."""

    rule: str = ""
    state: str = ""
    severity: str = ""
    blocking: bool = False
    region: str = ""
    policy: str = ""
    period: str = ""
    roster: int | None = None
    run: int | None = None
    kind: str = ""


def _labelled(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    """Findings with the rule's title and the severity in the reader's language and the village's name, in the
    same query."""
    return findings.annotate(
        rule_title=Case(
            *[When(rule=code, then=Value(gettext(rule.title_zh))) for code, rule in CATALOGUE.items()],
            *[When(rule=code, then=Value(gettext(title))) for code, title in OUTSIDE_RULES.items()],
            default=F("rule"),
            output_field=CharField(),
        ),
        severity_label=Case(
            *[When(severity=key, then=Value(gettext(label))) for key, label in SEVERITY_ZH.items()],
            default=F("severity"),
            output_field=CharField(),
        ),
        village_name=Subquery(Region.objects.filter(code=OuterRef("region_code")).values("name")[:1]),
    )


def finding_list(*, user: Any, filters: FindingFilters | None = None) -> QuerySet[Finding]:
    """The findings the user may see, narrowed by the filters, newest first, labelled for display."""
    filters = filters or FindingFilters()
    findings = Finding.objects.restrict(user, "view").select_related(
        "policy", "person", "line", "roster", "settled_by"
    )
    if filters.rule:
        findings = findings.filter(rule=filters.rule)
    if filters.state:
        findings = findings.filter(state=filters.state)
    if filters.severity:
        findings = findings.filter(severity=filters.severity)
    if filters.blocking:
        findings = findings.filter(blocking=True)
    if filters.region:
        findings = findings.filter(region_code__startswith=subtree_prefix(filters.region))
    if filters.policy:
        findings = findings.filter(policy__code=filters.policy)
    if filters.period:
        findings = findings.filter(period=filters.period)
    if filters.roster is not None:
        findings = findings.filter(roster_id=filters.roster)
    if filters.run is not None:
        # An in-flight finding keeps the run that first found it and the run that last saw it.
        findings = findings.filter(Q(run_id=filters.run) | Q(first_run_id=filters.run))
    if filters.kind:
        findings = findings.filter(kind=filters.kind)
    return _labelled(findings).order_by("-found_at", "rule", "pk")


def finding_counts(findings: QuerySet[Finding]) -> dict[str, int]:
    """How many findings there are, how many are open, and how many of those block (one query)."""
    open_state = Q(state=FindingState.OPEN)
    counted = findings.order_by().aggregate(
        total=Count("pk"),
        open=Count("pk", filter=open_state),
        open_blocking=Count("pk", filter=open_state & Q(blocking=True)),
    )
    return {key: int(value or 0) for key, value in counted.items()}


def roster_open_blocking_count(*, user: Any, roster: Roster) -> int:
    """How many blocking findings that stop the roster's approval the user can see."""
    visible = Finding.objects.restrict(user, "view")
    return visible.filter(pk__in=open_blocking(roster).values("pk")).count()


def run_list(*, user: Any, kind: str = "") -> QuerySet[CheckRun]:
    """The check runs the user may see, newest first; a department sees the runs over its own policies."""
    runs = (
        CheckRun.objects.restrict(user, "view")
        .select_related("policy", "roster", "created_by")
        .annotate(
            region_name=Subquery(Region.objects.filter(code=OuterRef("region_code")).values("name")[:1])
        )
    )
    if getattr(user, "department_scoped", False):
        runs = runs.filter(policy__department_id=user.department_id)
    if kind:
        runs = runs.filter(kind=kind)
    return runs.order_by("-started_at", "-pk")


def run_snapshots(run: CheckRun) -> list[dict[str, Any]]:
    """The registry snapshots a run compared with, each with its kind in Chinese."""
    labels = dict(RegistryKind.choices)
    return [
        {
            "kind": kind,
            "kind_label": str(labels.get(kind, kind)),
            "uploaded": str(item.get("uploaded_at", ""))[:16].replace("T", " "),
            **item,
        }
        for kind, item in sorted(run.snapshots.items())
    ]


_EXPORT_FIELDS = (
    "rule",
    "rule_title",
    "severity_label",
    "blocking",
    "region_code",
    "village_name",
    "person__name",
    "person__id_number",
    "policy__code",
    "period",
    "detail",
    "state",
    "settle_reason",
)
_SAMPLE_FIELDS = (
    "pk",
    "line_no",
    "roster_id",
    "period",
    "amount_fen",
    "state",
    "policy__code",
    "roster__village_id",
    "roster__village__name",
    "person__name",
    "person__id_number",
)


def finding_export_rows(*, user: Any, run: CheckRun) -> list[dict[str, Any]]:
    """The run's findings the user may see, as flat rows for a spreadsheet (one query)."""
    findings = finding_list(user=user, filters=FindingFilters(run=run.pk)).order_by(
        "region_code", "rule", "pk"
    )
    return list(findings.values(*_EXPORT_FIELDS))


def sample_rows(*, user: Any, run: CheckRun) -> list[dict[str, Any]]:
    """The run's sampled roster lines the user may see, by village and roster (one query)."""
    if not run.sample:
        return []
    lines = (
        RosterLine.objects.restrict(user, "view")
        .filter(pk__in=run.sample)
        .order_by("roster__village_id", "roster_id", "line_no")
    )
    return list(lines.values(*_SAMPLE_FIELDS))


def region_choices(user: Any) -> list[Region]:
    """The user's own region and every region below it, for a region picker."""
    return list(Region.objects.restrict(user, "view").order_by("code"))


def policy_choices(user: Any) -> list[tuple[str, str]]:
    """(code, name) of the policies the user may see, the name from the newest version."""
    newest = PolicyVersion.objects.filter(policy=OuterRef("pk")).order_by("-number").values("name")[:1]
    rows = Policy.objects.restrict(user, "view").annotate(name=Subquery(newest)).values_list("code", "name")
    return [(code, name or code) for code, name in rows.order_by("code")]


def finding_history(finding: Finding) -> list[AuditEvent]:
    """The audit events recorded about one finding, oldest first (its settlement among them), each with
    ``actor_display``: the name the page shows for who acted (the system when nobody did)."""
    events = list(
        AuditEvent.objects.filter(object_type="checks.finding", object_id=str(finding.pk)).order_by("seq")
    )
    users = {u.pk: u for u in User.objects.filter(pk__in={e.actor_id for e in events if e.actor_id})}
    for event in events:
        actor = users.get(event.actor_id) if event.actor_id else None
        event.actor_display = actor.display_name if actor is not None else ""  # type: ignore[attr-defined]
    return events


# Who reads rules by their codes (CARD_INACTIVE …) as well as their names: those who audit and administer;
# everyone else reads the names only.
RULE_CODE_ROLES = frozenset({"auditor", "admin"})


def shows_rule_codes(user: Any) -> bool:
    """Whether the user's pages name rules by their codes too (auditors and administrators)."""
    return str(getattr(user, "role", "")) in RULE_CODE_ROLES


@dataclass(frozen=True)
class RuleRow:
    """One rule of the catalogue with this county's setting."""

    code: str
    title: str
    severity: str
    default_blocking: bool
    blocking: bool
    setting: RuleSetting | None


def rule_rows() -> list[RuleRow]:
    """The catalogue's rules in order, each with whether it blocks by default and now, and who changed it
    last, when and why."""
    settings = {s.code: s for s in RuleSetting.objects.select_related("updated_by")}
    return [
        RuleRow(
            code=code,
            title=gettext(rule.title_zh),
            severity=gettext(SEVERITY_ZH.get(rule.severity, rule.severity)),
            default_blocking=rule.blocking,
            blocking=settings[code].blocking if code in settings else rule.blocking,
            setting=settings.get(code),
        )
        for code, rule in CATALOGUE.items()
    ]


def rule_row(code: str) -> RuleRow | None:
    """One rule of the catalogue with this county's setting (None for a code the catalogue lacks)."""
    return next((row for row in rule_rows() if row.code == code), None)


@dataclass(frozen=True)
class RunRuleRow:
    """One rule of a run: what it found, and whether it blocked when the run started (as recorded)."""

    code: str
    title: str
    count: int
    # None: the run did not record the settings in force (runs made before they were).
    blocking: bool | None
    county: bool


def run_rule_rows(run: CheckRun) -> list[RunRuleRow]:
    """The rules a run completed, each with its count and its blocking setting as the run recorded it."""
    recorded = run.rule_settings or {}
    rows = []
    for item in run.summary:
        code = item["rule"]
        setting = recorded.get(code)
        rule = CATALOGUE.get(code)
        rows.append(
            RunRuleRow(
                code=code,
                title=item.get("title") or (rule.title_zh if rule else code),
                count=int(item.get("count", 0)),
                blocking=bool(setting["blocking"]) if setting is not None else None,
                county=bool(setting.get("county")) if setting is not None else False,
            )
        )
    return rows


def run_skipped(run: CheckRun) -> list[tuple[str, str, str]]:
    """(code, title, reason) of the rules a run could not check."""
    return [
        (code, CATALOGUE[code].title_zh if code in CATALOGUE else code, reason)
        for code, reason in sorted(run.skipped.items())
    ]


# --- which rules block, what still blocks, which lines a run covers ---------------------------------


def rule_settings_in_force() -> dict[str, dict[str, bool]]:
    """Whether each rule of the catalogue blocks now: {code: {"blocking": …, "county": changed here}}."""
    chosen = {code: {"blocking": rule.blocking, "county": False} for code, rule in CATALOGUE.items()}
    for code, blocking in RuleSetting.objects.values_list("code", "blocking"):
        if code in chosen:
            chosen[code] = {"blocking": bool(blocking), "county": True}
    return chosen


def blocking_of(settings: dict[str, dict[str, bool]]) -> frozenset[str]:
    """The blocking rules of a settings record (as rule_settings_in_force gives and runs keep)."""
    return frozenset(code for code, setting in settings.items() if setting.get("blocking"))


def blocking_codes() -> frozenset[str]:
    """The rules whose findings stop lines: the catalogue's defaults as changed by this county's settings."""
    return blocking_of(rule_settings_in_force())


def open_blocking(roster: Roster) -> QuerySet[Finding]:
    """The open blocking in-flight findings on the roster's lines still on their way (or on the roster)."""
    return Finding.objects.filter(
        kind=RunKind.INFLIGHT, roster=roster, blocking=True, state=FindingState.OPEN
    ).filter(Q(line__isnull=True) | Q(line__state__in=[LineState.ACCEPTED, LineState.PENDING]))


def blocking_message(findings: QuerySet[Finding]) -> str:
    """“还有3条阻断性核查疑点未处理（死亡人员冒领 2条、无社保卡账户 1条）…”."""
    counts: dict[str, int] = {}
    for rule in findings.values_list("rule", flat=True):
        counts[rule] = counts.get(rule, 0) + 1
    parts = "、".join(f"{CATALOGUE[code].title_zh} {n}条" for code, n in sorted(counts.items()))
    total = sum(counts.values())
    return f"还有{total}条阻断性核查疑点未处理（{parts}），请逐条说明情况或将问题行退回村（社区）更正后再审批"


def line_set_for(
    *, kind: str, period_from: str, period_to: str, policy_code: str, region_code: str
) -> LineSet:
    """The lines a run of this kind covers."""
    if kind == RunKind.POSTHOC:
        # Each period once: periods_between can repeat one (its DISTINCT also spans the lines' ordering).
        periods: tuple[str, ...] = tuple(dict.fromkeys(periods_between(period_from, period_to))) or (
            period_from,
        )
        states: tuple[str, ...] = (LineState.APPROVED,)
    else:
        periods, states = (period_from,), IN_FLIGHT
    # A post-hoc audit looks at the money that went out: once periods were paid through the platform, the
    # lines paid; before that (history loaded from elsewhere), the approved lines.
    paid_only = kind == RunKind.POSTHOC and _paid_in(periods, policy_code)
    return LineSet(
        periods=periods,
        states=states,
        policy_code=policy_code or None,
        region_prefix=subtree_prefix(region_code),
        paid_only=paid_only,
    )


def _paid_in(periods: tuple[str, ...], policy_code: str) -> bool:
    paid = PlanLine.objects.filter(plan__period__in=periods, status=PlanLineStatus.PAID)
    if policy_code:
        paid = paid.filter(plan__policy__code=policy_code)
    return paid.exists()
