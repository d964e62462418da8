"""What the complaints hand to the apps below them: the open complaints a proved person filed (the personal
lookup) and the monitoring page's section."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from yikatong.accounts.permissions import allowed
from yikatong.complaints import selectors
from yikatong.disclosure.lookup import FiledComplaint, LookupSubject


def lookup_source(subject: LookupSubject) -> list[FiledComplaint]:
    """The open complaints filed under the proved person's ID number."""
    return [
        FiledComplaint(number=c.number, topic=c.topic, filed_on=c.filed_on, state=c.state, due_on=c.due_on)
        for c in selectors.complaints_filed_by(subject.id_bidx)
    ]


def monitor_context(user: Any, filters: Any) -> dict[str, Any]:
    """The complaints' figures for the monitoring page (none for a reader who may not see complaints)."""
    if not allowed(user, "complaint.view"):
        return {"hidden": True}
    stats = selectors.statistics(
        user=user, policy_code=getattr(filters, "policy", ""), township=getattr(filters, "township", "")
    )
    breakdowns = [
        (gettext("按补贴项目"), stats.by_policy),
        (gettext("按乡镇"), stats.by_township),
        (gettext("按类型"), stats.by_kind),
        (gettext("按办理结果"), stats.by_result),
    ]
    return {"stats": stats, "breakdowns": breakdowns}
