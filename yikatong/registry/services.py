"""Writes on the registry made one at a time by hrss: agent banks and a person's social security card."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.core.fields import blind_index
from yikatong.registry.domain.cards import CARD_COLUMNS, FIELD_OF, card_refusal
from yikatong.registry.models import AgentBank, CardChange, CardStatus, Person, SocialSecurityCard
from yikatong.registry.selectors import deaths_of


@transaction.atomic
def agent_bank_save(*, user: Any, bank: AgentBank, changes: dict[str, Any]) -> AgentBank:
    """Create or change an agent bank (``bank.edit``); audited with before and after."""
    authorize(user, "bank.edit")
    before = model_to_dict(bank) if bank.pk else None
    for field, value in changes.items():
        setattr(bank, field, value)
    bank.full_clean()
    bank.save()
    audit_record(action="agent_bank.save", obj=bank, before=before, after=model_to_dict(bank), actor=user)
    return bank


@transaction.atomic
def card_register(
    *,
    user: Any,
    person: Person,
    bank: AgentBank,
    account_no: str,
    holder_name: str,
    card_no: str = "",
    reason: str = "",
) -> SocialSecurityCard:
    """Record a person's card account; a card they already hold is closed and kept as history (换卡).

    A person the latest death registry lists gets no new card unless HRSS says why (a wrong death record
    being corrected, say): a card for the dead is how subsidies keep flowing to someone else.
    """
    authorize(user, "card.register", person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    death = deaths_of([person.id_bidx]).get(person.id_bidx)
    if death and not reason.strip():
        raise ValidationError(
            {
                "reason": f"此人{death}，不能为其登记新卡；"
                "如登记有误确需办理，请在“理由”中说明（将记入审计日志）"
            }
        )
    account_no = "".join(account_no.split()).replace("-", "")
    if not account_no.isdigit() or not 8 <= len(account_no) <= 32:
        raise ValidationError({"account_no": "银行账号应为8至32位数字"})
    if not bank.active:
        raise ValidationError({"bank": f"{bank.name}已不是代发银行"})
    account_bidx = blind_index(account_no, context="card.account_no") or ""
    taken = SocialSecurityCard.objects.filter(account_bidx=account_bidx).exclude(status=CardStatus.CLOSED)
    owner = taken.values_list("person_id", flat=True).first()
    proposed = pl.DataFrame(
        [(holder_name.strip(), person.name, person.pk, owner)],
        schema=CARD_COLUMNS,
        orient="row",
    )
    refusal = proposed.select(card_refusal()).item()
    if refusal:
        raise ValidationError({FIELD_OF[refusal]: refusal})
    if taken.filter(person=person).exists():
        raise ValidationError({"account_no": "该账号已是此人的社保卡账户"})
    for old in SocialSecurityCard.objects.filter(person=person).exclude(status=CardStatus.CLOSED):
        _change_status(old, CardStatus.CLOSED, reason="换卡：已登记新卡", user=user)
    card = SocialSecurityCard(
        person=person, bank=bank, account_no=account_no, account_bidx=account_bidx, card_no=card_no.strip()
    )
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError as exc:  # the database's own guard against a concurrent second card
        raise ValidationError("此人已有一张未注销的社保卡，请刷新后重试") from exc
    audit_record(
        action="card.register",
        obj=card,
        region_code=person.village_id,
        after={
            "person": person.pk,
            "bank": bank.code,
            "account_no": account_no,
            "status": card.status,
            **({"death_record": death, "reason": reason.strip()} if death else {}),
        },
        actor=user,
    )
    return card


@transaction.atomic
def card_change_status(
    *, user: Any, card: SocialSecurityCard, status: str, reason: str
) -> SocialSecurityCard:
    """Report a card lost, freeze, unfreeze or close it; each change is kept as history."""
    authorize(user, "card.change_status", card)
    card = SocialSecurityCard.objects.select_for_update().get(pk=card.pk)
    if status not in CardStatus.values:
        raise ValidationError({"status": "未知的卡状态"})
    if card.status == CardStatus.CLOSED:
        raise ValidationError({"status": "已注销的卡不能再变更，请登记新卡"})
    if status == card.status:
        raise ValidationError({"status": "状态没有变化"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写变更原因"})
    _change_status(card, status, reason=reason.strip(), user=user)
    return card


def _change_status(card: SocialSecurityCard, status: str, *, reason: str, user: Any) -> None:
    before = card.status
    card.status = status
    card.closed_at = timezone.now() if status == CardStatus.CLOSED else None
    card.save(update_fields=["status", "closed_at"])
    CardChange.objects.create(card=card, from_status=before, to_status=status, reason=reason, changed_by=user)
    audit_record(
        action="card.status",
        obj=card,
        region_code=card.person.village_id,
        before={"status": before},
        after={"status": status, "reason": reason},
        actor=user,
    )
