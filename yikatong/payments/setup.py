"""An agent bank's file settings, changed by an admin on a screen: CNAPS code, unit code and the flat layout
(a ready one by name, or its own JSON), checked and previewed before it is saved, audited."""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yikatong.accounts.permissions import authorize
from yikatong.audit.services import audit_record
from yikatong.payments.domain import flatfile
from yikatong.payments.domain.layouts import FlatLayout, LayoutError
from yikatong.payments.models import BankSetup
from yikatong.registry.models import AgentBank

_CNAPS = re.compile(r"[0-9]{12}")


def _layout(layout_name: str, layout_json: str) -> FlatLayout | None:
    text = layout_json.strip()
    if text:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"文件格式配置不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）"
            ) from exc
        try:
            layout = FlatLayout.from_dict(data)
        except LayoutError as exc:
            raise ValidationError(str(exc)) from exc
    elif layout_name:
        if layout_name not in flatfile.READY_LAYOUTS:
            raise ValidationError("请选择系统提供的文件格式，或填写文件格式配置")
        layout = flatfile.READY_LAYOUTS[layout_name]
    else:
        return None
    problems = layout.validate()
    if problems:
        raise ValidationError(problems)
    return layout


def bank_setup_save(
    *,
    user: Any,
    bank: AgentBank,
    cnaps: str,
    unit_code: str,
    layout_name: str,
    layout_json: str,
    preview_only: bool = False,
) -> BankSetup | None:
    """Check (and unless ``preview_only``, save) a bank's file settings."""
    authorize(user, "bank.setup")
    errors = []
    cnaps, unit_code = cnaps.strip(), unit_code.strip()
    if not _CNAPS.fullmatch(cnaps):
        errors.append("联行号（CNAPS）应为 12 位数字")
    if not unit_code:
        errors.append("请填写代发单位编号")
    if errors:
        raise ValidationError(errors)
    layout = _layout(layout_name, layout_json)
    if preview_only:
        return BankSetup.objects.filter(bank=bank).first()
    custom = bool(layout_json.strip()) and (layout is None or layout.to_dict() != _ready(layout_name))
    with transaction.atomic():
        setup = BankSetup.objects.select_for_update().filter(bank=bank).first()
        before = (
            {
                "cnaps": setup.cnaps,
                "unit_code": setup.unit_code,
                "layout_name": setup.layout_name,
                "layout": setup.layout,
            }
            if setup
            else None
        )
        setup, _ = BankSetup.objects.update_or_create(
            bank=bank,
            defaults={
                "cnaps": cnaps,
                "unit_code": unit_code,
                "layout_name": layout_name if not custom else (layout.name if layout else ""),
                "layout": layout.to_dict() if custom and layout else {},
                "updated_by": user,
                "updated_at": timezone.now(),
            },
        )
        audit_record(
            action="bank.setup",
            obj=setup,
            before=before,
            after={
                "cnaps": cnaps,
                "unit_code": unit_code,
                "layout_name": setup.layout_name,
                "layout": setup.layout,
            },
            actor=user,
        )
    return setup


def _ready(name: str) -> dict[str, Any] | None:
    layout = flatfile.READY_LAYOUTS.get(name)
    return layout.to_dict() if layout else None


def layout_for(setup: BankSetup | None, posted: Any) -> FlatLayout | None:
    """The layout the page shows: what was posted (if it reads), else the bank's own."""
    if posted is not None:
        try:
            return _layout(str(posted.get("layout_name", "")), str(posted.get("layout", "")))
        except ValidationError:
            return None
    if setup is None:
        return None
    if setup.layout:
        return FlatLayout.from_dict(setup.layout)
    return flatfile.READY_LAYOUTS.get(setup.layout_name)


def preview_text(layout: FlatLayout) -> str:
    """The first lines of a payment file and of its two return files in this layout (sample data)."""
    success, failure = flatfile.preview_returns(layout)
    return f"{flatfile.preview(layout)}\n\n—— 成功回盘 ——\n{success}\n\n—— 失败回盘 ——\n{failure}"
