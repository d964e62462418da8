"""Bank returns (回盘, pain.002, camt.054, pacs.004): read, checked, kept, applied to the payments.

The same file imported twice changes nothing (its digest is known); a file that cannot be read or whose
totals contradict its lines is kept as refused, with the reason, and changes nothing; a line for a payment
the return does not mention leaves it as it was; returns arriving out of order or in parts accumulate
(``services.apply_return_lines``). Everything one import changes is one transaction with its audit event.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.payments.domain import flatfile, iso20022
from yikatong.payments.domain.instructions import ReturnFile, ReturnFileError, ReturnKind
from yikatong.payments.files import layout_of
from yikatong.payments.models import RETURN_KINDS, BankReturn, BankSetup, PaymentBatch, ReturnState
from yikatong.payments.services import apply_return_lines, batch_reject, reconcile
from yikatong.registry.models import AgentBank, BankFileFormat

MAX_RETURN_BYTES = 200 * 1024 * 1024

FLAT_KINDS = {"success": ReturnKind.FLAT_SUCCESS, "failure": ReturnKind.FLAT_FAILURE}


def bank_of_user(user: Any) -> AgentBank | None:
    """The agent bank a bank operator works for (its branch is the user's department)."""
    department = getattr(user, "department_id", None)
    if department is None:
        return None
    return AgentBank.objects.filter(branch_id=department).first()


def _keep(bank: AgentBank, data: bytes, digest: str, file_name: str) -> Path:
    directory = Path(settings.MEDIA_ROOT) / "bank-returns" / bank.code
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{digest[:16]}-{Path(file_name).name or 'return'}"
    if not path.exists():
        path.write_bytes(data)
    return path


def read_return(bank: AgentBank, data: bytes, kind: str = "") -> ReturnFile:
    """Read a return in the bank's own format (XML for ISO 20022 banks, the bank's flat layout otherwise)."""
    if not data.strip():
        raise ReturnFileError("回盘文件是空文件")
    if bank.file_format == BankFileFormat.ISO20022 or data.lstrip()[:5] in (b"<?xml", b"<Docu"):
        return iso20022.read_iso_return(data)
    setup = BankSetup.objects.filter(bank=bank).first()
    if setup is None:
        raise ReturnFileError(f"代发银行“{bank.name}”尚未设置代发文件格式，无法读取回盘")
    if kind not in FLAT_KINDS:
        raise ReturnFileError("请选择回盘文件类型：成功文件或失败文件")
    return flatfile.read_flat_return(data, layout_of(setup), FLAT_KINDS[kind])


def hint_id(batch: PaymentBatch | None) -> str:
    return batch.message_id if batch is not None else ""


def _batch_for(
    bank: AgentBank, returned: ReturnFile, hint: PaymentBatch | None = None
) -> PaymentBatch | None:
    """The batch a return answers: by the payment file's message id it names, else by its lines; a return
    uploaded on a batch's page that names neither (an empty failure file) answers that batch."""
    names_hint = not returned.original_message_id or returned.original_message_id == hint_id(hint)
    if hint is not None and hint.bank_id == bank.pk and names_hint:
        ids = [line.end_to_end_id for line in returned.lines[:50]]
        if not ids or PaymentBatch.objects.filter(pk=hint.pk, payments__end_to_end_id__in=ids).exists():
            return hint
    if returned.original_message_id:
        found = PaymentBatch.objects.filter(bank=bank, message_id=returned.original_message_id).first()
        if found is not None:
            return found
    ids = [line.end_to_end_id for line in returned.lines[:50]]
    return PaymentBatch.objects.filter(bank=bank, payments__end_to_end_id__in=ids).distinct().first()


def return_import(
    *,
    user: Any,
    data: bytes,
    file_name: str,
    bank: AgentBank | None = None,
    kind: str = "",
    batch: PaymentBatch | None = None,
) -> BankReturn:
    """Import one return file for a bank (a bank operator's own bank; finance names it)."""
    authorize(user, "return.import")
    own = bank_of_user(user) if getattr(user, "role", "") == "bank_operator" else None
    if own is not None:
        if bank is not None and bank.pk != own.pk:
            raise ValidationError("只能导入本行的回盘文件")
        bank = own
    if bank is None:
        raise ValidationError("请选择代发银行")
    if len(data) > MAX_RETURN_BYTES:
        raise ValidationError(f"回盘文件过大（最大 {MAX_RETURN_BYTES // 1024 // 1024} MB）")
    digest = hashlib.sha256(data).hexdigest()
    path = _keep(bank, data, digest, file_name)
    base = {
        "bank": bank,
        "file_name": Path(file_name).name[:255],
        "path": str(path),
        "sha256": digest,
        "imported_by": user if getattr(user, "pk", None) else None,
    }
    try:
        returned = read_return(bank, data, kind)
    except ReturnFileError as exc:
        with transaction.atomic():
            refused = BankReturn.objects.create(
                kind=kind or "unknown", state=ReturnState.REFUSED, message=str(exc), **base
            )
            audit_record(
                action="return.refused",
                obj=refused,
                after={"file": file_name, "sha256": digest, "reason": str(exc)},
                actor=user,
            )
        return refused
    with transaction.atomic():
        batch = _batch_for(bank, returned, batch)
        if batch is None:
            refused = BankReturn.objects.create(
                kind=returned.kind,
                state=ReturnState.REFUSED,
                message_id=returned.message_id[:128],
                message=(
                    "回盘中没有明细行（如没有失败笔数的失败文件），无法判断所答的发放批次，未导入："
                    "请在该批次的页面上传，或在命令行加 --batch 批次编号"
                    if not returned.lines
                    else "回盘中的报文标识和交易流水号都对不上本行的任何发放批次，未导入"
                ),
                lines=len(returned.lines),
                **base,
            )
            audit_record(
                action="return.refused",
                obj=refused,
                after={"file": file_name, "sha256": digest, "reason": refused.message},
                actor=user,
            )
            return refused
        authorize(user, "return.import", batch)
        batch = PaymentBatch.objects.select_for_update().select_related("plan").get(pk=batch.pk)
        if BankReturn.objects.filter(bank=bank, sha256=digest, state=ReturnState.APPLIED).exists():
            duplicate = BankReturn.objects.create(
                batch=batch,
                kind=returned.kind,
                state=ReturnState.DUPLICATE,
                message_id=returned.message_id[:128],
                lines=len(returned.lines),
                unchanged=len(returned.lines),
                message="该回盘文件已导入过，本次未改变任何记录",
                **base,
            )
            audit_record(
                action="return.duplicate",
                obj=duplicate,
                region_code=batch.plan.region_id,
                after={"file": file_name, "sha256": digest},
                actor=user,
            )
            return duplicate
        if returned.group_status == "RJCT" and not returned.lines:
            batch_reject(
                batch=batch,
                code=returned.group_reason_code or "FF01",
                text=returned.group_reason_text or "银行整批拒绝",
                user=user,
            )
            kept = BankReturn.objects.create(
                batch=batch,
                kind=returned.kind,
                state=ReturnState.APPLIED,
                message_id=returned.message_id[:128],
                message=f"银行整批拒绝：{returned.group_reason_code} {returned.group_reason_text}".strip(),
                **base,
            )
            audit_record(
                action="return.import",
                obj=kept,
                region_code=batch.plan.region_id,
                after={"file": file_name, "sha256": digest, "rejected": True},
                actor=user,
            )
            return kept
        rows = [
            {
                "end_to_end_id": line.end_to_end_id[:35],
                "status": line.outcome.value,
                "reason_code": line.reason_code[:8],
                "reason_text": line.reason_text[:200],
                "settled_on": line.settled_on,
                "amount_fen": line.amount_fen,
            }
            for line in returned.lines
        ]
        applied = apply_return_lines(bank_id=bank.pk, rows=rows)
        reconcile(applied.batches or [batch.pk], user=user)
        message = (
            f"共 {applied.lines} 笔：{applied.changed} 笔更新状态，"
            f"{applied.unchanged} 笔已是该状态或更晚的状态"
        )
        if applied.unknown:
            message += f"，{applied.unknown} 笔对不上本行的发放记录（流水号或金额不符），未改变任何记录"
        kept = BankReturn.objects.create(
            batch=batch,
            kind=returned.kind,
            state=ReturnState.APPLIED,
            message_id=returned.message_id[:128],
            lines=applied.lines,
            changed=applied.changed,
            unchanged=applied.unchanged,
            unknown=applied.unknown,
            message=message,
            **base,
        )
        audit_record(
            action="return.import",
            obj=kept,
            region_code=batch.plan.region_id,
            after={
                "file": file_name,
                "sha256": digest,
                "kind": str(RETURN_KINDS.get(returned.kind, returned.kind)),
                "lines": applied.lines,
                "changed": applied.changed,
                "unknown": applied.unknown,
            },
            actor=user,
        )
    return kept
