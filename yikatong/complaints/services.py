"""Complaint writes: filing (public, throttled), routing with its deadline, the handler's steps (reply, ask
for information, reassign with a reason, internal note, close with a result and the action taken), the
complainant's added information, and a finding opened on the payment or line a true complaint names.

Every write records its audit event in its own transaction; the complainant's details go to the log masked
(``audit_record`` masks names, phones and ID numbers), the secret never.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.checks.models import CheckRun, Finding, RunKind, RunState
from yikatong.complaints.domain import rules
from yikatong.complaints.models import Attachment, Complaint, ComplaintEvent
from yikatong.core import throttle
from yikatong.core.crypto import key_ring
from yikatong.core.models import Department, DepartmentKind, Region, RegionLevel, county
from yikatong.core.restrict import AccessDenied
from yikatong.core.workdays import add_working_days, working_days_between
from yikatong.disclosure.models import Disclosure
from yikatong.payments.models import Payment
from yikatong.policies.models import Policy
from yikatong.policies.selectors import published_in_force
from yikatong.rosters.models import RosterLine

# The ID number's blind index is the registry's (same context), so the lookup finds a complainant's filings.
ID_CONTEXT = "person.id_number"
FILE_SCOPE = "complaint.file"
STATUS_SCOPE = "complaint.status"
# Tries of secrets against one tracking number, from any address.
NUMBER_SCOPE = "complaint.number"
COMPLAINT_RULE = "COMPLAINT"


def _setting(name: str, default: int) -> int:
    # A Django setting of that name wins; else the environment variable; else the default.
    return int(getattr(settings, name, None) or os.environ.get(name, "") or default)


def deadline_days() -> int:
    """Working days a department has to answer (YIKATONG_COMPLAINT_DAYS, default 15)."""
    return _setting("YIKATONG_COMPLAINT_DAYS", 15)


def max_attachment_bytes() -> int:
    """The largest attachment accepted (YIKATONG_COMPLAINT_ATTACHMENT_BYTES, default 5 MB)."""
    return _setting("YIKATONG_COMPLAINT_ATTACHMENT_BYTES", 5 * 1024 * 1024)


def max_attachments() -> int:
    """How many attachments one filing or one answer may carry."""
    return _setting("YIKATONG_COMPLAINT_ATTACHMENTS", 3)


def attachment_dir() -> Path:
    """Where attachments are kept: under the data directory, outside anything the web server serves."""
    return Path(settings.DATA_DIR) / "complaint-files"


class Throttled(Exception):
    """Too many filings or status checks from one address in the window."""


def throttle_allows(scope: str, ip: str) -> bool:
    """Count one hit of an address (or a tracking number) in a scope; False past the limit."""
    limits = {
        FILE_SCOPE: _setting("YIKATONG_COMPLAINT_IP_LIMIT", 10),
        STATUS_SCOPE: _setting("YIKATONG_COMPLAINT_STATUS_LIMIT", 30),
        NUMBER_SCOPE: _setting("YIKATONG_COMPLAINT_NUMBER_LIMIT", 10),
    }
    window = _setting("YIKATONG_COMPLAINT_WINDOW_SECONDS", 3600)
    return throttle.hit(scope, ip or "-", limit=limits[scope], window=window)


# --- attachments -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks, read into memory (a few MB at most)."""

    name: str
    content: bytes
    kind: rules.FileKind


def check_files(uploads: Sequence[Any]) -> list[CheckedFile]:
    """Read and check the uploads: images and PDF by their content, each within the size limit."""
    uploads = [u for u in uploads if u is not None and str(getattr(u, "name", "") or "")]
    if len(uploads) > max_attachments():
        raise ValidationError(f"附件最多{max_attachments()}个")
    limit = max_attachment_bytes()
    checked = []
    for upload in uploads:
        name = Path(str(upload.name)).name[:100] or "附件"
        if upload.size is not None and upload.size > limit:
            raise ValidationError(f"附件“{name}”超过{limit // (1024 * 1024)}MB，请压缩后再上传")
        content = upload.read(limit + 1)
        if len(content) > limit:
            raise ValidationError(f"附件“{name}”超过{limit // (1024 * 1024)}MB，请压缩后再上传")
        kind = rules.sniff(content[:16])
        if kind is None:
            raise ValidationError(f"附件“{name}”不是图片或PDF文件（按文件内容判断），未能接收")
        checked.append(CheckedFile(name, content, kind))
    return checked


