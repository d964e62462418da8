"""The catalogue of rules: each code of DESIGN.md's Checks table with severity, blocking flag, inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from yikatong.checks.engine import amounts, rules
from yikatong.checks.engine.frames import FINDING_COLUMNS
from yikatong.checks.engine.identity import name_links
from yikatong.checks.engine.inputs import AuditInputs


def gettext_noop(message: str) -> str:
    """Marks a rule's or severity's words for the English catalogue (the engine imports no Django): the
    platform's pages translate them where they show them, files and the command line keep the Chinese."""
    return message


SEVERITIES = ("high", "medium", "low")
SEVERITY_ZH = {"high": gettext_noop("高"), "medium": gettext_noop("中"), "low": gettext_noop("低")}


@dataclass(frozen=True)
class Rule:
    """核查规则: one check, the inputs it needs and how much a finding of it matters."""

    code: str
    severity: str
    blocking: bool
    title_zh: str
    needs: tuple[str, ...]
    check: Callable[[AuditInputs], pl.DataFrame]

    def __post_init__(self) -> None:
        """Refuse unknown severities."""
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.code}: unknown severity {self.severity!r}")

    def findings(self, inputs: AuditInputs) -> pl.DataFrame:
        """The rule's findings on these inputs, with its severity filled in."""
        found = self.check(inputs)
        if self.code != "ID_INVALID":
            # ID_INVALID says whom a mistyped number means; every other rule's finding names that link.
            found = name_links(inputs, found)
        return found.with_columns(
            pl.lit(self.code).alias("rule"), pl.lit(self.severity).alias("severity")
        ).select(FINDING_COLUMNS)


def _rule(
    code: str,
    severity: str,
    blocking: bool,
    title: str,
    needs: tuple[str, ...],
    check: Callable[[AuditInputs], pl.DataFrame],
) -> tuple[str, Rule]:
    return code, Rule(code, severity, blocking, title, ("lines", *needs), check)


CATALOGUE: dict[str, Rule] = dict(
    [
        _rule("ID_INVALID", "high", True, gettext_noop("身份证号无效"), (), rules.id_invalid),
        _rule("DECEASED", "high", True, gettext_noop("死亡人员冒领"), ("deaths",), rules.deceased),
        _rule("DUPLICATE", "high", True, gettext_noop("重复发放"), (), rules.duplicate),
        _rule("NO_CARD", "high", True, gettext_noop("无社保卡账户"), ("cards",), rules.no_card),
        _rule(
            "CARD_INACTIVE",
            "high",
            True,
            gettext_noop("社保卡挂失、冻结或注销"),
            ("cards",),
            rules.card_inactive,
        ),
        _rule(
            "ACCOUNT_MISMATCH",
            "high",
            True,
            gettext_noop("人卡分离（非本人社保卡）"),
            ("cards",),
            rules.account_mismatch,
        ),
        _rule("SHARED_ACCOUNT", "high", False, gettext_noop("一卡多人领取"), (), rules.shared_account),
        _rule(
            "OVER_STANDARD",
            "high",
            True,
            gettext_noop("超标准发放（多发）"),
            ("policies",),
            amounts.over_standard,
        ),
        _rule(
            "UNDER_STANDARD",
            "medium",
            False,
            gettext_noop("低于标准发放（少发、截留）"),
            ("policies",),
            amounts.under_standard,
        ),
        _rule(
            "AREA_EXCEEDS",
            "medium",
            False,
            gettext_noop("申报面积超过承包面积"),
            ("policies", "land"),
            amounts.area_exceeds,
        ),
        _rule("INELIGIBLE", "high", True, gettext_noop("不符合补贴条件"), ("policies",), amounts.ineligible),
        _rule("EXCLUSIVE", "high", True, gettext_noop("同期享受互斥项目"), ("policies",), rules.exclusive),
        _rule(
            "OUT_OF_REGION",
            "medium",
            False,
            gettext_noop("跨村申报（与户籍村不符）"),
            ("persons",),
            rules.out_of_region,
        ),
        _rule(
            "CADRE_HOUSEHOLD",
            "medium",
            False,
            gettext_noop("优亲厚友（干部家庭享受困难救助）"),
            ("policies", "persons", "cadres"),
            rules.cadre_household,
        ),
        _rule("MISSED", "medium", False, gettext_noop("漏发"), ("previous",), rules.missed),
        _rule("LATE", "low", False, gettext_noop("超过时限（迟发）"), ("events",), rules.late),
    ]
)

BLOCKING = frozenset(code for code, rule in CATALOGUE.items() if rule.blocking)

# Codes of findings that other parts of the platform open, not the engine (a complaint found true about a
# line); the pages name them like the catalogue's rules.
OUTSIDE_RULES: dict[str, str] = {"COMPLAINT": gettext_noop("投诉举报查实")}


def rule_title(code: str) -> str:
    """The Chinese title of a rule code, of the catalogue or opened outside it."""
    rule = CATALOGUE.get(code)
    return rule.title_zh if rule is not None else OUTSIDE_RULES.get(code, code)
