"""The notices' pure rules: filling a notice template, and the retry schedule."""

from __future__ import annotations

import datetime as dt

import pytest

from yikatong.core.domain.template import DEFAULT_TEMPLATE, TemplateError, placeholders, render
from yikatong.notices.domain import outbox

PARAMS = {
    "policy": "高龄津贴",
    "period": "2026-10",
    "amount": "50.00",
    "date": "2026-10-28",
    "bank": "中国农业银行",
}


def test_the_default_template_reads_as_the_issue_wants() -> None:
    text = render(DEFAULT_TEMPLATE, {**PARAMS, "signature": "塔河县财政局"})
    assert text == (
        "【塔河县财政局】您的高龄津贴2026-10补贴50.00元已于2026-10-28发放至您的中国农业银行社保卡账户，"
        "如有疑问请咨询村（社区）或拨打12345。"
    )
    assert placeholders(DEFAULT_TEMPLATE) == ["signature", "policy", "period", "amount", "date", "bank"]


def test_a_template_is_filled_only_from_named_parameters() -> None:
    assert render("{{说明}}{policy}：{amount}元，{policy}", PARAMS) == "{说明}高龄津贴：50.00元，高龄津贴"
    with pytest.raises(TemplateError, match=r"\{village\}、\{head\}"):
        render("{village}{head}{village}", PARAMS)
    with pytest.raises(TemplateError, match="只能是参数名"):
        render("{amount:>10}", PARAMS)
    with pytest.raises(TemplateError, match="只能是参数名"):
        render("{policy.name}", PARAMS)
    with pytest.raises(TemplateError, match="花括号不成对"):
        render("您的{policy", PARAMS)


def test_retries_wait_longer_each_time_and_stop_when_the_attempts_are_spent() -> None:
    base, now = dt.timedelta(minutes=5), dt.datetime(2026, 10, 28, 9, 0, tzinfo=dt.UTC)
    assert [outbox.backoff(n, base) for n in (1, 2, 3)] == [base, base * 2, base * 4]
    assert outbox.backoff(30, base) == dt.timedelta(days=1)
    first = outbox.after_failure(attempts=1, max_attempts=3, now=now, base=base)
    assert first == outbox.AfterFailure(outbox.FAILED, now + base)
    assert outbox.after_failure(attempts=3, max_attempts=3, now=now, base=base) == outbox.AfterFailure(
        outbox.GAVE_UP, None
    )


def test_delivery_reports_are_asked_for_less_often_as_messages_age() -> None:
    minute = dt.timedelta(minutes=1)
    assert outbox.next_poll(youngest_sent_age=dt.timedelta(seconds=5), interval=minute) == minute
    assert outbox.next_poll(youngest_sent_age=dt.timedelta(hours=8), interval=minute) == dt.timedelta(hours=2)