def _store_files(complaint: Complaint, event: ComplaintEvent, files: Sequence[CheckedFile]) -> list[str]:
    directory = attachment_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stored: list[str] = []
    written: list[Path] = []
    try:
        for file in files:
            stored_name = f"{uuid.uuid4().hex}.{file.kind.extension}"
            path = directory / stored_name
            path.write_bytes(file.content)
            written.append(path)
            Attachment.objects.create(
                complaint=complaint,
                event=event,
                stored_name=stored_name,
                original_name=file.name,
                content_type=file.kind.content_type,
                size=len(file.content),
                sha256=hashlib.sha256(file.content).hexdigest(),
            )
            stored.append(stored_name)
    except BaseException:
        # The rows go with the transaction; the files written for them go too.
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return stored


def attachment_path(attachment: Attachment) -> Path:
    """Where an attachment's bytes are."""
    return attachment_dir() / attachment.stored_name


# --- routing ---------------------------------------------------------------------------------------------


def route_for(policy: Policy | None, region: Region) -> Department | None:
    """The competent department: the policy's department, else the township government of the place."""
    if policy is not None:
        return policy.department
    if region.level == RegionLevel.COUNTY:
        return None
    township = region.code[:9] + "000"
    return (
        Department.objects.filter(region_id=township, kind=DepartmentKind.GOVERNMENT).order_by("code").first()
    )


def due_date(filed_on: dt.date) -> dt.date:
    """The deadline of a complaint filed on a day: that many working days later (the holiday calendar)."""
    return add_working_days(filed_on, deadline_days())


# --- filing ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filed:
    """What the complainant is shown once: the tracking number and the secret."""

    complaint: Complaint
    number: str
    secret: str


def _event(
    complaint: Complaint,
    kind: str,
    *,
    text: str = "",
    actor: Any = None,
    department: Department | None = None,
    from_department: Department | None = None,
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        text=text,
        state_after=complaint.state,
        department=department or complaint.department,
        from_department=from_department,
        actor=actor,
    )


@transaction.atomic
def complaint_file(
    *,
    kind: str,
    text: str,
    region_code: str = "",
    policy_code: str = "",
    about_person: str = "",
    anonymous: bool = True,
    contact_name: str = "",
    contact_phone: str = "",
    contact_id_number: str = "",
    payment_id: int | None = None,
    disclosure_id: int | None = None,
    files: Sequence[CheckedFile] = (),
    now: dt.datetime | None = None,
    secret: str | None = None,
) -> Filed:
    """File a complaint or report from the public portal, route it and give it its deadline."""
    if kind not in rules.KIND_LABELS:
        raise ValidationError("请选择投诉或举报")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "请填写投诉举报内容"})
    policy = (
        Policy.objects.filter(code=policy_code).select_related("department").first() if policy_code else None
    )
    region = Region.objects.filter(code=region_code).first() if region_code else None
    if policy is None and region is None:
        raise ValidationError("请选择所涉补贴项目或所在乡镇、村（至少一项）")
    if region is None:
        region = county() or (policy.region if policy is not None else None)
    if region is None:
        raise ValidationError("请选择所在乡镇、村")
    payment = Payment.objects.filter(pk=payment_id).select_related("line").first() if payment_id else None
    if not anonymous and not (contact_name.strip() and contact_phone.strip()):
        raise ValidationError("实名投诉举报请填写姓名和联系电话，或选择匿名")
    moment = now or timezone.now()
    department = route_for(policy, region)
    # A secret is chosen only by the demo (so that its README can name it); the portal never passes one.
    secret = rules.normalise_secret(secret) if secret else rules.new_secret()
    complaint = Complaint.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:16]}",
        secret_hash=make_password(secret),
        kind=kind,
        policy=policy,
        policy_name=_policy_name(policy),
        region=region,
        payment=payment,
        roster_line_id=payment.line.roster_line_id if payment is not None else None,
        disclosure=Disclosure.objects.filter(pk=disclosure_id).first() if disclosure_id else None,
        about_person=about_person.strip()[:32],
        text=text,
        anonymous=anonymous,
        contact_name="" if anonymous else contact_name.strip()[:32],
        contact_phone="" if anonymous else contact_phone.strip()[:20],
        contact_id_number="" if anonymous else contact_id_number.strip().upper(),
        contact_id_bidx=(
            key_ring().blind_index(contact_id_number.strip().upper(), context=ID_CONTEXT)
            if not anonymous and contact_id_number.strip()
            else ""
        ),
        department=department,
        routed_by_policy=policy is not None,
        state=rules.RECEIVED,
        filed_at=moment,
        due_on=due_date(timezone.localdate(moment)),
    )
    complaint.number = rules.tracking_number(kind, timezone.localdate(moment).year, complaint.pk)
    complaint.save(update_fields=["number"])
    filed = _event(complaint, rules.FILED, text=text)
    filed.at = moment
    filed.save(update_fields=["at"])
    stored = _store_files(complaint, filed, files)
    audit_record(
        action="complaint.file",
        obj=complaint,
        region_code=region.code,
        after={
            "kind": kind,
            "policy": policy.code if policy else "",
            "anonymous": anonymous,
            "attachments": len(stored),
            "due_on": complaint.due_on.isoformat(),
        },
    )
    if department is not None:
        complaint.state = rules.ASSIGNED
        complaint.save(update_fields=["state"])
        routed = _event(complaint, rules.ROUTED, text=_route_words(complaint))
        routed.at = moment
        routed.save(update_fields=["at"])
        audit_record(
            action="complaint.route",
            obj=complaint,
            region_code=region.code,
            after={"department": department.name, "by_policy": complaint.routed_by_policy},
        )
    return Filed(complaint, complaint.number, secret)


