"""The no-clear-data proof for the public disclosure: its modules cannot reach a clear field (they import
nothing of the registry or the payments and name none of their tables), the disclosure's own table has no
column that could hold clear data, and no public page carries a full ID number, account or mobile number."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.disclosure.disclosure_world import PERIOD, group, paid
from tests.disclosure.test_lookup_leaks import clear_data_in
from tests.support.world import VILLAGE_A, World
from yikatong.core.models import Region
from yikatong.disclosure import services
from yikatong.disclosure.models import DisclosedLine
from yikatong.payments.models import Payment

ROOT = Path(__file__).resolve().parents[2] / "yikatong" / "disclosure"
PUBLIC_MODULES = ["public_views.py", "public_selectors.py", "public_urls.py"]
# What the public modules may import: the masked selectors, the permission marker, regions and policies
# (no personal data), and Django and the standard library.
ALLOWED = re.compile(
    r"^(__future__|base64|datetime|json|re|dataclasses|typing|collections\.abc|django(\..+)?"
    r"|yikatong\.disclosure(\.public_selectors|\.public_views)?|yikatong\.accounts\.permissions"
    r"|yikatong\.core\.models|yikatong\.policies\.models)$"
)
CLEAR_TABLES = re.compile(r"registry_|payments_|rosters_|accounts_|complaints_")


def assert_clean(response: Any) -> None:
    """No clear personal number in the headers or the body; region codes (12 digits, public reference
    data that the filters and addresses carry) are taken out first, as they are no account number."""
    codes = re.compile("|".join(Region.objects.values_list("code", flat=True)) or "^$")
    headers = codes.sub("", "\n".join(f"{k}: {v}" for k, v in response.items()))
    body = codes.sub("", response.content.decode("utf-8", errors="replace"))
    assert clear_data_in(headers) == [], headers
    assert clear_data_in(body) == [], body[:2000]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "yikatong.disclosure":
                names |= {f"yikatong.disclosure.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_public_modules_import_nothing_that_holds_clear_data(module: str) -> None:
    path = ROOT / module
    imported = _imports(path)
    assert {name for name in imported if not ALLOWED.match(name)} == set(), module
    # Nor do they name a table of clear data in their SQL.
    strings = [n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)]
    assert [s for s in strings if isinstance(s, str) and CLEAR_TABLES.search(s)] == []


def test_public_views_read_only_through_the_masked_selectors() -> None:
    imported = _imports(ROOT / "public_views.py")
    assert {n for n in imported if n.startswith("yikatong.")} == {
        "yikatong.disclosure",
        "yikatong.disclosure.public_selectors",
        "yikatong.accounts.permissions",
    }


def test_the_public_selectors_return_only_masked_strings() -> None:
    from dataclasses import fields, is_dataclass

    from yikatong.disclosure import public_selectors

    types = [t for t in vars(public_selectors).values() if isinstance(t, type) and is_dataclass(t)]
    assert types and all(t.__dataclass_params__.frozen for t in types)  # type: ignore[attr-defined]
    names = {f.name for t in types for f in fields(t)}
    assert not names & {"name", "id_number", "account_no", "phone", "holder_name", "payment_id", "person_id"}


def test_disclosed_lines_have_no_column_for_clear_data() -> None:
    columns = {f.column for f in DisclosedLine._meta.concrete_fields}
    assert columns == {
        "id",
        "disclosure_id",
        "payment_id",
        "policy_id",
        "period",
        "village_id",
        "name_masked",
        "id_masked",
        "amount_fen",
        "paid_on",
        "disclosed_on",
        "withdrawn",
        "change_note",
    }


@pytest.mark.django_db
def test_no_public_disclosure_page_carries_clear_personal_data(world: World) -> None:
    villagers = paid(world, 4)
    officer = world.user("disclosure_officer")
    services.disclosure_approve(user=officer, today=dt.date(2026, 10, 9), **group())
    returned = Payment.objects.filter(status="paid").order_by("id").first()
    assert returned is not None
    Payment.objects.filter(pk=returned.pk).update(status="returned")
    services.disclosure_approve(user=officer, today=dt.date(2026, 10, 20), **group())
    client = Client()
    urls = [
        "/public/disclosure/",
        f"/public/disclosure/?village={VILLAGE_A}",
        f"/public/disclosure/?township={VILLAGE_A[:9]}000&policy=GLJT&period={PERIOD}",
        f"/public/disclosure/?q={villagers[0].name[0]}",
        f"/public/disclosure/{VILLAGE_A}/GLJT/{PERIOD}/",
        f"/public/disclosure/{VILLAGE_A}/GLJT/{PERIOD}/v1/",
        f"/public/disclosure/?q={villagers[0].id_number}",
    ]
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert_clean(response)
        for hop, _ in response.redirect_chain:
            assert clear_data_in(hop) == [], hop
        body = response.content.decode()
        assert all(v.id_number not in body for v in villagers)
