"""What an audit event changed: its recorded values before and after, field by field (no Django)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Records of these models name a person (受益人, 死亡人员, 村干部及财政供养人员): their label and their
# ``name`` are personal data. A policy's, a region's, a department's or a bank's name is not.
PERSON_TYPES = frozenset({"registry.person", "registry.deathrecord", "registry.cadrerecord"})


def name_is_personal(object_type: str, *, has_own_name: bool) -> bool:
    """Whether the ``name`` in a record of this object type is a person's name, to be masked.

    It is not only where it is the recorded object's own name (``has_own_name``: its model has a ``name``
    field) and the object is no person. A ``name`` in a record of anything else, or of no object, may be
    anyone's, so it is masked: the safe side.
    """
    return object_type in PERSON_TYPES or not (object_type and has_own_name)


@dataclass(frozen=True)
class Change:
    """One field of an event: its value before and after (None where that side was not recorded)."""

    key: str
    before: Any
    after: Any

    @property
    def changed(self) -> bool:
        """Whether the value differs between the two sides."""
        return self.before != self.after


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> tuple[list[Change], int]:
    """The fields to show for an event, and how many unchanged fields were left out.

    With both sides recorded (a change), only the fields that differ; with one side (a creation, a count,
    an outcome), every field of it. Keys in the order recorded, the after side first.
    """
    old, new = dict(before or {}), dict(after or {})
    keys = list(dict.fromkeys([*new, *old]))
    rows = [Change(key, old.get(key), new.get(key)) for key in keys]
    if before is None or after is None:
        return rows, 0
    shown = [row for row in rows if row.changed]
    return shown, len(rows) - len(shown)
