"""Findings of LATE keep their identity when it stops being read out of their wording.

A roster's LATE finding was keyed "roster:<id>:<step as worded>应于<deadline>", the wording parsed back out of
the Chinese explanation. It is now "roster:<id>:<state whose step is awaited>:<deadline>", built from the
engine's structured subject. This migration rewrites the old keys so that a re-check finds the same finding,
settled ones included, instead of opening a new one.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations

# The step each roster state awaits, as it was worded in the key (rosters.domain.workflow.AWAITED).
AWAITED_WORDS = {
    "提交名册": "draft",
    "开始公示": "submitted",
    "公示期满后结束公示": "publicizing",
    "乡镇审核": "publicized",
    "主管部门审批": "township_reviewed",
    "村（社区）修改后重新提交": "returned",
}
LEGACY = re.compile(r"^roster:(?P<roster>\d+):.*“(?P<step>[^”]+)”应于(?P<due>\d{4}-\d{2}-\d{2})$")


def structured_subject(subject: str) -> str | None:
    """The new key of an old roster subject, or None when the subject is not an old roster one."""
    found = LEGACY.match(subject)
    if found is None or found["step"] not in AWAITED_WORDS:
        return None
    return f"roster:{found['roster']}:{AWAITED_WORDS[found['step']]}:{found['due']}"


def forwards(apps: Any, schema_editor: Any) -> None:
    """Rewrite the old roster subjects in place (few rows: one per roster and step)."""
    finding = apps.get_model("checks", "Finding")
    for pk, subject in finding.objects.filter(subject__startswith="roster:").values_list("pk", "subject"):
        new = structured_subject(subject)
        if new is not None:
            finding.objects.filter(pk=pk).update(subject=new)


class Migration(migrations.Migration):
    dependencies = [("checks", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
