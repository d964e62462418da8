"""Template helpers: personal data shown masked unless the viewer's role needs it, money in 元, the
listings' header rows and the forms' fields (required ones marked)."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils.safestring import mark_safe

from yikatong.accounts.permissions import allowed, shown
from yikatong.core.forms import FieldsetsMixin, has_required
from yikatong.core.listing import TablePage
from yikatong.core.money import fen_to_yuan

register = template.Library()

# The one way a required field is marked: a red * that screen readers skip (the field says it is required).
REQUIRED_MARK = '<span class="required-mark" aria-hidden="true">*</span>'


@register.simple_tag(takes_context=True)
def personal(context: dict[str, Any], value: str | None, kind: str) -> str:
    """`{% personal person.id_number "id_number" %}`: clear for roles that need it, masked otherwise."""
    request = context.get("request")
    user = getattr(request, "user", None)
    role = getattr(user, "role", "") if user is not None and user.is_authenticated else ""
    return shown(role, kind, value)


@register.simple_tag(takes_context=True)
def may(context: dict[str, Any], code: str) -> bool:
    """`{% may "roster.approve" as may_approve %}`: whether the signed-in user may take the action."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and allowed(user, code))


@register.filter
def yuan(fen: int | None) -> str:
    """Fen as 元 with two decimals."""
    return "" if fen is None else fen_to_yuan(int(fen))


@register.inclusion_tag("includes/table_head.html")
def table_head(table: TablePage, extra: str = "") -> dict[str, Any]:
    """`{% table_head table %}`: a listing's header row, each sortable column a link (``core.listing``);
    ``extra`` names one more, unsortable column at the end (the row's actions)."""
    return {"table": table, "extra": extra}


@register.inclusion_tag("includes/field.html")
def field(bound: forms.BoundField) -> dict[str, Any]:
    """`{% field form.name %}`: one field with its label (a * when it must be filled in), help and errors."""
    return {"field": bound, "required": bound.field.required}


@register.inclusion_tag("includes/form_fields.html")
def form_fields(form: forms.BaseForm) -> dict[str, Any]:
    """`{% form_fields form %}`: a whole form's fields through ``{% field %}``, in its fieldsets when it names
    them (``core.forms.FieldsetsMixin``), with its hidden fields, its own errors and the legend for the *."""
    groups = form.groups() if isinstance(form, FieldsetsMixin) else []
    return {"form": form, "groups": groups, "legend": has_required(form)}


@register.inclusion_tag("includes/required_legend.html")
def required_legend(*forms_: Any) -> dict[str, Any]:
    """`{% required_legend form formset %}`: “带 * 为必填” above a form with a required field (always, when
    given no form: a hand-written form marks its fields with ``{% required_mark %}``)."""
    return {"show": not forms_ or any(has_required(f) for f in forms_)}


@register.simple_tag
def required_mark() -> str:
    """`{% required_mark %}`: the * after the label of a field that must be filled in."""
    return mark_safe(REQUIRED_MARK)  # noqa: S308 - a constant of this module
