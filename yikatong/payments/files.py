"""Payment files per batch, in the bank's configured format, generated once and kept (bytes and SHA-256).

The payments are read set-based, their accounts and ID numbers decrypted column-wise, and handed to the
domain's writer (``pain001`` or the bank's flat layout); the file is written to a temporary name, validated
(pain.001 against the official XSD), then moved to its final name and recorded with its digest in one
transaction. A second call returns the same file: a batch's file is never regenerated.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from yikatong.audit.services import audit_record
from yikatong.core.crypto import key_ring
from yikatong.core.tables import read_frame
from yikatong.core.uploads import file_sha256
from yikatong.payments.domain import flatfile, iso20022
from yikatong.payments.domain.instructions import FileHeader, Instruction, PaymentFileError
from yikatong.payments.models import BankSetup, BatchState, FileFormat, PaymentBatch, PaymentFile
from yikatong.registry.models import BankFileFormat


def treasury() -> dict[str, str]:
    """The county treasury's account that pays (the debtor of every file), from settings."""
    return {
        "name": str(getattr(settings, "YIKATONG_TREASURY_NAME", "塔河县财政局国库集中支付专户")),
        "account": str(getattr(settings, "YIKATONG_TREASURY_ACCOUNT", "0800000000000000001")),
        "cnaps": str(getattr(settings, "YIKATONG_TREASURY_CNAPS", "011272200001")),
    }


def setup_of(batch: PaymentBatch) -> BankSetup:
    """The bank's file settings; a bank without them cannot be paid (a clear message for finance)."""
    setup = BankSetup.objects.filter(bank=batch.bank).first()
    if setup is None:
        raise ValidationError(
            f"代发银行“{batch.bank.name}”尚未设置联行号、代发单位编号和文件格式，请系统管理员先设置"
        )
    return setup


def layout_of(setup: BankSetup) -> flatfile.FlatLayout:
    """The bank's flat layout: its own configuration, or the ready layout it names."""
    if setup.layout:
        return flatfile.FlatLayout.from_dict(setup.layout)
    return flatfile.READY_LAYOUTS[setup.layout_name or next(iter(flatfile.READY_LAYOUTS))]


def header_of(batch: PaymentBatch, setup: BankSetup, *, now: datetime | None = None) -> FileHeader:
    now = now or timezone.now()
    payer = treasury()
    plan = batch.plan
    return FileHeader(
        message_id=batch.message_id,
        created_at=now,
        execution_date=timezone.localdate(now),
        debtor_name=payer["name"],
        debtor_account=payer["account"],
        debtor_agent_cnaps=payer["cnaps"],
        creditor_agent_cnaps=setup.cnaps,
        unit_code=setup.unit_code,
        payment_info_id=batch.message_id,
        purpose=f"{plan.period} {plan.policy_version.name}"[:140],
    )


def instructions_of(batch: PaymentBatch) -> list[Instruction]:
    """The batch's payments as instructions, accounts and ID numbers decrypted column-wise."""
    frame = read_frame(
        "SELECT p.end_to_end_id, p.amount_fen, p.holder_name, p.account_no, pe.id_number "
        "FROM payments_payment p JOIN payments_planline pl ON pl.id = p.line_id "
        "JOIN registry_person pe ON pe.id = pl.person_id WHERE p.batch_id = %s ORDER BY p.id",
        [batch.pk],
        schema={
            "end_to_end_id": pl.String,
            "amount_fen": pl.Int64,
            "holder_name": pl.String,
            "account_no": pl.String,
            "id_number": pl.String,
        },
    )
    ring = key_ring()
    accounts = ring.decrypt_many(frame["account_no"].to_list(), context="card.account_no")
    ids = ring.decrypt_many(frame["id_number"].to_list(), context="person.id_number")
    remark = f"{batch.plan.period}{batch.plan.policy_version.name}"[:60]
    return [
        Instruction(
            end_to_end_id=e2e,
            amount_fen=int(amount),
            creditor_name=name,
            creditor_account=account or "",
            id_number=id_number or "",
            remark=remark,
        )
        for e2e, amount, name, account, id_number in zip(
            frame["end_to_end_id"], frame["amount_fen"], frame["holder_name"], accounts, ids, strict=True
        )
    ]


