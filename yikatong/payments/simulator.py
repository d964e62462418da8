"""The bank simulator: answers a batch's payment file with the return a real agent bank would send, in the
bank's own format, so that the whole loop runs on one machine (no bank is reachable here).

Each payment's fate comes from the registry's truth about its account and person, as the bank would find
it: a closed card → AC04 (账户已销户), a frozen or lost card → AC06 (账户冻结), a person recorded dead →
MD07, the holder's name not the card's person's → BE01 (户名不符); and a small seeded share of technical
failures (MS03). ISO 20022 banks answer with a pain.002 (ACCP / RJCT) and a camt.054 of the settled ones;
flat-file banks with a success file and a failure file in their layout.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.core.tables import read_frame
from yikatong.payments.domain import flatfile, isobank
from yikatong.payments.domain.instructions import Decision, Outcome
from yikatong.payments.domain.reasons import reason_words
from yikatong.payments.files import header_of, instructions_of, layout_of, setup_of
from yikatong.payments.models import BankReturn, PaymentBatch, PaymentFile
from yikatong.registry.models import BankFileFormat

DEFAULT_TECHNICAL_SHARE = 0.002


@dataclass(frozen=True)
class SimulatedFile:
    """One file the simulated bank sends back: its name, bytes and the kind the import asks for."""

    name: str
    data: bytes
    kind: str  # "" for ISO 20022 (read by its namespace), "success" / "failure" for flat files


def _truths(batch: PaymentBatch) -> pl.DataFrame:
    """Per payment: the card's status by account, whether the person has a death record, and whether the
    name on the payment is the card holder's."""
    return read_frame(
        "SELECT p.end_to_end_id, c.status AS card_status, "
        "CASE WHEN EXISTS (SELECT 1 FROM registry_deathrecord d WHERE d.id_bidx = pe.id_bidx) THEN 1 ELSE 0"
        " END AS dead, "
        "CASE WHEN holder.name IS NULL OR holder.name = p.holder_name THEN 0 ELSE 1 END AS other_name "
        "FROM payments_payment p JOIN payments_planline pl ON pl.id = p.line_id "
        "JOIN registry_person pe ON pe.id = pl.person_id "
        "LEFT JOIN registry_socialsecuritycard c ON c.account_bidx = p.account_bidx AND c.person_id ="
        " pl.person_id "
        "LEFT JOIN registry_socialsecuritycard hc ON hc.account_bidx = p.account_bidx AND hc.status <>"
        " 'closed' "
        "LEFT JOIN registry_person holder ON holder.id = hc.person_id "
        "WHERE p.batch_id = %s ORDER BY p.id",
        [batch.pk],
        schema={
            "end_to_end_id": pl.String,
            "card_status": pl.String,
            "dead": pl.Int64,
            "other_name": pl.Int64,
        },
    )


def decisions_for(batch: PaymentBatch, *, technical_share: float = DEFAULT_TECHNICAL_SHARE) -> list[Decision]:
    """What the bank would say of each payment of the batch (seeded by the batch, so repeatable)."""
    chance = random.Random(f"yikatong-bank-{batch.message_id}")  # noqa: S311 - a simulation, not a secret
    decisions = []
    for row in _truths(batch).iter_rows(named=True):
        code = ""
        if row["dead"]:
            code = "MD07"
        elif row["card_status"] in (None, "closed"):
            code = "AC04"
        elif row["card_status"] in ("frozen", "lost"):
            code = "AC06"
        elif row["other_name"]:
            code = "BE01"
        elif chance.random() < technical_share:
            code = "MS03"
        if code:
            decisions.append(Decision(row["end_to_end_id"], Outcome.FAILED, code, reason_words(code)))
        else:
            decisions.append(Decision(row["end_to_end_id"], Outcome.PAID))
    return decisions


def simulate(batch: PaymentBatch, *, technical_share: float = DEFAULT_TECHNICAL_SHARE) -> list[SimulatedFile]:
    """The return files the bank sends for the batch, in its own format."""
    batch = PaymentBatch.objects.select_related("plan__policy_version", "bank").get(pk=batch.pk)
    setup = setup_of(batch)
    header = header_of(batch, setup, now=batch.created_at)
    decisions = decisions_for(batch, technical_share=technical_share)
    now = timezone.now()
    stamp = f"{now:%Y%m%d%H%M%S}"
    if batch.bank.file_format == BankFileFormat.ISO20022:
        status = isobank.write_pain002(
            header,
            [
                Decision(d.end_to_end_id, Outcome.ACCEPTED) if d.outcome is Outcome.PAID else d
                for d in decisions
            ],
            f"RPT{batch.message_id[-20:]}{stamp[-8:]}"[:35],
            now,
            original_count=batch.count,
            original_total_fen=batch.total_fen,
        )
        paid_ids = {d.end_to_end_id for d in decisions if d.outcome is Outcome.PAID}
        paid = [i for i in instructions_of(batch) if i.end_to_end_id in paid_ids]
        files = [SimulatedFile(f"{batch.message_id}-pain002.xml", status, "")]
        if paid:
            notice = isobank.write_camt054(
                header,
                paid,
                f"NTF{batch.message_id[-20:]}{stamp[-8:]}"[:35],
                now,
                booked_on=timezone.localdate(now + timedelta(minutes=1)),
            )
            files.append(SimulatedFile(f"{batch.message_id}-camt054.xml", notice, ""))
        return files
    layout = layout_of(setup)
    by_id = {i.end_to_end_id: i for i in instructions_of(batch)}
    success, failure = flatfile.write_flat_returns(layout, header, by_id, decisions)
    return [
        SimulatedFile(f"{batch.message_id}-成功.txt", success, "success"),
        SimulatedFile(f"{batch.message_id}-失败.txt", failure, "failure"),
    ]


def bank_simulate(
    *, user: Any, batch: PaymentBatch, technical_share: float = DEFAULT_TECHNICAL_SHARE
) -> list[BankReturn]:
    """The demo's bank answers a batch: the file is taken as sent, the return written and imported through
    the same import a bank operator uses (a simulated return is checked, kept and audited like a real one)."""
    from yikatong.payments.returns import return_import
    from yikatong.payments.services import batch_mark_sent

    authorize(user, "bank.simulate", batch)
    if not settings.YIKATONG_BANK_SIMULATOR:
        raise ValidationError("本系统连接的是真实代发银行，不能使用模拟银行（仅演示、培训环境可用）")
    if not PaymentFile.objects.filter(batch=batch).exists():
        raise ValidationError("该批次的代发文件尚未生成，银行无法回盘")
    batch_mark_sent(user=user, batch=batch)
    imported = []
    for produced in simulate(batch, technical_share=technical_share):
        imported.append(
            return_import(
                user=user,
                data=produced.data,
                file_name=produced.name,
                bank=batch.bank,
                kind=produced.kind,
                batch=batch,
            )
        )
    return imported
