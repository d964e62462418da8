"""The workbench's tiles show the user's work in figures, each counted inside the user's area and linked to
the list it was counted from; the menu, not the tiles, lists what the user may open."""

from __future__ import annotations

from django.test import Client

from tests.support.registry import make_card
from tests.support.rosters import elders, publish_elderly_allowance, township_reviewed
from tests.support.world import VILLAGE_B, World
from yikatong.accounts.models import User
from yikatong.accounts.permissions import MENU
from yikatong.workbench.dashboard import Tile, tiles_for


def _tiles(user: User) -> dict[str, Tile]:
    return {tile.key: tile for tile in tiles_for(user)}


def test_each_role_sees_the_tiles_of_its_own_work(world: World) -> None:
    assert set(_tiles(world.user("village_clerk", "village_a"))) == {
        "todo",
        "rosters",
        "findings",
        "persons",
        "tasks",
    }
    assert set(_tiles(world.user("township_reviewer", "a"))) >= {"todo", "rosters", "findings"}
    assert "policies" in _tiles(world.user("dept_reviewer")) and "policies" in _tiles(world.user("finance"))
    assert set(_tiles(world.user("bank_operator"))) == {"tasks"}
    assert {"audit", "staff"} <= set(_tiles(world.user("auditor")))
    assert "todo" not in _tiles(world.user("auditor"))


def test_the_figures_count_the_users_own_area(world: World) -> None:
    publish_elderly_allowance(world)
    people = elders(2, cards=False)
    make_card(people[0], account="6228480000000009999")
    elders(3, village=VILLAGE_B)
    roster = township_reviewed(world, people)

    hrss = _tiles(world.user("hrss"))["persons"]
    assert (hrss.value, hrss.note) == (5, "其中无正常社保卡 1 人")
    town_a = _tiles(world.user("hrss", "a"))["persons"]
    assert town_a.value == 2

    department = _tiles(world.user("dept_reviewer"))
    assert department["todo"].value == 1 and department["todo"].url == "/rosters/todo/"
    assert department["rosters"].value == 1
    assert _tiles(world.user("township_reviewer", "b"))["rosters"].value == 0
    finance = _tiles(world.user("finance"))["policies"]
    assert finance.label == "待审核政策版本" and finance.value == 0
    assert roster.state == "township_reviewed"


def test_no_tile_repeats_a_menu_entry_and_each_shows_a_figure(world: World) -> None:
    menu = {item.label for item in MENU}
    for user in world.users.values():
        for tile in tiles_for(user):
            assert tile.label not in menu, (user.role, tile.label)
            assert isinstance(tile.value, int)


def test_the_workbench_page_draws_the_tiles_and_the_recent_rosters(world: World) -> None:
    publish_elderly_allowance(world)
    township_reviewed(world, elders(1))
    client = Client()
    client.force_login(world.user("dept_reviewer"))
    page = client.get("/workbench/").content.decode()
    assert 'data-testid="tile-todo"' in page and "待我办理" in page
    assert 'data-testid="recent-rosters"' in page and "高龄津贴" in page
    assert "我的功能" not in page  # the old tiles that only repeated the menu
