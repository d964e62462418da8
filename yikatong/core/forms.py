"""Long forms in sections: a form names its fieldsets once, and the shared field template
(``includes/field.html``, ``{% field %}`` / ``{% form_fields %}``) draws them with required fields marked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.utils.functional import Promise


@dataclass(frozen=True)
class Fieldset:
    """One section of a form: its key (for the template), legend and the fields it holds, in order."""

    key: str
    legend: str | Promise
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    """A section as drawn: its legend and its bound fields (those the form has: an edit may drop one)."""

    key: str
    legend: str
    fields: list[forms.BoundField]


class FieldsetsMixin:
    """A form whose fields are drawn in sections (``fieldsets``); every field belongs to exactly one."""

    fieldsets: tuple[Fieldset, ...] = ()

    def groups(self) -> list[Group]:
        """The sections with the form's bound fields; a field in no section, or in two, is a mistake."""
        form = cast(forms.BaseForm, self)
        named = [name for fieldset in self.fieldsets for name in fieldset.fields]
        missing = [name for name in form.fields if name not in named]
        twice = {name for name in named if named.count(name) > 1}
        if missing or twice:
            raise ValueError(
                f"{type(self).__name__}: fields in no fieldset {missing}, in two {sorted(twice)}"
            )
        return [
            Group(fs.key, str(fs.legend), [form[name] for name in fs.fields if name in form.fields])
            for fs in self.fieldsets
        ]


def has_required(form: Any) -> bool:
    """Whether any visible field of the form (or of each form of a formset) must be filled in."""
    forms_ = getattr(form, "forms", None)
    if forms_ is not None:
        return any(has_required(f) for f in forms_)
    return any(field.field.required for field in form.visible_fields())
