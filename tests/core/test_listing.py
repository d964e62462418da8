"""The one table component (core/listing.py): sorting by whitelisted keys only, as a database ORDER BY with
the primary key last, 50 rows a page, and links that keep the other query parameters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from tests.support.rosters import elders, publish_elderly_allowance
from tests.support.world import VILLAGE_A, World, make_user
from yikatong.accounts.models import User
from yikatong.core.listing import Column, Table, kept_query, query_with
from yikatong.rosters import services as rosters

PEOPLE = Table(
    columns=(
        Column("登录名", "username"),
        Column("姓名", "name", ("full_name", "-username")),
        Column("电话"),
        Column("人数", "count", ("pk",), num=True),
    ),
    default="username",
    extra=(("joined", ("date_joined",)),),
)


@pytest.mark.parametrize(
    ("asked", "used"),
    [
        ("name", "name"),
        ("-name", "-name"),
        ("joined", "joined"),
        ("", "username"),
        (None, "username"),
        ("password", "username"),  # a model field that is not a column's key
        ("full_name", "username"),  # the field itself, not the key
        ("--name", "username"),
        ("name;DROP TABLE x", "username"),
        ("-pk", "username"),
        ("NAME", "username"),
    ],
)
def test_only_a_columns_key_sorts(asked: str | None, used: str) -> None:
    assert PEOPLE.sort_of(asked) == used


def test_a_key_orders_by_its_fields_then_the_primary_key_in_one_direction() -> None:
    asc = [str(o) for o in PEOPLE.order_by("name")]
    desc = [str(o) for o in PEOPLE.order_by("-name")]
    assert asc == [
        "OrderBy(F(full_name), descending=False)",
        "OrderBy(F(username), descending=True)",
        "OrderBy(F(pk), descending=False)",
    ]
    assert desc == [
        "OrderBy(F(full_name), descending=True)",
        "OrderBy(F(username), descending=False)",
        "OrderBy(F(pk), descending=True)",
    ]
    assert all(o.nulls_last for o in PEOPLE.order_by("name"))


def test_a_default_that_is_no_key_is_refused_when_the_table_is_declared() -> None:
    with pytest.raises(ValueError, match="default sort"):
        Table(columns=(Column("姓名", "name"),), default="-created")


def test_headers_link_to_their_sort_the_current_one_the_other_way_round_and_keep_the_filters() -> None:
    request = RequestFactory().get("/x/", {"q": "张三", "sort": "name", "page": "3"})
    headers = PEOPLE.headers(request, PEOPLE.sort_of(request.GET["sort"]))
    by_label = {h.label: h for h in headers}
    assert by_label["姓名"].url == "?q=%E5%BC%A0%E4%B8%89&sort=-name"  # page dropped: a new order starts at 1
    assert (by_label["姓名"].direction, by_label["姓名"].aria_sort) == ("asc", "ascending")
    assert by_label["登录名"].url.endswith("sort=username") and by_label["登录名"].direction == ""
    assert by_label["电话"].url == ""  # not sortable
    assert by_label["人数"].num and not by_label["姓名"].num
    descending = PEOPLE.headers(request, "-name")
    assert descending[1].url.endswith("sort=name") and descending[1].direction == "desc"


def test_query_links_keep_every_other_parameter() -> None:
    params = QueryDict("region=232722100000&state=open&page=2")
    assert query_with(params, page="3") == "?region=232722100000&state=open&page=3"
    assert query_with(params, sort="-amount") == "?region=232722100000&state=open&sort=-amount"
    assert query_with(QueryDict("page=2"), page=None) == "?"


def test_a_posted_form_comes_back_to_the_same_page_and_order_but_nothing_else() -> None:
    assert kept_query(QueryDict("sort=-amount&page=2&q=x")) == "?sort=-amount&page=2"
    assert kept_query(QueryDict("sort=a%27%3B&page=二")) == ""
    assert kept_query(QueryDict("")) == ""


@pytest.fixture
def many_namesakes(world: World) -> list[User]:
    """120 staff users with one name, in random primary-key order against their user names."""
    made = [make_user("auditor", "232722000000", username=f"u{(i * 37) % 120:03d}") for i in range(120)]
    User.objects.filter(pk__in=[u.pk for u in made]).update(full_name="同名")
    return made


def test_sorting_is_one_order_by_in_the_database_and_equal_values_keep_their_place(
    world: World, many_namesakes: list[User]
) -> None:
    rows = User.objects.filter(full_name="同名")
    factory = RequestFactory()
    seen: list[int] = []
    with CaptureQueriesContext(connection) as queries:
        for number in (1, 2, 3):
            page = PEOPLE.page(factory.get("/", {"sort": "-name", "page": str(number)}), rows)
            seen += [u.pk for u in page.rows]
    assert len(seen) == 120 and len(set(seen)) == 120  # no row twice, none lost across pages
    # full_name ties, then username the other way round (ascending), then the primary key.
    assert seen == list(
        User.objects.filter(full_name="同名").order_by("username", "-pk").values_list("pk", flat=True)
    )
    selects = [q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"]]
    assert selects and all('"full_name" DESC' in sql for sql in selects)


def test_fifty_rows_a_page_and_a_page_past_the_end_is_the_last(
    world: World, many_namesakes: list[User]
) -> None:
    rows = User.objects.filter(full_name="同名")
    first = PEOPLE.page(RequestFactory().get("/"), rows)
    assert len(first.rows) == 50 and first.count == 120 and first.page.paginator.num_pages == 3
    last = PEOPLE.page(RequestFactory().get("/", {"page": "99"}), rows)
    assert last.page.number == 3 and len(last.rows) == 20
    junk = PEOPLE.page(RequestFactory().get("/", {"page": "abc", "sort": "x"}), rows)
    assert junk.page.number == 1 and junk.sort == "username"


def test_the_staff_list_pages_and_sorts_and_its_pager_speaks_chinese(
    world: World, many_namesakes: list[User]
) -> None:
    client = Client()
    client.force_login(world.user("admin"))
    page = client.get("/accounts/staff/", {"sort": "username"}).content.decode()
    assert 'data-testid="pager"' in page
    assert "第 1 / 3 页" in page and "下一页" in page and "上一页" in page
    assert 'href="?sort=username&amp;page=2" rel="next"' in page  # the sort survives paging
    assert 'aria-sort="ascending"' in page
    second = client.get("/accounts/staff/", {"sort": "-username", "page": "2"}).content.decode()
    assert "第 2 / 3 页" in second and 'rel="prev"' in second
    assert client.get("/accounts/staff/", {"sort": "password"}).status_code == 200


def test_the_roster_page_pages_its_lines_sorts_them_by_amount_and_a_review_comes_back_to_the_same_page(
    world: World,
) -> None:
    publish_elderly_allowance(world)
    clerk = world.user("village_clerk", "village_a")
    roster = rosters.roster_create(user=clerk, policy_code="GLJT", period="2026-10", village_code=VILLAGE_A)
    people = elders(60, cards=False)
    for i, person in enumerate(people):
        rosters.roster_line_add(
            user=clerk, roster=roster, person=person, quantity=Decimal(1), amount_fen=5000 + (i % 7) * 100
        )
    client = Client()
    client.force_login(clerk)
    first = client.get(f"/rosters/{roster.pk}/").content.decode()
    assert "第 1 / 2 页" in first and first.count('data-testid="line-') == 50
    assert 'data-testid="lines-total">' in first and "合计 60 人" in first
    by_amount = client.get(f"/rosters/{roster.pk}/", {"sort": "-amount", "page": "2"})
    amounts = [line.amount_fen for line in by_amount.context["table"].rows]
    assert amounts == sorted(amounts, reverse=True) and len(amounts) == 10
    assert min(line.amount_fen for line in roster.lines.all()) == amounts[-1]
    line = by_amount.context["table"].rows[0]
    response = client.post(
        f"/rosters/{roster.pk}/remove_line/?sort=-amount&page=2", {"line": line.pk}, follow=False
    )
    assert (
        response.status_code == 302 and response["Location"] == f"/rosters/{roster.pk}/?sort=-amount&page=2"
    )
