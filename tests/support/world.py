"""Factories: the 塔河县 organisation and users of every role in two townships."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.test import Client

from yikatong.accounts.models import User
from yikatong.accounts.roles import Role
from yikatong.accounts.services import user_create
from yikatong.demo.loader import load_reference_data

PASSWORD = "Tahe@2026-test"

TOWN_A = "232722100000"  # 塔河镇
VILLAGE_A = "232722100201"  # 永丰村
TOWN_B = "232722201000"  # 依西肯乡
VILLAGE_B = "232722201202"  # 安罗村
COUNTY = "232722000000"


@dataclass
class World:
    """Users keyed by (role, place), place being "county", "a", "b", "village_a" or "village_b"."""

    users: dict[tuple[str, str], User] = field(default_factory=dict)

    def user(self, role: str, place: str = "county") -> User:
        """The user of a role in a place."""
        return self.users[(role, place)]

    def client(self, role: str, place: str = "county") -> Client:
        """A browser signed in as the user of a role in a place."""
        client = Client()
        client.force_login(self.user(role, place))
        return client


_PLACES = {"county": COUNTY, "a": TOWN_A, "b": TOWN_B, "village_a": VILLAGE_A, "village_b": VILLAGE_B}
_DEPARTMENT = {
    Role.VILLAGE_CLERK: "gov",
    Role.TOWNSHIP_REVIEWER: "gov",
    Role.DEPT_REVIEWER: "mzj",
    Role.FINANCE: "czj",
    Role.HRSS: "rsj",
    Role.BANK_OPERATOR: "bank-abc",
    Role.AUDITOR: "sjj",
    Role.DISCLOSURE_OFFICER: "zfb",
    Role.ADMIN: "czj",
}


def make_user(role: str, region_code: str, *, username: str = "", department: str = "") -> User:
    """A user of a role in a region (department chosen to fit the role unless given)."""
    dept = department or _DEPARTMENT[role]
    if dept == "gov":
        dept = f"gov-{region_code[:9]}" if region_code[6:9] != "000" else "zfb"
    return user_create(
        username=username or f"{role}-{region_code}",
        password=PASSWORD,
        full_name=f"测试{Role(role).label}",
        role=role,
        region_code=region_code,
        department_code=dept,
        phone="13904571234",
        actor=None,
        check_password_strength=False,
    )


def build_world() -> World:
    """Reference data plus every role at county level and in townships A and B (clerks in villages)."""
    load_reference_data()
    world = World()
    for role in Role.values:
        places = ["village_a", "village_b"] if role == Role.VILLAGE_CLERK else ["county", "a", "b"]
        for place in places:
            world.users[(role, place)] = make_user(role, _PLACES[place])
    return world
