"""The checks' writes: runs and their findings (``runs``), settling findings, rule settings and samples
(``settlement``)."""

from yikatong.checks.services.runs import (
    NO_LONGER_FOUND,
    approval_gate,
    check_roster,
    check_run,
    roster_subject,
)
from yikatong.checks.services.settlement import OUTCOME_ZH, finding_settle, rule_setting_change, sample_draw

__all__ = [
    "NO_LONGER_FOUND",
    "OUTCOME_ZH",
    "approval_gate",
    "check_roster",
    "check_run",
    "finding_settle",
    "roster_subject",
    "rule_setting_change",
    "sample_draw",
]
