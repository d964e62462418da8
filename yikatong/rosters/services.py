"""The roster's path: declaration, public notice with objections, township review, department approval.

Every move locks the roster row, checks the move against the workflow, records a RosterEvent (late or not)
and an audit event in the same transaction; two reviewers acting at once cannot both win.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.bulk.kinds import Context, check_cells
from yikatong.bulk.schemas import SCHEMAS
from yikatong.core.fields import blind_index
from yikatong.core.models import Region, RegionLevel
from yikatong.core.periods import InvalidPeriod, Period
from yikatong.core.restrict import AccessDenied, ensure_in_scope
from yikatong.core.tables import insert_frame, read_frame
from yikatong.policies.domain.amount import Beneficiary, standard_amount
from yikatong.policies.models import Policy
from yikatong.policies.selectors import standard_of, version_for
from yikatong.registry.models import DeathRecord, Person, RegistryKind
from yikatong.registry.selectors import latest_snapshot
from yikatong.rosters.domain import workflow
from yikatong.rosters.models import (
    CARD_ACCOUNT_INDEX,
    LineState,
    Objection,
    ObjectionState,
    Roster,
    RosterEvent,
    RosterLine,
)


def _move(
    roster: Roster, target: str, *, user: Any, comment: str = "", deadline: dt.datetime | None
) -> Roster:
    """Check and make one move of a locked roster; record it."""
    _check(roster, target, user)
    now = timezone.now()
    late = roster.deadline is not None and now > roster.deadline
    RosterEvent.objects.create(
        roster=roster,
        from_state=roster.state,
        to_state=target,
        actor=user,
        at=now,
        comment=comment,
        deadline=roster.deadline,
        late=late,
    )
    before = roster.state
    roster.state = target
    roster.deadline = deadline
    roster.revision += 1
    roster.save(update_fields=["state", "deadline", "revision", "publicity_start", "publicity_end"])
    audit_record(
        action=f"roster.{target}",
        obj=roster,
        region_code=roster.village_id,
        before={"state": before},
        after={"state": target, "comment": comment, "late": late},
        actor=user,
    )
    return roster


def _check(roster: Roster, target: str, user: Any) -> None:
    """Refuse a move the workflow does not allow, or one the user may not make (its action)."""
    try:
        code = workflow.check_move(roster.state, target)
    except workflow.IllegalMove as exc:
        raise ValidationError(str(exc)) from exc
    try:
        authorize(user, code, roster)
    except AccessDenied as exc:
        # The roster has moved on to another's step (a reviewer who was a moment too late): say whose turn.
        state = workflow.LABELS.get(roster.state, roster.state)
        raise ValidationError(f"名册当前为“{state}”，{exc}") from exc


def _locked(user: Any, roster: Roster, code: str) -> Roster:
    """The roster locked for an action the user may take on it (``permissions.authorize``)."""
    authorize(user, code, roster)
    return Roster.objects.select_for_update().select_related("policy_version", "village").get(pk=roster.pk)


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@transaction.atomic
def roster_create(
    *, user: Any, policy_code: str, period: str, village_code: str, supplementary: bool = False
) -> Roster:
    """A village clerk opens a roster for a published policy, a period and their village; or, once that
    roster is approved, a supplementary roster (补报) of late entitlements for the same period, which goes
    through the same notice, review, checks and a supplementary disbursement plan."""
    if user is None:
        raise AccessDenied("建立申报名册须指明由哪位村（社区）经办人建立（命令行用 --user）")
    authorize(user, "roster.create")
    try:
        parsed = Period.parse(period)
    except InvalidPeriod as exc:
        raise ValidationError({"period": str(exc)}) from exc
    village = (
        Region.objects.restrict(user, "change").filter(code=village_code, level=RegionLevel.VILLAGE).first()
    )
    if village is None:
        raise AccessDenied("只能为本村（社区）建立申报名册")
    policy = Policy.objects.filter(code=policy_code).first()
    version = version_for(policy_code, parsed) if policy else None
    if policy is None or version is None:
        raise ValidationError({"policy": f"补贴项目 {policy_code} 在 {parsed.label_zh} 没有执行中的政策"})
    assert version is not None
    refusal = workflow.period_refusal(
        version.frequency, version.get_frequency_display(), list(version.pay_months or []), parsed.kind,
        parsed.first_month,
    )  # fmt: skip
    if refusal:
        raise ValidationError({"period": refusal})
    earlier = Roster.objects.filter(policy=policy, period=str(parsed), village=village)
    supplement = 0
    if supplementary:
        if not earlier.exists():
            raise ValidationError("本期尚无名册，请先建立本期名册（补报用于本期名册审批后发现的遗漏）")
        if earlier.exclude(state=workflow.APPROVED).exists():
            raise ValidationError("本期名册（或上一份补报名册）尚未审批，请在其中更正，不必补报")
        supplement = max(r.supplement for r in earlier) + 1
    elif earlier.exists():
        raise ValidationError("本村该项目该期间的名册已存在；审批后发现遗漏的，请建立补报名册")
    try:
        with transaction.atomic():
            roster = Roster.objects.create(
                policy=policy,
                policy_version=version,
                period=str(parsed),
                village=village,
                supplement=supplement,
                created_by=user,
            )
    except IntegrityError as exc:  # a concurrent request created it first
        raise ValidationError("本村该项目该期间的名册已存在") from exc
    RosterEvent.objects.create(roster=roster, to_state=workflow.DRAFT, actor=user, comment="建立名册")
    audit_record(action="roster.create", obj=roster, region_code=village.code, actor=user)
    return roster


def _standard_for(roster: Roster, person: Person, quantity: Decimal) -> tuple[int | None, str]:
    standard = standard_of(roster.policy_version)
    head = person.relation == "head"
    result = standard_amount(
        standard,
        Beneficiary(birth_date=person.birth_date, village_code=person.village_id, is_household_head=head),
        quantity,
        Period.parse(roster.period),
    )
    return result.fen, result.reason


def declared_account(text: str) -> str:
    """The account a line names, checked as the roster file's 银行账号 is ("": the person's card on file)."""
    column = next(column for column in SCHEMAS["roster"] if column.name == "account_no")
    checked = check_cells([text], column, Context(today=timezone.localdate()))
    error = checked.get_column("error")[0]
    if error:
        raise ValidationError({"account_no": f"银行账号：{error}"})
    return checked.get_column("value")[0] or ""


@transaction.atomic
def roster_line_add(
    *,
    user: Any,
    roster: Roster,
    person: Person,
    quantity: Decimal,
    amount_fen: int | None = None,
    account_no: str = "",
) -> RosterLine:
    """Add one line by hand; the standard amount is computed, a differing typed amount kept and flagged.

    An empty ``account_no`` is the person's social security card on file; a person without a card yet may
    still be declared (the checks' NO_CARD then holds the line until HRSS records a card).
    """
    account = declared_account(account_no)
    roster = _locked(user, roster, "roster.edit")
    if roster.state not in workflow.EDITABLE:
        raise ValidationError("名册已提交，不能再修改；如需更正请等待退回")
    ensure_in_scope(user, person, "view")
    standard, reason = _standard_for(roster, person, quantity)
    typed = amount_fen if amount_fen is not None else (standard or 0)
    number = (roster.lines.aggregate(n=Max("line_no"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            line = RosterLine.objects.create(
                roster=roster,
                line_no=number,
                person=person,
                policy=roster.policy,
                period=roster.period,
                quantity=quantity,
                amount_fen=typed,
                standard_fen=standard,
                amount_differs=standard is not None and typed != standard,
                account_no=account,
                account_bidx=blind_index(account, context=CARD_ACCOUNT_INDEX) or "",
                ineligible_reason=reason,
            )
    except IntegrityError as exc:
        raise ValidationError("此人已在本名册中") from exc
    audit_record(
        action="roster.line_add",
        obj=line,
        region_code=roster.village_id,
        after={
            "person": person.pk,
            "quantity": str(quantity),
            "amount_fen": typed,
            "standard_fen": standard,
            "account_no": account,
        },
        actor=user,
    )
    return line


@transaction.atomic
def roster_line_remove(*, user: Any, line: RosterLine) -> None:
    """Take a line off a roster the village may still change."""
    roster = _locked(user, line.roster, "roster.edit")
    if roster.state not in workflow.EDITABLE:
        raise ValidationError("名册已提交，不能再修改")
    audit_record(action="roster.line_remove", obj=line, region_code=roster.village_id, actor=user)
    line.delete()


@transaction.atomic
def roster_prefill(*, user: Any, roster: Roster) -> int:
    """Copy last period's approved lines, minus persons now dead or moved away (the monthly roll-over).

    A line keeps the account it named (still encrypted under the same context), or the card on file.
    """
    from yikatong.rosters.imports import LINE_COLUMNS, with_amounts

    roster = _locked(user, roster, "roster.edit")
    if roster.state != workflow.DRAFT or roster.lines.exists():
        raise ValidationError("只有空白的草稿名册可以按上期名册预填")
    period = Period.parse(roster.period)
    previous = read_frame(
        "SELECT l.person_id, CAST(l.quantity AS varchar(20)) AS quantity, "
        "CAST(p.birth_date AS varchar(10)) AS birth_date, p.village_id AS person_village, "
        "p.relation, p.id_bidx, l.account_no, l.account_bidx "
        "FROM rosters_rosterline l JOIN registry_person p ON p.id = l.person_id "
        "WHERE l.policy_id = %s AND l.period = %s AND l.state = 'approved' AND p.village_id = %s "
        "ORDER BY l.line_no",
        [roster.policy_id, str(period.previous()), roster.village_id],
        schema={"person_id": pl.Int64},
    )
    deaths = latest_snapshot(RegistryKind.DEATHS)
    if deaths is not None and previous.height:
        dead = DeathRecord.objects.filter(snapshot=deaths, death_date__lt=period.start)
        previous = previous.filter(~pl.col("id_bidx").is_in(list(dead.values_list("id_bidx", flat=True))))
    if previous.height:
        lines = with_amounts(
            previous.with_columns(pl.lit("0.00").alias("amount")), standard_of(roster.policy_version), period
        ).with_columns(
            pl.col("standard_fen").fill_null(0).alias("amount_fen"),
            pl.lit(False).alias("amount_differs"),
            pl.int_range(1, pl.len() + 1).alias("line_no"),
            pl.lit(roster.pk).alias("roster_id"),
            pl.lit(roster.policy_id).alias("policy_id"),
            pl.lit(roster.period).alias("period"),
            pl.lit(LineState.PENDING).alias("state"),
            pl.lit("").alias("reason"),
        )
        insert_frame("rosters_rosterline", lines, LINE_COLUMNS)
    audit_record(
        action="roster.prefill",
        obj=roster,
        region_code=roster.village_id,
        after={"lines": previous.height},
        actor=user,
    )
    return previous.height


@transaction.atomic
def roster_submit(*, user: Any, roster: Roster) -> Roster:
    """The village submits; public notice starts at once for the policy's publicity days (at least 7)."""
    roster = _locked(user, roster, "roster.submit")
    if not roster.lines.exists():
        raise ValidationError("名册没有任何人员，不能提交")
    _move(roster, workflow.SUBMITTED, user=user, deadline=None)
    now = timezone.now()
    roster.publicity_start = now
    roster.publicity_end = now + _days(max(7, roster.policy_version.publicity_days))
    roster.lines.exclude(state=LineState.REMOVED).update(state=LineState.PENDING, reason="")
    return _move(roster, workflow.PUBLICIZING, user=user, deadline=roster.publicity_end, comment="开始公示")


@transaction.atomic
def objection_lodge(*, roster: Roster, text: str, channel: str, line: RosterLine | None = None,
                    lodged_by: str = "", user: Any = None) -> Objection:  # fmt: skip
    """Anyone may object to a line during public notice (from the public page, or a clerk for a paper one)."""
    if user is not None:
        authorize(user, "objection.record", roster)
    roster = Roster.objects.select_for_update().get(pk=roster.pk)
    closed = roster.publicity_end is not None and roster.publicity_end <= timezone.now()
    if roster.state != workflow.PUBLICIZING or (channel == "public" and closed):
        raise ValidationError("该名册不在公示期内，不能提出异议")
    if line is not None and line.state == LineState.REMOVED:
        raise ValidationError("该人员已从名册中删除")
    if not text.strip():
        raise ValidationError({"text": "请填写异议内容"})
    if line is not None and line.roster_id != roster.pk:
        raise ValidationError("异议所指人员不在该名册中")
    objection = Objection.objects.create(
        roster=roster, line=line, text=text.strip(), channel=channel, lodged_by=lodged_by.strip()[:64]
    )
    audit_record(
        action="roster.objection",
        obj=objection,
        region_code=roster.village_id,
        after={"line": line.line_no if line else None, "channel": channel},
        actor=user,
    )
    return objection


@transaction.atomic
def objection_settle(*, user: Any, objection: Objection, upheld: bool, settlement: str) -> Objection:
    """The village settles an objection, always with its reasons: upheld against a line removes the line;
    upheld against the whole roster sends the roster back to the village for correction and a new notice."""
    roster = _locked(user, objection.roster, "objection.settle")
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.state != ObjectionState.OPEN:
        raise ValidationError("该异议已处理")
    if not settlement.strip():
        raise ValidationError({"settlement": "请填写处理意见"})
    objection.state = ObjectionState.UPHELD if upheld else ObjectionState.DISMISSED
    objection.settlement = settlement.strip()
    objection.settled_by = user
    objection.settled_at = timezone.now()
    objection.save()
    if upheld and objection.line is not None:
        RosterLine.objects.filter(pk=objection.line.pk).update(
            state=LineState.REMOVED, reason=settlement.strip()
        )
    audit_record(
        action="roster.objection_settle",
        obj=objection,
        region_code=roster.village_id,
        after={
            "state": objection.state,
            "settlement": objection.settlement,
            "whole_roster": objection.line_id is None,
        },
        actor=user,
    )
    if upheld and objection.line is None:
        # The whole roster is in question: it goes back to the village, to be corrected and noticed anew.
        deadline = timezone.now() + _days(roster.policy_version.review_days)
        comment = f"对整个名册的公示异议成立：{objection.settlement}"
        _move(roster, workflow.RETURNED, user=user, deadline=deadline, comment=comment)
    return objection


@transaction.atomic
def publicity_close(*, user: Any, roster: Roster, now: dt.datetime | None = None) -> Roster:
    """End public notice: not before its last day, and only with every objection settled."""
    roster = _locked(user, roster, "publicity.close")
    now = now or timezone.now()
    if roster.publicity_end is None or now < roster.publicity_end:
        end = (
            timezone.localtime(roster.publicity_end).strftime("%Y-%m-%d %H:%M")
            if roster.publicity_end
            else "—"
        )
        raise ValidationError(f"公示期未满，{end} 后方可结束公示")
    if roster.objections.filter(state=ObjectionState.OPEN).exists():
        raise ValidationError("还有未处理的公示异议，处理完毕后才能结束公示")
    deadline = now + _days(roster.policy_version.review_days)
    return _move(roster, workflow.PUBLICIZED, user=user, deadline=deadline, comment="公示期满")


@transaction.atomic
def line_review(*, user: Any, line: RosterLine, accept: bool, reason: str = "") -> RosterLine:
    """The township accepts or rejects one line (a rejection needs a reason)."""
    roster = _locked(user, line.roster, "roster.review")
    if roster.state != workflow.PUBLICIZED:
        raise ValidationError("名册不在乡镇审核环节")
    line = RosterLine.objects.select_for_update().get(pk=line.pk)
    if line.state != LineState.PENDING:
        raise ValidationError(f"第{line.line_no}行已审核（{line.get_state_display()}），不能重复审核")
    if not accept and not reason.strip():
        raise ValidationError({"reason": "不通过须填写理由"})
    line.state = LineState.ACCEPTED if accept else LineState.REJECTED
    line.reason = reason.strip()
    line.save(update_fields=["state", "reason"])
    audit_record(
        action="roster.line_review",
        obj=line,
        region_code=roster.village_id,
        after={"state": line.state, "reason": line.reason},
        actor=user,
    )
    return line


@transaction.atomic
def township_finish(*, user: Any, roster: Roster, accept_pending: bool = False) -> Roster:
    """The township closes its review (optionally accepting every line not yet decided) and passes it on."""
    roster = _locked(user, roster, "roster.review")
    _check(roster, workflow.TOWNSHIP_REVIEWED, user)
    pending = roster.lines.filter(state=LineState.PENDING)
    if accept_pending:
        count = pending.update(state=LineState.ACCEPTED)
        audit_record(
            action="roster.bulk_accept",
            obj=roster,
            region_code=roster.village_id,
            after={"lines": count},
            actor=user,
        )
    elif pending.exists():
        raise ValidationError(f"还有 {pending.count()} 行未审核")
    deadline = timezone.now() + _days(roster.policy_version.review_days)
    return _move(roster, workflow.TOWNSHIP_REVIEWED, user=user, deadline=deadline, comment="乡镇审核完成")


@transaction.atomic
def roster_return(*, user: Any, roster: Roster, comment: str) -> Roster:
    """The township or the department sends the roster back to the village with comments."""
    roster = _locked(user, roster, "roster.return")
    if not comment.strip():
        raise ValidationError({"comment": "退回须填写意见"})
    deadline = timezone.now() + _days(roster.policy_version.review_days)
    roster = _move(roster, workflow.RETURNED, user=user, deadline=deadline, comment=comment.strip())
    roster.lines.exclude(state=LineState.REMOVED).update(state=LineState.PENDING)
    return roster


@dataclass(frozen=True)
class ApprovalGate:
    """What a department's approval waits on (事前比对), given by an app above this one (the checks).

    ``before`` runs first, outside the approval's transaction, so that what it finds is kept whatever
    happens next; ``refusal`` runs inside the approval's transaction and says why it may not go ("" = go).
    """

    before: Callable[[Any, Roster], None]
    refusal: Callable[[Roster], str]


# The gates of the apps installed (``checks`` adds the pre-payment checks in its AppConfig.ready).
APPROVAL_GATES: list[ApprovalGate] = []


def approval_gate_add(gate: ApprovalGate) -> None:
    """Make the department's approval wait on a gate (once)."""
    if gate not in APPROVAL_GATES:
        APPROVAL_GATES.append(gate)


def roster_approve(*, user: Any, roster: Roster) -> Roster:
    """The department approves after the pre-payment checks (事前比对) of the roster's accepted lines.

    The checks run first and their findings are kept whatever happens next; the approval itself is refused
    while a blocking finding on a line still on its way is open (not explained, dismissed or confirmed).
    """
    authorize(user, "roster.approve", roster)
    roster = Roster.objects.select_related("policy").get(pk=roster.pk)
    _check(roster, workflow.APPROVED, user)
    for gate in APPROVAL_GATES:
        gate.before(user, roster)
    return _approve(user=user, roster=roster)


@transaction.atomic
def _approve(*, user: Any, roster: Roster) -> Roster:
    roster = _locked(user, roster, "roster.approve")
    _check(roster, workflow.APPROVED, user)
    for gate in APPROVAL_GATES:
        refusal = gate.refusal(roster)
        if refusal:
            raise ValidationError(refusal)
    try:
        with transaction.atomic():
            roster.lines.filter(state=LineState.ACCEPTED).update(state=LineState.APPROVED)
    except IntegrityError as exc:
        raise ValidationError("名册中有人员已在其他名册中审批通过同一项目同一期间的补贴（重复申报）") from exc
    return _move(roster, workflow.APPROVED, user=user, deadline=None, comment="审批通过")


# --- lines sent back by a confirmed finding (核查退回) ----------------------------------------------------


def _returned(user: Any, line: RosterLine) -> tuple[Roster, RosterLine]:
    roster = _locked(user, line.roster, "roster.correct")
    line = RosterLine.objects.select_for_update().select_related("person").get(pk=line.pk)
    if line.state != LineState.RETURNED:
        raise ValidationError(f"第{line.line_no}行不是核查退回的行（{line.get_state_display()}），不能更正")
    return roster, line


def _forward_state(roster: Roster) -> str:
    """Where a corrected line goes: to the township while it reviews, else to the department's approval."""
    return LineState.PENDING if roster.state == workflow.PUBLICIZED else LineState.ACCEPTED


@transaction.atomic
def returned_line_correct(
    *,
    user: Any,
    line: RosterLine,
    quantity: Decimal,
    amount_fen: int | None = None,
    account_no: str = "",
    note: str,
) -> RosterLine:
    """The village corrects a line a confirmed finding sent back and sends it forward again: the standard
    amount is computed anew, and the line goes through the same review and pre-payment checks as before
    (the township's while it reviews, else the department's approval, which runs the checks first)."""
    account = declared_account(account_no)
    roster, line = _returned(user, line)
    if not note.strip():
        raise ValidationError({"note": "请说明更正了什么"})
    standard, reason = _standard_for(roster, line.person, quantity)
    typed = amount_fen if amount_fen is not None else (standard or 0)
    before = {
        "quantity": str(line.quantity),
        "amount_fen": line.amount_fen,
        "account_no": line.account_no,
        "state": line.state,
        "reason": line.reason,
    }
    line.quantity, line.amount_fen, line.standard_fen = quantity, typed, standard
    line.amount_differs = standard is not None and typed != standard
    line.account_no = account
    line.account_bidx = blind_index(account, context=CARD_ACCOUNT_INDEX) or ""
    line.ineligible_reason = reason
    line.state = _forward_state(roster)
    line.reason = f"村（社区）已更正：{note.strip()}"[:300]
    line.save()
    audit_record(
        action="roster.line_correct",
        obj=line,
        region_code=roster.village_id,
        before=before,
        after={
            "quantity": str(quantity),
            "amount_fen": typed,
            "account_no": account,
            "state": line.state,
            "reason": line.reason,
        },
        actor=user,
    )
    return line


@transaction.atomic
def returned_line_withdraw(*, user: Any, line: RosterLine, reason: str) -> RosterLine:
    """The village withdraws a line a confirmed finding sent back (the person is not due), with a reason."""
    roster, line = _returned(user, line)
    if not reason.strip():
        raise ValidationError({"reason": "撤回须填写理由"})
    before = {"state": line.state, "reason": line.reason}
    line.state, line.reason = LineState.WITHDRAWN, f"村（社区）撤回：{reason.strip()}"[:300]
    line.save(update_fields=["state", "reason"])
    audit_record(
        action="roster.line_withdraw",
        obj=line,
        region_code=roster.village_id,
        before=before,
        after={"state": line.state, "reason": line.reason},
        actor=user,
    )
    return line


def corrections_approve(*, user: Any, roster: Roster) -> int:
    """The department approves the corrected lines of a roster it had already approved, after the same
    pre-payment checks (事前比对) as the roster's approval; refused while a blocking finding is open."""
    authorize(user, "roster.approve", roster)
    roster = Roster.objects.select_related("policy").get(pk=roster.pk)
    if roster.state != workflow.APPROVED:
        raise ValidationError("名册尚未审批：更正的行随名册一并审批")
    if not roster.lines.filter(state=LineState.ACCEPTED).exists():
        raise ValidationError("名册没有待审批的更正行")
    for gate in APPROVAL_GATES:
        gate.before(user, roster)
    return _corrections_approve(user=user, roster=roster)


@transaction.atomic
def _corrections_approve(*, user: Any, roster: Roster) -> int:
    roster = _locked(user, roster, "roster.approve")
    for gate in APPROVAL_GATES:
        refusal = gate.refusal(roster)
        if refusal:
            raise ValidationError(refusal)
    try:
        with transaction.atomic():
            count = roster.lines.filter(state=LineState.ACCEPTED).update(state=LineState.APPROVED)
    except IntegrityError as exc:
        raise ValidationError(
            "更正的行中有人员已在其他名册中审批通过同一项目同一期间的补贴（重复申报）"
        ) from exc
    comment = f"更正后重新报送的 {count} 行审批通过"
    RosterEvent.objects.create(
        roster=roster, from_state=roster.state, to_state=roster.state, actor=user, comment=comment
    )
    audit_record(
        action="roster.corrections_approve",
        obj=roster,
        region_code=roster.village_id,
        after={"lines": count},
        actor=user,
    )
    return count