def _directory(batch: PaymentBatch) -> Path:
    directory = Path(settings.MEDIA_ROOT) / "payment-files" / batch.bank.code
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def batch_file(*, batch: PaymentBatch, user: Any = None) -> PaymentFile:
    """The batch's payment file: generated and validated the first time, the same file every time after."""
    existing = PaymentFile.objects.filter(batch=batch).first()
    if existing is not None:
        return existing
    batch = PaymentBatch.objects.select_related("plan__policy_version", "bank").get(pk=batch.pk)
    setup = setup_of(batch)
    header = header_of(batch, setup)
    instructions = instructions_of(batch)
    iso = batch.bank.file_format == BankFileFormat.ISO20022
    layout = None if iso else layout_of(setup)
    suffix = ".xml" if iso else ".txt"
    final = _directory(batch) / f"{batch.message_id}{suffix}"
    temporary = final.with_name(f".{final.name}.{os.getpid()}.part")
    try:
        with temporary.open("wb") as out:
            if iso:
                count, total = iso20022.write_pain001(out, header, instructions)
            else:
                assert layout is not None
                count, total = flatfile.write_flat(out, layout, header, instructions)
        if iso:
            iso20022.validate_pain001(temporary)
    except PaymentFileError as exc:
        temporary.unlink(missing_ok=True)
        raise ValidationError(f"代发文件生成失败：{exc}") from exc
    if count != batch.count or total != batch.total_fen:
        temporary.unlink(missing_ok=True)
        raise ValidationError(
            f"代发文件笔数或金额与批次不符（文件 {count} 笔 {total} 分，"
            f"批次 {batch.count} 笔 {batch.total_fen} 分）"
        )
    digest = file_sha256(temporary)
    try:
        with transaction.atomic():
            locked = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
            already = PaymentFile.objects.filter(batch=locked).first()
            if already is not None:
                temporary.unlink(missing_ok=True)
                return already
            os.replace(temporary, final)
            kept = PaymentFile.objects.create(
                batch=locked,
                bank=batch.bank,
                message_id=batch.message_id,
                file_format=FileFormat.PAIN001 if iso else FileFormat.FLAT,
                layout=layout.to_dict() if layout is not None else {},
                file_name=final.name,
                path=str(final),
                sha256=digest,
                size=final.stat().st_size,
                count=count,
                total_fen=total,
                created_by=user if getattr(user, "pk", None) else None,
            )
            if locked.state == BatchState.CREATED:
                PaymentBatch.objects.filter(pk=locked.pk).update(state=BatchState.FILE_READY)
            audit_record(
                action="batch.file",
                obj=kept,
                region_code=batch.plan.region_id,
                after={
                    "message_id": kept.message_id,
                    "format": kept.file_format,
                    "sha256": digest,
                    "count": count,
                    "total_fen": total,
                },
                actor=user,
            )
            return kept
    except IntegrityError:
        temporary.unlink(missing_ok=True)
        return PaymentFile.objects.get(batch=batch)


def file_bytes(kept: PaymentFile) -> bytes:
    """A kept file's bytes, refused if they no longer match the digest recorded when it was generated."""
    try:
        data = Path(kept.path).read_bytes()
    except OSError as exc:
        raise ValidationError(
            f"代发文件“{kept.file_name}”在服务器上读不到，不能下载：请联系系统管理员"
        ) from exc
    import hashlib

    if hashlib.sha256(data).hexdigest() != kept.sha256:
        raise ValidationError(f"代发文件“{kept.file_name}”与生成时的摘要不符，已被改动，不能下载")
    return data


def record_download(*, user: Any, batch: PaymentBatch, kept: PaymentFile) -> PaymentBatch | None:
    """A download of the batch's file, by the screen, the API or the command line: audited in its
    transaction; a bank operator's download is the file going to the bank (the batch is then sent, and
    returned). Call it once the bytes are read (:func:`file_bytes`), before handing them out."""
    from yikatong.payments import services

    with transaction.atomic():
        audit_record(
            action="batch.download",
            obj=kept,
            region_code=batch.plan.region_id,
            after={"file": kept.file_name, "sha256": kept.sha256},
            actor=user,
        )
        if getattr(user, "role", "") == "bank_operator":
            return services.batch_mark_sent(user=user, batch=batch)
    return None
