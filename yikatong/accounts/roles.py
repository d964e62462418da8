"""The roles of DESIGN.md and what each may see in clear."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_CLERK = "village_clerk", _("村/社区经办人")
    TOWNSHIP_REVIEWER = "township_reviewer", _("乡镇审核人")
    DEPT_REVIEWER = "dept_reviewer", _("业务主管部门审核人")
    FINANCE = "finance", _("财政局经办人")
    HRSS = "hrss", _("人社局经办人")
    BANK_OPERATOR = "bank_operator", _("代发银行操作员")
    AUDITOR = "auditor", _("审计/纪检人员")
    DISCLOSURE_OFFICER = "disclosure_officer", _("政务公开审核人")
    ADMIN = "admin", _("系统管理员")


# Roles whose rows are further limited to their own department (policies owned, bank served).
DEPARTMENT_SCOPED_ROLES = frozenset({Role.DEPT_REVIEWER, Role.BANK_OPERATOR})

# Roles that only read.
READ_ONLY_ROLES = frozenset({Role.AUDITOR})

# Who needs which personal data in clear to do their work; everyone else sees it masked.
CLEAR_TEXT_ROLES: dict[str, frozenset[str]] = {
    "id_number": frozenset({Role.VILLAGE_CLERK, Role.HRSS, Role.AUDITOR}),
    "account_no": frozenset({Role.HRSS, Role.AUDITOR}),
    "phone": frozenset({Role.VILLAGE_CLERK, Role.HRSS}),
    "name": frozenset(
        {
            Role.VILLAGE_CLERK,
            Role.TOWNSHIP_REVIEWER,
            Role.DEPT_REVIEWER,
            Role.FINANCE,
            Role.HRSS,
            Role.BANK_OPERATOR,
            Role.AUDITOR,
        }
    ),
}


def may_see_clear(role: str, kind: str) -> bool:
    """Whether a role sees a kind of personal data (id_number, account_no, phone, name) unmasked."""
    return role in CLEAR_TEXT_ROLES.get(kind, frozenset())
