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
from yikatong.payments.domain import flatfile, layouts
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
    """Check (and unless ``preview_only``, save) a bank's file settings: the layout is a ready one by name,
    or the bank's own as JSON (the field-by-field form gives it as JSON too, :func:`layout_from_form`)."""
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


# --- the layout as a form, field by field (what the admin edits; the JSON stays for the advanced) ---------

#: The column tables of a layout on the form: (form prefix, the layout dict's path, the fields allowed).
COLUMN_TABLES: tuple[tuple[str, tuple[str, ...], frozenset[str]], ...] = (
    ("summary", ("summary",), layouts.SUMMARY_FIELDS),
    ("details", ("details",), layouts.DETAIL_FIELDS),
    ("success", ("returns", "success"), layouts.RETURN_FIELDS),
    ("failure", ("returns", "failure"), layouts.RETURN_FIELDS),
    ("total", ("returns", "total"), layouts.TOTAL_FIELDS),
)
#: Empty rows offered under each table (and under the reason texts) for columns to add.
SPARE_ROWS = 3
_TOP = ("name", "encoding", "style", "separator", "line_ending", "amount_unit", "date_format")
_TOP_MORE = ("summary_position", "end_marker")
_RETURN_TEXTS = ("total_position", "end_marker", "paid_text", "failed_text", "returned_text")


def form_values(layout: FlatLayout) -> dict[str, str]:
    """The layout as the form's field values (what the page fills in)."""
    data = layout.to_dict()
    values = {key: str(data[key]) for key in (*_TOP, *_TOP_MORE)}
    values["trailing_separator"] = "on" if data["trailing_separator"] else ""
    for key in _RETURN_TEXTS:
        values[f"returns_{key}"] = str(data["returns"][key])
    for prefix, path, _fields in COLUMN_TABLES:
        columns = data[path[0]] if len(path) == 1 else data[path[0]][path[1]]
        for index, column in enumerate(columns):
            for key in ("field", "pad", "pad_side", "value"):
                values[f"{prefix}-{index}-{key}"] = str(column[key])
            values[f"{prefix}-{index}-width"] = "" if column["width"] is None else str(column["width"])
        values[f"{prefix}-rows"] = str(len(columns) + SPARE_ROWS)
    reasons = list(data["returns"]["reasons"].items())
    for index, (text, code) in enumerate(reasons):
        values[f"reason-{index}-text"], values[f"reason-{index}-code"] = text, code
    values["reason-rows"] = str(len(reasons) + SPARE_ROWS)
    return values


def _rows(posted: Any, prefix: str) -> int:
    try:
        return max(0, min(int(str(posted.get(f"{prefix}-rows", "0"))), 200))
    except ValueError:
        return 0


def layout_from_form(posted: Any) -> dict[str, Any]:
    """The layout's JSON from the form's fields (empty rows skipped; the checks are FlatLayout's)."""
    data: dict[str, Any] = {key: str(posted.get(key, "")) for key in (*_TOP, *_TOP_MORE)}
    data["trailing_separator"] = bool(posted.get("trailing_separator"))
    if data["style"] == "fixed":
        data["separator"] = ""
    returns: dict[str, Any] = {key: str(posted.get(f"returns_{key}", "")) for key in _RETURN_TEXTS}
    for prefix, path, _fields in COLUMN_TABLES:
        columns = []
        for index in range(_rows(posted, prefix)):
            field = str(posted.get(f"{prefix}-{index}-field", "")).strip()
            if not field:
                continue
            width_text = str(posted.get(f"{prefix}-{index}-width", "")).strip()
            if width_text and not width_text.isdigit():
                where = f"{dict(FORM_TABLE_LABELS)[prefix]}第 {index + 1} 列"
                raise ValidationError(f"{where}的长度应为整数")
            columns.append(
                {
                    "field": field,
                    "width": int(width_text) if width_text else None,
                    "pad": str(posted.get(f"{prefix}-{index}-pad", "")) or " ",
                    "pad_side": str(posted.get(f"{prefix}-{index}-pad_side", "")) or "right",
                    "value": str(posted.get(f"{prefix}-{index}-value", "")),
                }
            )
        if len(path) == 1:
            data[path[0]] = columns
        else:
            returns[path[1]] = columns
    reasons: dict[str, str] = {}
    for index in range(_rows(posted, "reason")):
        text = str(posted.get(f"reason-{index}-text", "")).strip()
        if text:
            reasons[text] = str(posted.get(f"reason-{index}-code", "")).strip().upper()
    returns["reasons"] = reasons
    data["returns"] = returns
    return data


#: The column tables' headings on the form (and in its messages).
FORM_TABLE_LABELS: tuple[tuple[str, str], ...] = (
    ("summary", layouts.gettext_noop("汇总行")),
    ("details", layouts.gettext_noop("明细行")),
    ("success", layouts.gettext_noop("成功回盘明细")),
    ("failure", layouts.gettext_noop("失败回盘明细")),
    ("total", layouts.gettext_noop("回盘合计行")),
)
