"""The demo's 个人查询: who to look up. Two elders of 永丰村 paid 高龄津贴 for September — one paid at once,
one whose card was closed (AC04), given a new card and paid in the second round — are written with their
ID number, name and the card account's last four digits to ``lookup-examples.txt`` beside the demo's
registry files (which hold the same people in clear already), so that README's "where to click" can say
what to type. The first is given a phone on file, so that the one-time code can be tried too: the demo's
SMS gateway sends nothing, and the code is read on 逐项告知短信 (sign in as ``finance``)."""

from __future__ import annotations

from pathlib import Path

from yikatong.core.fields import blind_index
from yikatong.payments.models import Payment
from yikatong.registry.models import Person, SocialSecurityCard

YONGFENG = "232722100201"  # 永丰村
DEMO_PHONE = "13904571234"


def _example(person: Person, note: str) -> str:
    card = SocialSecurityCard.objects.filter(person=person).order_by("-opened_at").first()
    last4 = card.account_no[-4:] if card is not None else "----"
    return f"{person.id_number}\t{person.name}\t{last4}\t{note}"


def write_lookup_examples(out_dir: Path) -> Path | None:
    """Pick the two elders and write the examples file; None when September was not paid."""
    paid = (
        Payment.objects.filter(
            line__village_id=YONGFENG, line__plan__period="2026-09", status="paid", attempt=1
        )
        .select_related("line__person")
        .order_by("line__person_id")
        .first()
    )
    if paid is None:
        return None
    person = paid.line.person
    if not person.phone:
        Person.objects.filter(pk=person.pk).update(
            phone=DEMO_PHONE, phone_bidx=blind_index(DEMO_PHONE, context="person.phone") or ""
        )
        person.refresh_from_db()
    lines = [
        "身份证号\t姓名\t社保卡账号后四位\t说明",
        _example(person, "9月高龄津贴已到账；登记了手机号，可用验证码查询"),
    ]
    again = (
        Payment.objects.filter(
            line__village_id=YONGFENG, line__plan__period="2026-09", status="paid", attempt=2
        )
        .select_related("line__person")
        .first()
    )
    if again is not None:
        lines.append(_example(again.line.person, "第一次发放失败（账户已销户），补办新卡后补发到账"))
    path = out_dir / "lookup-examples.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
