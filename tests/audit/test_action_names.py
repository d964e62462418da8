"""Every action code recorded anywhere in the code base has a name in yikatong/audit/names.py.

The source is read for every call of ``audit_record``: a literal code must be in the table; a code built
with an f-string must be one of the families below, whose every value is enumerated from where the code
takes it (the roster workflow, the check kinds, the registry kinds, the admin's models).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

from django.contrib import admin
from django.utils import translation

from yikatong.audit.names import ACTIONS, action_choices, action_name
from yikatong.checks.models import RunKind
from yikatong.payments.domain import plans as plan_moves
from yikatong.registry.models import RegistryKind
from yikatong.rosters.domain import workflow

PACKAGE = Path(__file__).resolve().parents[2] / "yikatong"


def _admin_codes() -> set[str]:
    """The models whose admin saves through the audit log (AdminRoleOnly.save_model)."""
    from yikatong.workbench.admin import AdminRoleOnly

    audited = [m for m, model_admin in admin.site._registry.items() if isinstance(model_admin, AdminRoleOnly)]
    return {f"{m._meta.model_name}.{how}" for m in audited for how in ("change", "create")}


# The f-string families, by their shape ({} for each interpolation), and every code each can make.
FAMILIES: dict[str, Callable[[], set[str]]] = {
    "roster.{}": lambda: {f"roster.{target}" for _, target in workflow.MOVES},
    "plan.{}": lambda: {f"plan.{target}" for _, target in plan_moves.MOVES},
    "checks.run.{}": lambda: {f"checks.run.{kind}" for kind in RunKind.values},
    "registry.import.{}": lambda: {f"registry.import.{kind}" for kind in RegistryKind.values},
    "{}.{}": _admin_codes,
}


def _codes(node: ast.expr, where: str) -> tuple[set[str], set[str]]:
    """(literal codes, f-string shapes) an ``action=`` expression can take."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}, set()
    if isinstance(node, ast.IfExp):
        body, orelse = _codes(node.body, where), _codes(node.orelse, where)
        return body[0] | orelse[0], body[1] | orelse[1]
    if isinstance(node, ast.JoinedStr):
        shape = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        return set(), {shape}
    raise AssertionError(f"{where}: action is neither a literal nor an f-string; name its codes in this test")


def _recorded() -> tuple[dict[str, str], dict[str, str]]:
    literals: dict[str, str] = {}
    shapes: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name != "audit_record":
                continue
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            action = next((k.value for k in node.keywords if k.arg == "action"), None)
            assert action is not None, f"{where}: audit_record without action="
            codes, found = _codes(action, where)
            literals.update(dict.fromkeys(codes, where))
            shapes.update(dict.fromkeys(found, where))
    return literals, shapes


def test_the_scan_finds_the_calls() -> None:
    literals, shapes = _recorded()
    assert {"login.success", "login.failed", "policy.update"} <= set(literals)
    assert "roster.{}" in shapes


def test_every_literal_code_has_a_chinese_name() -> None:
    literals, _ = _recorded()
    missing = sorted(f"{where}: {code}" for code, where in literals.items() if code not in ACTIONS)
    assert missing == [], "give these action codes a name in yikatong/audit/names.py"


def test_every_code_of_every_family_has_a_chinese_name() -> None:
    _, shapes = _recorded()
    unknown = sorted(f"{where}: {shape}" for shape, where in shapes.items() if shape not in FAMILIES)
    assert unknown == [], "a new f-string action code: add its family (and every value) to FAMILIES"
    codes = set().union(*(FAMILIES[shape]() for shape in shapes))
    assert "roster.approved" in codes and "region.change" in codes
    assert sorted(codes - set(ACTIONS)) == []


def test_names_are_chinese_and_english_in_english() -> None:
    assert action_name("login.success") == "登录成功"
    assert action_name("login.failed") == "登录失败"
    assert action_name("policy.update") == "修改政策"
    assert action_name("no.such-code") == "no.such-code"  # old events keep their code
    with translation.override("en"):
        assert action_name("login.failed") == "Sign-in failed"
        groups = dict(action_choices())
        assert ("policy.update", "Policy changed") in groups["Policies"]
