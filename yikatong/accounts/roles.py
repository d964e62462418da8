"""The roles of DESIGN.md (what each may do: ``permissions.py``)."""

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
