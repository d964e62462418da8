"""个人查询: a villager looks up every payment made to them, and the complaints they filed and are open.

Who is asking is proved in one of two ways: the full ID number, the full name and the last four digits of
the card account; or the ID number and a one-time code sent through the notices' outbox to the phone on
file. Whatever is wrong — no such person, another name, another account, a wrong or expired code — the
answer is the same refusal, after the same work (one person look-up, one card decryption, the same
comparisons) and no sooner than ``YIKATONG_LOOKUP_MIN_SECONDS``, so nobody can probe who is registered.
Every attempt, allowed or refused, is an audit event with the ID number masked; attempts are counted per
IP address and per ID number (``core.throttle``), the ID number as a keyed hash only.

What the answer carries (:class:`LookupAnswer`) holds masked strings wherever the person does not need the
clear value: their own name and ID number and the account each payment went to are masked; amounts,
dates, banks, statuses and failure reasons are plain.

The complaints app sits above this one and registers the source of "complaints filed by this ID" with
:func:`complaint_source_add` from its ``AppConfig.ready()``.
"""

from __future__ import annotations

import hmac
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from yikatong.audit.services import audit_record
from yikatong.core import throttle
from yikatong.core.crypto import key_ring
from yikatong.core.masking import mask_account, mask_id_number, mask_name
from yikatong.payments.domain import plans
from yikatong.payments.domain.reasons import reason_words
from yikatong.payments.models import Payment
from yikatong.registry.models import Person, SocialSecurityCard

ID_CONTEXT = "person.id_number"
ACCOUNT_CONTEXT = "card.account_no"
IP_SCOPE = "lookup.ip"
ID_SCOPE = "lookup.id"
CODE_SCOPE = "lookup.code"


# --- what the complaints app hands in ------------------------------------------------------------------


@dataclass(frozen=True)
class LookupSubject:
    """The person a lookup has proved, as a complaint source needs them. The clear ID number lives only in
    memory for the length of the request: a source may compare or hash it, never store or log it."""

    person_id: int
    id_number: str
    id_bidx: str


@dataclass(frozen=True)
class FiledComplaint:
    """One open complaint the person filed, as the answer lists it (no complainant details)."""

    number: str
    topic: str
    filed_on: date
    state: str
    due_on: date | None = None


ComplaintSource = Callable[[LookupSubject], Sequence[FiledComplaint]]
COMPLAINT_SOURCES: list[ComplaintSource] = []


def complaint_source_add(source: ComplaintSource) -> None:
    """Let a higher app list the open complaints a proved person filed (once)."""
    if source not in COMPLAINT_SOURCES:
        COMPLAINT_SOURCES.append(source)


# --- the answer ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentItem:
    """One payment (one attempt) to the person: what, when, where to, how it went."""

    policy: str
    period: str
    attempt: int
    amount_fen: int
    bank: str
    account_masked: str
    status: str
    status_label: str
    sent_on: date | None
    paid_on: date | None
    reason: str
    # For a complaint about this payment (the complaint form links to it; not personal data).
    payment_id: int = 0

    @property
    def failed(self) -> bool:
        """Whether this attempt did not reach the card (failed, or paid and returned)."""
        return self.status in (plans.FAILED, plans.RETURNED)


@dataclass(frozen=True)
class LookupAnswer:
    """Everything the proved person sees: masked name and ID, their village, payments, open complaints."""

    name_masked: str
    id_masked: str
    village: str
    payments: list[PaymentItem]
    complaints: list[FiledComplaint] = field(default_factory=list)

    @property
    def paid_fen(self) -> int:
        """The total that reached the card."""
        return sum(p.amount_fen for p in self.payments if p.status == plans.PAID)


class Outcome(StrEnum):
    FOUND = "found"
    REFUSED = "refused"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class LookupResult:
    """What a lookup came to; ``answer`` only when FOUND."""

    outcome: Outcome
    answer: LookupAnswer | None = None


# --- the work every attempt does alike -----------------------------------------------------------------


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def _window() -> int:
    return int(_setting("YIKATONG_LOOKUP_WINDOW_SECONDS", 900))