def _policy_name(policy: Policy | None) -> str:
    if policy is None:
        return ""
    version = published_in_force().filter(policy=policy).first()
    return version.name if version is not None else policy.code


def _route_words(complaint: Complaint) -> str:
    if complaint.routed_by_policy and complaint.policy is not None:
        return f"按补贴项目分办至主管部门{complaint.department}"
    return f"按所涉地区分办至{complaint.department}"


# --- the complainant's own access ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _decoy() -> str:
    # Checked against when the number is unknown, so that an unknown number costs what a wrong secret does.
    return make_password(rules.new_secret())


def complaint_for_secret(*, number: str, secret: str) -> Complaint | None:
    """The complaint of a number and its secret; None for an unknown number and a wrong secret alike."""
    complaint = Complaint.objects.filter(number=rules.normalise_number(number)).first()
    stored = complaint.secret_hash if complaint is not None else _decoy()
    matches = check_password(rules.normalise_secret(secret), stored)
    if complaint is None or not matches:
        return None
    return complaint


@transaction.atomic
def complaint_add_info(
    *, complaint: Complaint, secret: str, text: str, files: Sequence[CheckedFile] = ()
) -> Complaint:
    """The complainant answers a request for information (with the secret once more)."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not check_password(rules.normalise_secret(secret), complaint.secret_hash):
        raise AccessDenied("受理编号或查询密码不正确")
    text = text.strip()
    if not text and not files:
        raise ValidationError("请填写补充说明或上传材料")
    try:
        complaint.state = rules.next_state(complaint.state, rules.INFO_ADDED)
    except rules.StepRefused as exc:
        raise ValidationError("承办部门未要求补充材料，暂不能补充") from exc
    # The days the complainant took to answer are not the department's: the deadline moves by them.
    asked = (
        ComplaintEvent.objects.filter(complaint=complaint, kind=rules.ASK_INFO).order_by("-at", "-pk").first()
    )
    waited = working_days_between(timezone.localdate(asked.at), timezone.localdate()) if asked else 0
    before_due = complaint.due_on
    complaint.due_on = add_working_days(complaint.due_on, waited)
    complaint.save(update_fields=["state", "due_on"])
    event = _event(complaint, rules.INFO_ADDED, text=text)
    stored = _store_files(complaint, event, files)
    audit_record(
        action="complaint.info_added",
        obj=complaint,
        region_code=complaint.region_id,
        before={"due_on": before_due.isoformat()},
        after={"state": complaint.state, "attachments": len(stored), "due_on": complaint.due_on.isoformat()},
    )
    return complaint


# --- the handler's steps ---------------------------------------------------------------------------------


def is_handler(user: Any, complaint: Complaint) -> bool:
    """Whether the user works in the department that handles the complaint (the system always)."""
    if user is None:
        return True
    return complaint.department_id is not None and user.department_id == complaint.department_id


def _locked_for_handler(user: Any, complaint: Complaint) -> Complaint:
    authorize(user, "complaint.handle", complaint)
    complaint = (
        Complaint.objects.select_for_update(of=("self",)).select_related("department").get(pk=complaint.pk)
    )
    if not is_handler(user, complaint):
        raise AccessDenied("只有承办部门可以办理该投诉举报")
    return complaint


def _step(user: Any, complaint: Complaint, step: str) -> str:
    before = complaint.state
    try:
        complaint.state = rules.next_state(complaint.state, step)
    except rules.StepRefused as exc:
        label = rules.STATE_LABELS.get(before, before)
        raise ValidationError(f"该投诉举报当前{label}，不能{rules.EVENT_LABELS[step]}") from exc
    return before


def _text(text: str, what: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({"text": f"请填写{what}"})
    return text


@transaction.atomic
def complaint_reply(*, user: Any, complaint: Complaint, text: str) -> Complaint:
    """The department answers the complainant (seen on the status page)."""
    complaint = _locked_for_handler(user, complaint)
    text = _text(text, "答复内容")
    before = _step(user, complaint, rules.REPLY)
    complaint.save(update_fields=["state"])
    _event(complaint, rules.REPLY, text=text, actor=user)
    audit_record(
        action="complaint.reply",
        obj=complaint,
        region_code=complaint.region_id,
        before={"state": before},
        after={"state": complaint.state},
        actor=user,
    )
    return complaint


@transaction.atomic
def complaint_ask_info(*, user: Any, complaint: Complaint, text: str) -> Complaint:
    """The department asks the complainant for more information (they answer on the status page)."""
    complaint = _locked_for_handler(user, complaint)
    text = _text(text, "需补充的内容")
    before = _step(user, complaint, rules.ASK_INFO)
    complaint.save(update_fields=["state"])
    _event(complaint, rules.ASK_INFO, text=text, actor=user)
    audit_record(
        action="complaint.ask_info",
        obj=complaint,
        region_code=complaint.region_id,
        before={"state": before},
        after={"state": complaint.state},
        actor=user,
    )
    return complaint


@transaction.atomic
def complaint_note(*, user: Any, complaint: Complaint, text: str) -> Complaint:
    """An internal note on the trail (auditors and the department see it, the complainant not)."""
    complaint = _locked_for_handler(user, complaint)
    text = _text(text, "记录内容")
    _step(user, complaint, rules.NOTE)
    _event(complaint, rules.NOTE, text=text, actor=user)
    audit_record(action="complaint.note", obj=complaint, region_code=complaint.region_id, actor=user)
    return complaint


@transaction.atomic
def complaint_reassign(*, user: Any, complaint: Complaint, department: Department, reason: str) -> Complaint:
    """Send the complaint to the department that is competent, with the reason; the deadline stays."""
    complaint = _locked_for_handler(user, complaint)
    reason = _text(reason, "转办理由")
    if department.kind != DepartmentKind.GOVERNMENT:
        raise ValidationError("只能转办至政府部门")
    if department.pk == complaint.department_id:
        raise ValidationError("该投诉举报已由该部门承办")
    region_code = str(complaint.region_id)
    if department.region.level != RegionLevel.COUNTY and not region_code.startswith(department.region_id[:9]):
        raise ValidationError("转办至乡镇人民政府的，所涉地区须在该乡镇范围内")
    before_state = _step(user, complaint, rules.REASSIGN)
    previous = complaint.department
    complaint.department = department
    complaint.routed_by_policy = False
    complaint.save(update_fields=["state", "department", "routed_by_policy"])
    _event(
        complaint, rules.REASSIGN, text=reason, actor=user, department=department, from_department=previous
    )
    audit_record(
        action="complaint.reassign",
        obj=complaint,
        region_code=region_code,
        before={"department": str(previous) if previous else "", "state": before_state},
        after={"department": department.name, "reason": reason, "state": complaint.state},
        actor=user,
    )
    return complaint


@transaction.atomic
def complaint_link(
    *, user: Any, complaint: Complaint, payment_id: int | None = None, roster_line_id: int | None = None
) -> Complaint:
    """Link the complaint to the payment or roster line it is about (inside the handler's own rows)."""
    complaint = _locked_for_handler(user, complaint)
    if not complaint.is_open:
        raise ValidationError("已办结的投诉举报不能再关联")
    before = {"payment": complaint.payment_id, "roster_line": complaint.roster_line_id}
    if payment_id:
        payment = Payment.objects.filter(pk=payment_id).select_related("line").first()
        lines = RosterLine.objects.restrict(user, "view")
        if payment is None or not lines.filter(pk=payment.line.roster_line_id).exists():
            raise ValidationError("未找到该发放记录（或不在本人办理范围内）")
        complaint.payment = payment
        complaint.roster_line_id = payment.line.roster_line_id
    elif roster_line_id:
        if not RosterLine.objects.restrict(user, "view").filter(pk=roster_line_id).exists():
            raise ValidationError("未找到该名册人员（或不在本人办理范围内）")
        complaint.roster_line_id = roster_line_id
    else:
        raise ValidationError("请填写发放记录编号或名册行编号")
    complaint.save(update_fields=["payment", "roster_line"])
    audit_record(
        action="complaint.link",
        obj=complaint,
        region_code=complaint.region_id,
        before=before,
        after={"payment": complaint.payment_id, "roster_line": complaint.roster_line_id},
        actor=user,
    )
    return complaint


@transaction.atomic
def complaint_close(
    *,
    user: Any,
    complaint: Complaint,
    result: str,
    action_taken: str,
    open_finding: bool = False,
    now: dt.datetime | None = None,
) -> Complaint:
    """Close with the result (属实/部分属实/不属实) and the action taken, which the complainant reads; a
    true complaint about a payment or roster line may open a finding on that line."""
    complaint = _locked_for_handler(user, complaint)
    if result not in rules.RESULT_LABELS:
        raise ValidationError({"result": "请选择办理结果：属实、部分属实或不属实"})
    action_taken = _text(action_taken, "处理措施及答复")
    if open_finding and (result != rules.TRUE or complaint.roster_line_id is None):
        raise ValidationError("只有经查属实、并关联了发放记录或名册人员的投诉举报可以转为核查疑点")
    before = _step(user, complaint, rules.CLOSE)
    complaint.result = result
    complaint.action_taken = action_taken
    complaint.closed_at = now or timezone.now()
    complaint.closed_by = user
    finding = _open_finding(user, complaint) if open_finding else None
    complaint.finding_id = finding.pk if finding is not None else None
    complaint.save(update_fields=["state", "result", "action_taken", "closed_at", "closed_by", "finding_id"])
    words = f"办理结果：{rules.RESULT_LABELS[result]}。{action_taken}"
    _event(complaint, rules.CLOSE, text=words, actor=user)
    audit_record(
        action="complaint.close",
        obj=complaint,
        region_code=complaint.region_id,
        before={"state": before},
        after={
            "state": complaint.state,
            "result": result,
            "finding": complaint.finding_id,
            "late": complaint.closed_at.date() > complaint.due_on,
        },
        actor=user,
    )
    return complaint


def _open_finding(user: Any, complaint: Complaint) -> Finding:
    """A finding (rule COMPLAINT) on the roster line the complaint names, in a run of its own."""
    assert complaint.roster_line_id is not None
    line = RosterLine.objects.select_related("roster", "policy").get(pk=complaint.roster_line_id)
    region_code = str(line.roster.village_id)
    now = timezone.now()
    run = CheckRun.objects.create(
        kind=RunKind.INFLIGHT,
        state=RunState.DONE,
        region_code=region_code,
        policy=line.policy,
        roster=line.roster,
        period_from=line.roster.period,
        period_to=line.roster.period,
        rules=[COMPLAINT_RULE],
        line_count=1,
        finding_count=1,
        summary=[{"rule": COMPLAINT_RULE, "title": "投诉举报查实", "count": 1}],
        created_by=user,
        started_at=now,
        finished_at=now,
    )
    finding = Finding.objects.create(
        kind=RunKind.INFLIGHT,
        run=run,
        first_run=run,
        subject=f"complaint:{complaint.number}",
        rule=COMPLAINT_RULE,
        severity="high",
        blocking=False,
        line=line,
        roster=line.roster,
        person_id=line.person_id,
        policy=line.policy,
        period=line.roster.period,
        region_code=region_code,
        detail=f"投诉举报{complaint.number}经查属实：{complaint.action_taken}"[:1000],
        found_at=now,
    )
    audit_record(
        action="complaint.finding",
        obj=finding,
        region_code=region_code,
        after={"rule": COMPLAINT_RULE, "line": line.pk, "complaint": complaint.number},
        actor=user,
    )
    return finding
