"""The demo leaves two 永丰村 elders to look up, and the lookup answers for each as README says."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client, override_settings

from yikatong.demo.loader import load_demo_if_empty

pytestmark = pytest.mark.django_db


@override_settings(YIKATONG_LOOKUP_MIN_SECONDS=0)
def test_the_demo_examples_find_a_paid_and_a_reissued_elder(tmp_path: Path) -> None:
    assert load_demo_if_empty(data_dir=tmp_path, persons=10_000, echo=lambda _: None)
    rows = (tmp_path / "demo-registries" / "lookup-examples.txt").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("身份证号") and len(rows) == 3
    bodies = []
    for row in rows[1:]:
        id_number, name, last4, _ = row.split("\t")
        response = Client().post(
            "/public/lookup/", {"id_number": id_number, "name": name, "account_last4": last4}
        )
        assert b'data-testid="lookup-payments"' in response.content, row
        bodies.append(response.content.decode())
    assert "已到账" in bodies[0] and "2026-09" in bodies[0]
    # Each payment links to a complaint about it (the form carries the payment, nothing personal).
    assert 'data-testid="complain-payment"' in bodies[0] and "/public/complaints/?payment=" in bodies[0]
    assert "账户已销户" in bodies[1] and "第2次发放" in bodies[1]
    # The first has a phone on file: a code goes into the outbox for it.
    sent = Client().post("/public/lookup/code/", {"id_number": rows[1].split("\t")[0]})
    assert b"lookup-code-sent" in sent.content