def window_minutes() -> int:
    """How long, at most, a throttled person waits (the window, in whole minutes)."""
    return max(1, -(-_window() // 60))


class Floor:
    """The minimum time of one attempt, which a proof waives (its answer shows it succeeded anyway)."""

    def __init__(self) -> None:
        self.waived = False

    def waive(self) -> None:
        """Answer as soon as the work is done."""
        self.waived = True


@contextmanager
def at_least(seconds: float) -> Iterator[Floor]:
    """Take no less than ``seconds`` in total unless waived, so that refusals all come back after one time."""
    started = time.monotonic()
    floor = Floor()
    try:
        yield floor
    finally:
        rest = seconds - (time.monotonic() - started)
        if rest > 0 and not floor.waived:
            time.sleep(rest)


def refusal_floor() -> float:
    """The minimum time a refusal (and every code request) takes."""
    return _setting("YIKATONG_LOOKUP_MIN_SECONDS", 0.25)


def normalise_name(name: str) -> str:
    """A name as typed, compared: NFKC, no spaces, one kind of middle dot (阿依古丽·买买提)."""
    text = unicodedata.normalize("NFKC", name or "")
    for dot in ("•", "・", "‧", "∙", "．", "."):
        text = text.replace(dot, "·")
    return "".join(text.split())


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@lru_cache(maxsize=4)
def _decoy_account(key_id: str) -> str:
    # Decrypted when the ID number finds nobody, so that a miss costs what a hit does.
    return key_ring().encrypt("6200000000000000000", context=ACCOUNT_CONTEXT)


def _allowed(ip: str, id_number: str) -> bool:
    """Count the attempt against the IP address and the ID number; False when either is over its limit."""
    window = _window()
    by_ip = throttle.hit(
        IP_SCOPE, ip or "-", limit=int(_setting("YIKATONG_LOOKUP_IP_LIMIT", 30)), window=window
    )
    by_id = throttle.hit(
        ID_SCOPE, id_number, limit=int(_setting("YIKATONG_LOOKUP_ID_LIMIT", 5)), window=window
    )
    return by_ip and by_id


@dataclass(frozen=True)
class _Found:
    person_id: int | None
    name: str
    village_id: str
    accounts: list[str]


def _person(id_bidx: str) -> _Found:
    """The person of a blind index and their card accounts, with the same queries and one decryption at
    least whether or not there is such a person."""
    row = Person.objects.filter(id_bidx=id_bidx).values_list("id", "name", "village_id").first()
    person_id, name, village_id = row if row else (None, "", "")
    stored = list(
        SocialSecurityCard.objects.filter(person_id=person_id or 0)
        .order_by("-opened_at")
        .values_list("account_no", flat=True)
    )
    ring = key_ring()
    if not stored:
        ring.decrypt(_decoy_account(ring.active_id), context=ACCOUNT_CONTEXT)
    return _Found(person_id, name, village_id, [a for a in stored if a])


def _recorded(*, id_number: str, method: str, result: str, found: _Found | None) -> dict[str, Any]:
    """What an attempt's audit event says: the ID number masked, how it was asked, what came of it."""
    person_id = found.person_id if found is not None else None
    return {
        "object_type": "registry.person" if person_id else "",
        "object_id": str(person_id) if person_id else "",
        "object_repr": mask_id_number(id_number),
        "region_code": found.village_id if found is not None and person_id else "",
        "after": {"id_number": mask_id_number(id_number), "method": method, "result": result},
    }


# --- the answer's reads ----------------------------------------------------------------------------------


def payments_of(person_id: int) -> list[PaymentItem]:
    """Every payment to the person, newest period first, accounts masked (one query)."""
    rows = (
        Payment.objects.filter(line__person_id=person_id)
        .order_by("-line__plan__period", "line__plan__policy__code", "attempt")
        .values_list(
            "line__plan__policy_version__name",
            "line__plan__period",
            "attempt",
            "amount_fen",
            "batch__bank__name",
            "account_no",
            "status",
            "reason_code",
            "reason_text",
            "batch__sent_at",
            "settled_on",
            "pk",
        )
    )
    items = []
    for policy, period, attempt, fen, bank, account, status, code, text, sent_at, settled, pk in rows:
        reason = ""
        if status in (plans.FAILED, plans.RETURNED):
            reason = gettext(reason_words(code)) if code else text
        items.append(
            PaymentItem(
                policy=policy,
                period=period,
                attempt=attempt,
                amount_fen=fen,
                bank=bank,
                account_masked=mask_account(account),
                status=status,
                status_label=gettext(plans.PAYMENT_LABELS.get(status, status)),
                sent_on=timezone.localdate(sent_at) if isinstance(sent_at, datetime) else None,
                paid_on=settled,
                reason=reason,
                payment_id=pk,
            )
        )
    return items


def complaints_of(subject: LookupSubject) -> list[FiledComplaint]:
    """The open complaints the person filed, from every registered source."""
    found: list[FiledComplaint] = []
    for source in COMPLAINT_SOURCES:
        found.extend(source(subject))
    return sorted(found, key=lambda c: (c.filed_on, c.number), reverse=True)


def answer_for(person_id: int, id_number: str, id_bidx: str) -> LookupAnswer:
    """The answer for a proved person."""
    person = Person.objects.select_related("village").only("name", "village__name").get(pk=person_id)
    subject = LookupSubject(person_id=person_id, id_number=id_number, id_bidx=id_bidx)
    return LookupAnswer(
        name_masked=mask_name(person.name),
        id_masked=mask_id_number(id_number),
        village=person.village.name,
        payments=payments_of(person_id),
        complaints=complaints_of(subject),
    )


# --- 1. ID number, name and the card account's last four digits ------------------------------------------


def lookup_by_card(*, id_number: str, name: str, account_last4: str, ip: str) -> LookupResult:
    """Prove the person by ID number, name and the last four digits of a card account, and answer."""
    id_bidx = key_ring().blind_index(id_number, context=ID_CONTEXT)
    if not _allowed(ip, id_number):
        with transaction.atomic():
            audit_record(
                action="lookup.query",
                **_recorded(id_number=id_number, method="card", result="throttled", found=None),
            )
        return LookupResult(Outcome.THROTTLED)
    with at_least(refusal_floor()) as floor:
        found = _person(id_bidx)
        name_ok = _same(normalise_name(found.name), normalise_name(name))
        tails = [a[-4:] for a in found.accounts] or ["----"]
        # Every tail is compared (a list, not a generator): the work does not stop at the first match.
        card_ok = any([_same(tail, account_last4.strip()) for tail in tails])  # noqa: C419
        proved = found.person_id is not None and name_ok and card_ok
        result = "found" if proved else ("no_person" if found.person_id is None else "mismatch")
        with transaction.atomic():
            audit_record(
                action="lookup.query",
                **_recorded(id_number=id_number, method="card", result=result, found=found),
            )
        if not proved or found.person_id is None:
            return LookupResult(Outcome.REFUSED)
        floor.waive()
        person_id = found.person_id
    return LookupResult(Outcome.FOUND, answer_for(person_id, id_number, id_bidx))


def lookup_invalid(*, raw_id: str, ip: str, method: str) -> None:
    """Count and record an attempt whose details were not even well formed (nobody is looked up)."""
    throttle.hit(IP_SCOPE, ip or "-", limit=int(_setting("YIKATONG_LOOKUP_IP_LIMIT", 30)), window=_window())
    with transaction.atomic():
        audit_record(
            action="lookup.query",
            **_recorded(id_number=raw_id[:18], method=method, result="invalid", found=None),
        )


# --- 2. ID number and a one-time code to the phone on file -------------------------------------------------

CODE_TEMPLATE = (
    "【{signature}】您的个人补贴查询验证码为{code}，{minutes}分钟内有效。"
    "请勿告知他人；如非本人操作，请忽略本短信。"
)


def new_code() -> str:
    """A six-digit one-time code."""
    return f"{secrets.randbelow(10**6):06d}"


def _code_seconds() -> int:
    return int(_setting("YIKATONG_LOOKUP_CODE_SECONDS", 600))


def code_minutes() -> int:
    """How many minutes a code stays valid."""
    return max(1, _code_seconds() // 60)


def _digest(kind: str, value: str) -> str:
    """A keyed hash of a challenge or a code (the index key, bound to what it is)."""
    return key_ring().blind_index(value, context=f"lookup.{kind}")


@dataclass(frozen=True)
class CodeRequest:
    """What asking for a code came to: the challenge the next page carries (the same kind of answer whether
    or not anybody was found), or THROTTLED."""

    outcome: Outcome
    challenge: str = ""


def code_request(*, id_number: str, ip: str) -> CodeRequest:
    """Send a one-time code to the phone on file for the ID number, if there is such a person with a phone;
    answer alike either way."""
    from yikatong.disclosure.lookup_models import LookupCode
    from yikatong.notices.services import NoticeRow, notify

    window = _window()
    by_ip = throttle.hit(
        IP_SCOPE, ip or "-", limit=int(_setting("YIKATONG_LOOKUP_IP_LIMIT", 30)), window=window
    )
    by_id = throttle.hit(
        CODE_SCOPE, id_number, limit=int(_setting("YIKATONG_LOOKUP_CODE_LIMIT", 3)), window=window
    )
    if not (by_ip and by_id):
        with transaction.atomic():
            audit_record(
                action="lookup.code_send",
                **_recorded(id_number=id_number, method="code", result="throttled", found=None),
            )
        return CodeRequest(Outcome.THROTTLED)
    with at_least(refusal_floor()):
        id_bidx = key_ring().blind_index(id_number, context=ID_CONTEXT)
        found = _person(id_bidx)
        challenge = secrets.token_urlsafe(24)
        code = new_code()
        now = timezone.now()
        with transaction.atomic():
            # Codes a day past their expiry are of no use to anybody any more (an indexed range delete).
            LookupCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
            row = LookupCode.objects.create(
                challenge_hash=_digest("challenge", challenge),
                person_id=found.person_id,
                id_bidx=id_bidx,
                code_hash=_digest("code", challenge + code),
                created_at=now,
                expires_at=now + timedelta(seconds=_code_seconds()),
                max_attempts=int(_setting("YIKATONG_LOOKUP_CODE_ATTEMPTS", 5)),
            )
            result = "no_person"
            if found.person_id is not None:
                sent = notify(
                    [
                        NoticeRow(
                            person_id=found.person_id,
                            dedup_key=f"lookup-code:{row.pk}",
                            params={"code": code, "minutes": str(code_minutes())},
                            source_kind="lookup_code",
                            source_id=str(row.pk),
                            template=CODE_TEMPLATE,
                            template_code=str(
                                getattr(settings, "YIKATONG_SMS_LOOKUP_TEMPLATE_CODE", "YKT_LOOKUP_CODE")
                            ),
                        )
                    ]
                )
                result = "no_phone" if sent.unsendable else "sent"
            audit_record(
                action="lookup.code_send",
                **_recorded(id_number=id_number, method="code", result=result, found=found),
            )
    return CodeRequest(Outcome.FOUND, challenge)


def code_check(*, challenge: str, code: str, ip: str) -> LookupResult:
    """Prove the person by the code sent for a challenge (once, before it expires, within its tries)."""
    from yikatong.disclosure.lookup_models import LookupCode

    if not throttle.hit(
        IP_SCOPE, ip or "-", limit=int(_setting("YIKATONG_LOOKUP_IP_LIMIT", 30)), window=_window()
    ):
        with transaction.atomic():
            audit_record(
                action="lookup.code_check",
                **_recorded(id_number="", method="code", result="throttled", found=None),
            )
        return LookupResult(Outcome.THROTTLED)
    with at_least(refusal_floor()) as floor:
        now = timezone.now()
        with transaction.atomic():
            row = (
                LookupCode.objects.select_for_update()
                .filter(challenge_hash=_digest("challenge", challenge or "-"))
                .first()
            )
            usable = (
                row is not None
                and row.used_at is None
                and row.expires_at > now
                and row.attempts < row.max_attempts
            )
            matches = _same(
                _digest("code", (challenge or "") + (code or "").strip()), row.code_hash if row else "-"
            )
            if row is not None and row.used_at is None and row.attempts < row.max_attempts:
                row.attempts += 1
            proved = bool(usable and matches and row is not None and row.person_id is not None)
            if row is not None:
                if proved:
                    row.used_at = now
                row.save(update_fields=["attempts", "used_at"])
            person = (
                Person.objects.filter(pk=row.person_id).values_list("id_number", "village_id").first()
                if row is not None and row.person_id
                else None
            )
            id_number = person[0] if person else ""
            found = _Found(row.person_id if row else None, "", person[1] if person else "", [])
            if row is None:
                result = "unknown_challenge"
            elif proved:
                result = "found"
            elif row.person_id is None:
                result = "no_person"
            elif not usable:
                result = "expired_or_used"
            else:
                result = "wrong_code"
            audit_record(
                action="lookup.code_check",
                **_recorded(id_number=id_number, method="code", result=result, found=found),
            )
        if not proved or row is None or row.person_id is None:
            return LookupResult(Outcome.REFUSED)
        floor.waive()
        person_id, id_bidx = row.person_id, row.id_bidx
    return LookupResult(Outcome.FOUND, answer_for(person_id, id_number, id_bidx))
