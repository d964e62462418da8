"""Demo disclosure (补贴发放公开), walked through the real service on the story's own day:

- 永丰村 September (高龄津贴): paid 55 days ago, its one failed line re-issued and paid 51 days ago; the
  disclosure officer (``disclosure``, 陈雪) approves the village's list the next morning, well inside the
  20-working-day limit, so the public portal shows it (补贴发放公开 → 永丰村 2026-09).
"""

from __future__ import annotations

from yikatong.accounts.models import User
from yikatong.demo.clock import StoryClock
from yikatong.disclosure import selectors, services

VILLAGE = "232722100201"  # 永丰村


def september_disclosed(clock: StoryClock) -> int:
    """Approve what is due for 永丰村 (its September payments); return how many revisions were published."""
    officer = User.objects.get(username="disclosure")
    published = 0
    with clock.days_ago(50, hour=8):
        for due in selectors.due_list(VILLAGE):
            services.disclosure_approve(
                user=officer, policy_id=due.policy_id, period=due.period, village_code=due.village_code
            )
            published += 1
    return published
