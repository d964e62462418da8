"""The one table of who may do what (DESIGN.md "Who uses it"): every action of the platform → the roles that
may take it, and the rows it reaches.

Every screen, API operation, export, command and service asks ``authorize(user, "roster.approve", obj)``;
it raises ``AccessDenied`` (a ``PermissionDenied``), which each channel renders in its own way: the 403
page, a 403 API error with the message, one line on the command line. Menus and buttons ask ``allowed``.
"Which rows" is ``core.restrict`` (region subtree, and the department for department-scoped roles); with an
object, ``authorize`` asks it too. The table is rendered in docs/permissions.md
(``bin/permissions-doc``, checked to be current by the tests).

``user=None`` is the system itself: a command run by whoever holds the server's shell and database keys
(imports without ``--user``, ``yikatong check``, ``auditlog verify``); it passes every check.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_noop

from yikatong.accounts.roles import Role
from yikatong.core import masking
from yikatong.core.restrict import AccessDenied, ensure_in_scope

VILLAGE, TOWNSHIP, DEPT = Role.VILLAGE_CLERK, Role.TOWNSHIP_REVIEWER, Role.DEPT_REVIEWER
FINANCE, HRSS, BANK = Role.FINANCE, Role.HRSS, Role.BANK_OPERATOR
AUDITOR, DISCLOSURE, ADMIN = Role.AUDITOR, Role.DISCLOSURE_OFFICER, Role.ADMIN
STAFF = frozenset(Role.values)
NOT_BANKS = STAFF - {BANK}
ROSTER_READERS = frozenset({VILLAGE, TOWNSHIP, DEPT, FINANCE, AUDITOR, ADMIN})
WATCHERS = frozenset({FINANCE, AUDITOR, DEPT, TOWNSHIP, ADMIN})

# How far an action reaches, in the words of the docs table.
REGION = "本人区划及下级"
REGION_DEPT = "本人区划及下级；主管部门只限本部门的补贴项目"
OWN = "本人的"
VILLAGE_ROWS = "本村（社区）"
ALL_ROWS = "全部（公开或参考数据）"
BANK_ROWS = "本人区划及下级；代发银行只限本行"


@dataclass(frozen=True)
class Action:
    """One thing a user can do: who may, how far it reaches, whether it changes data, and the refusal."""

    code: str
    title: str
    roles: frozenset[str]
    rows: str = REGION
    writes: bool = False
    refusal: str = ""

    def refusal_zh(self) -> str:
        """The Chinese message for a role that may not."""
        if self.refusal:
            return self.refusal
        who = "、".join(str(Role(role).label) for role in Role.values if role in self.roles)
        return f"无权{self.title}：只有{who}可以办理"


def _actions(*actions: Action) -> dict[str, Action]:
    table = {action.code: action for action in actions}
    assert len(table) == len(actions), "an action code appears twice"
    return table


ACTIONS: dict[str, Action] = _actions(
    # --- the workbench, reference data, users and tokens -------------------------------------------------
    Action("workbench.view", "查看工作台", STAFF, OWN),
    Action("region.view", "查看行政区划", STAFF),
    Action("staff.view", "查看工作人员", frozenset({ADMIN, AUDITOR})),
    Action("staff.create", "新建工作人员账号", frozenset({ADMIN}), writes=True),
    Action("token.manage", "管理本人的API令牌", STAFF, OWN, writes=True),
    Action("token.manage_others", "为他人签发、吊销API令牌", frozenset({ADMIN}), writes=True),
    # --- the data-sharing API (数据共享) --------------------------------------------------------------
    Action("changes.view", "读取变更订阅", NOT_BANKS, REGION_DEPT),
    Action(
        "sharing.disclosure_status",
        "获取补贴发放公开状态",
        frozenset({DEPT, FINANCE, AUDITOR, ADMIN, DISCLOSURE}),
        REGION_DEPT,
    ),
    Action("sharing.status", "查看数据共享状态", frozenset({FINANCE, AUDITOR, ADMIN})),
    Action("reference.admin", "维护区划、部门等参考数据（管理后台）", frozenset({ADMIN}), writes=True),
    # --- the audit log and background tasks ---------------------------------------------------------------
    Action(
        "auditlog.view",
        "查看审计日志",
        frozenset({AUDITOR, ADMIN}),
        refusal="只有审计人员和系统管理员可以查看审计日志",
    ),
    Action("auditlog.verify", "校验审计日志摘要链", frozenset({AUDITOR, ADMIN})),
    Action("task.view", "查看本人发起的后台任务", STAFF, OWN),
    Action("task.view_all", "查看区划内全部后台任务（含他人的导入错误报告）", frozenset({AUDITOR, ADMIN})),
    # --- the registry: persons, cards, agent banks, imports ----------------------------------------------
    Action("person.search", "查询人员", NOT_BANKS),
    Action("person.view", "查看人员详情", NOT_BANKS),
    Action("card.register", "登记社保卡账户", frozenset({HRSS, ADMIN}), writes=True),
    Action("card.change_status", "变更社保卡状态（挂失、冻结、注销）", frozenset({HRSS, ADMIN}), writes=True),
    Action("bank.view", "查看代发银行", STAFF, ALL_ROWS),
    Action("bank.edit", "维护代发银行及协议", frozenset({HRSS, ADMIN}), ALL_ROWS, writes=True),
    Action("import.persons", "导入人员信息", frozenset({HRSS, ADMIN, VILLAGE}), writes=True),
    Action("import.cards", "导入社保卡账户", frozenset({HRSS, ADMIN}), writes=True),
    Action("import.deaths", "导入死亡人员", frozenset({HRSS, ADMIN, DEPT}), writes=True),
    Action("import.cadres", "导入村干部及财政供养人员", frozenset({ADMIN, FINANCE, DEPT}), writes=True),
    Action("import.land", "导入土地承包", frozenset({ADMIN, DEPT}), writes=True),
    Action(
        "import.view",
        "查看导入批次及错误报告",
        frozenset({HRSS, ADMIN, VILLAGE, DEPT, FINANCE, AUDITOR}),
        "本人区划内、本人角色可导入的数据种类；错误报告含原始身份证号",
    ),
    Action("import.view_all", "查看区划内全部种类的导入批次及错误报告", frozenset({AUDITOR, ADMIN})),
    Action("snapshot.view", "查看比对数据快照", NOT_BANKS),
    # --- the policy list ---------------------------------------------------------------------------------
    Action("policy.view", "查看补贴政策清单", STAFF, ALL_ROWS),
    Action("policy.export", "导出补贴政策清单", STAFF, ALL_ROWS),
    Action("policy.draft", "起草、修改补贴政策", frozenset({DEPT, FINANCE, ADMIN}), REGION_DEPT, writes=True),
    Action("policy.import", "导入补贴政策清单", frozenset({DEPT, FINANCE, ADMIN}), REGION_DEPT, writes=True),
    Action("policy.submit", "提交补贴政策版本", frozenset({DEPT, FINANCE, ADMIN}), REGION_DEPT, writes=True),
    Action("policy.publish", "发布、退回或停止执行补贴政策", frozenset({FINANCE}), writes=True),
    # --- rosters, public notice, review ------------------------------------------------------------------
    Action("roster.view", "查看申报名册", ROSTER_READERS, REGION_DEPT),
    Action("roster.todo", "查看我的待办", frozenset({VILLAGE, TOWNSHIP, DEPT}), REGION_DEPT),
    Action("roster.create", "建立申报名册", frozenset({VILLAGE}), VILLAGE_ROWS, writes=True),
    Action(
        "roster.edit", "填报名册（添加、删除、上传、预填）", frozenset({VILLAGE}), VILLAGE_ROWS, writes=True
    ),
    Action("roster.submit", "提交名册并开始公示", frozenset({VILLAGE}), VILLAGE_ROWS, writes=True),
    Action("roster.correct", "更正或撤回核查退回的行", frozenset({VILLAGE}), VILLAGE_ROWS, writes=True),
    Action("objection.record", "登记书面异议", frozenset({VILLAGE}), VILLAGE_ROWS, writes=True),
    Action("objection.settle", "处理公示异议", frozenset({VILLAGE}), VILLAGE_ROWS, writes=True),
    Action("publicity.close", "结束公示", frozenset({VILLAGE}), VILLAGE_ROWS, writes=True),
    Action("roster.review", "乡镇审核名册", frozenset({TOWNSHIP}), "本乡镇", writes=True),
    Action("roster.return", "退回名册", frozenset({TOWNSHIP, DEPT}), REGION_DEPT, writes=True),
    Action("roster.approve", "审批名册", frozenset({DEPT}), REGION_DEPT, writes=True),
    # --- checks, findings, monitoring --------------------------------------------------------------------
    Action("monitor.view", "查看事中跟踪监控", WATCHERS, REGION_DEPT),
    Action("finding.view", "查看核查疑点", WATCHERS | {VILLAGE}, REGION_DEPT),
    Action(
        "finding.settle",
        "处理核查疑点",
        frozenset({DEPT, FINANCE}),
        REGION_DEPT,
        writes=True,
        refusal="核查疑点由业务主管部门或财政局处理",
    ),
    Action("checkrun.view", "查看核查批次及导出", WATCHERS, REGION_DEPT),
    Action("checkrun.start", "发起在途核查", frozenset({DEPT, FINANCE, AUDITOR}), REGION_DEPT, writes=True),
    Action("posthoc.run", "发起事后专项核查", frozenset({AUDITOR, FINANCE}), writes=True),
    Action("sample.draw", "抽样核实", frozenset({AUDITOR, FINANCE}), writes=True),
    # --- disbursement: budgets, plans, batches, bank files and returns, failed payments -------------------
    Action("budget.view", "查看预算指标及执行", frozenset({FINANCE, DEPT, AUDITOR, ADMIN}), REGION_DEPT),
    Action("budget.edit", "录入预算指标", frozenset({FINANCE}), writes=True),
    Action("plan.view", "查看发放计划", frozenset({DEPT, FINANCE, AUDITOR, ADMIN}), REGION_DEPT),
    Action("plan.build", "编制、核查、作废发放计划", frozenset({DEPT}), REGION_DEPT, writes=True),
    Action("plan.submit", "提交发放计划到财政", frozenset({DEPT}), REGION_DEPT, writes=True),
    Action(
        "plan.approve",
        "审批发放计划（国库集中支付）",
        frozenset({FINANCE}),
        writes=True,
        refusal="发放计划由财政局审批",
    ),
    Action("batch.view", "查看发放批次及银行回盘", frozenset({FINANCE, BANK, AUDITOR, ADMIN}), BANK_ROWS),
    Action("batch.download", "下载代发文件", frozenset({FINANCE, BANK}), BANK_ROWS, writes=True),
    Action("return.import", "导入银行回盘", frozenset({BANK, FINANCE}), BANK_ROWS, writes=True),
    Action(
        "bank.simulate", "模拟银行回盘（演示环境）", frozenset({BANK, FINANCE, ADMIN}), BANK_ROWS, writes=True
    ),
    Action("bank.setup", "维护代发文件格式", frozenset({ADMIN}), ALL_ROWS, writes=True),
    Action(
        "payment.fix",
        "更正发放失败的行（登记新卡、更正户名账号）",
        frozenset({VILLAGE, HRSS, DEPT, FINANCE}),
        REGION_DEPT,
        writes=True,
    ),
    Action("payment.decide", "决定已达补发上限的行", frozenset({FINANCE}), writes=True),
    Action("payment.reissue", "补发已更正的行", frozenset({FINANCE}), writes=True),
    Action("notice.view", "查看逐项告知短信", frozenset({FINANCE, AUDITOR, ADMIN, HRSS})),
    Action("notice.retry", "重新发送失败的告知短信", frozenset({FINANCE, ADMIN}), writes=True),
    # --- complaints and reports (投诉举报) -----------------------------------------------------------
    Action("complaint.view", "查看投诉举报", WATCHERS, REGION_DEPT),
    Action(
        "complaint.handle",
        "办理投诉举报（答复、要求补充材料、转办、办结）",
        frozenset({DEPT, TOWNSHIP}),
        "本人区划及下级；只限本部门承办的",
        writes=True,
        refusal="投诉举报由承办部门（业务主管部门或乡镇人民政府）办理",
    ),
    Action(
        "complaint.identity",
        "查看投诉举报人身份",
        frozenset({DEPT, TOWNSHIP, AUDITOR}),
        "承办部门承办的；审计人员本人区划及下级",
    ),
    Action(
        "complaint.attachment",
        "查看投诉举报附件",
        frozenset({DEPT, TOWNSHIP, AUDITOR}),
        "承办部门承办的；审计人员本人区划及下级",
    ),
    # --- disclosure (补贴发放公开) ---------------------------------------------------------------------
    Action(
        "disclosure.view", "查看待公开和已公开的补贴发放", frozenset({DISCLOSURE, AUDITOR, FINANCE, ADMIN})
    ),
    Action("disclosure.approve", "审核公开补贴发放（含更正）", frozenset({DISCLOSURE}), writes=True),
    Action(
        "disclosure.withdraw",
        "核实不符后撤回已公开的发放",
        frozenset({DISCLOSURE, DEPT, TOWNSHIP}),
        REGION_DEPT,
        writes=True,
    ),
    # --- budgets and performance targets, dual monitoring (绩效双监控) --------------------------------------
    Action(
        "performance.view",
        "查看预算绩效目标、双监控及绩效评价报告",
        frozenset({FINANCE, DEPT, AUDITOR, ADMIN, DISCLOSURE}),
        REGION_DEPT,
    ),
    Action(
        "performance.draft",
        "起草、调整预算和绩效目标，填报满意度调查结果",
        frozenset({DEPT}),
        REGION_DEPT,
        writes=True,
    ),
    Action(
        "performance.approve",
        "同步审核下达预算和绩效目标",
        frozenset({FINANCE}),
        writes=True,
        refusal="预算和绩效目标由财政局同步审核、同步下达",
    ),
    Action("performance.publish", "向社会公开绩效评价摘要", frozenset({DISCLOSURE}), writes=True),
    Action("rule.view", "查看核查规则设置", WATCHERS, ALL_ROWS),
    Action(
        "rule.change",
        "调整核查规则是否阻断发放",
        frozenset({FINANCE, ADMIN}),
        ALL_ROWS,
        writes=True,
        refusal="只有财政局或系统管理员可以调整核查规则是否阻断发放",
    ),
)


@dataclass(frozen=True)
class MenuItem:
    """One link of the workbench menu: shown to the users who may take its action."""

    label: str
    url_name: str
    action: str
    group: str = gettext_noop("工作台")


# Labels are marked for the catalogue here and translated when the menu is drawn (workbench.menu).
MENU: tuple[MenuItem, ...] = (
    MenuItem(gettext_noop("工作台"), "workbench:home", "workbench.view"),
    MenuItem(gettext_noop("后台任务"), "tasks:list", "task.view"),
    MenuItem(gettext_noop("补贴政策清单"), "policies:list", "policy.view", gettext_noop("政策清单")),
    MenuItem(gettext_noop("导入政策清单"), "policies:import", "policy.import", gettext_noop("政策清单")),
    MenuItem(gettext_noop("我的待办"), "rosters:todo", "roster.todo", gettext_noop("申报与审核")),
    MenuItem(gettext_noop("申报名册"), "rosters:list", "roster.view", gettext_noop("申报与审核")),
    MenuItem(gettext_noop("人员查询"), "registry:person_search", "person.search", gettext_noop("受益人登记")),
    MenuItem(gettext_noop("数据导入"), "registry:import_list", "import.view", gettext_noop("受益人登记")),
    MenuItem(gettext_noop("代发银行"), "registry:bank_list", "bank.view", gettext_noop("受益人登记")),
    MenuItem(
        gettext_noop("比对数据快照"), "registry:snapshot_list", "snapshot.view", gettext_noop("受益人登记")
    ),
    MenuItem(gettext_noop("发放计划"), "payments:plans", "plan.view", gettext_noop("资金发放")),
    MenuItem(gettext_noop("发放批次"), "payments:batches", "batch.view", gettext_noop("资金发放")),
    MenuItem(gettext_noop("发放失败待处理"), "payments:failed", "payment.fix", gettext_noop("资金发放")),
    MenuItem(gettext_noop("预算指标"), "payments:budgets", "budget.view", gettext_noop("资金发放")),
    MenuItem(gettext_noop("代发文件格式"), "payments:bank_setups", "bank.setup", gettext_noop("资金发放")),
    MenuItem(gettext_noop("逐项告知短信"), "notices:list", "notice.view", gettext_noop("资金发放")),
    MenuItem(gettext_noop("事中跟踪监控"), "checks:monitor", "monitor.view", gettext_noop("核查监控")),
    MenuItem(gettext_noop("核查疑点"), "checks:findings", "finding.view", gettext_noop("核查监控")),
    MenuItem(gettext_noop("核查批次"), "checks:runs", "checkrun.view", gettext_noop("核查监控")),
    MenuItem(gettext_noop("事后专项核查"), "checks:posthoc", "posthoc.run", gettext_noop("核查监控")),
    MenuItem(gettext_noop("核查规则设置"), "checks:rules", "rule.view", gettext_noop("核查监控")),
    MenuItem(
        gettext_noop("预算绩效目标"), "performance:list", "performance.view", gettext_noop("绩效双监控")
    ),
    MenuItem(gettext_noop("双监控"), "performance:monitor", "performance.view", gettext_noop("绩效双监控")),
    MenuItem(gettext_noop("投诉举报"), "complaints:list", "complaint.view", gettext_noop("监督")),
    MenuItem(gettext_noop("待公开"), "disclosure:queue", "disclosure.view", gettext_noop("政务公开")),
    MenuItem(gettext_noop("已公开"), "disclosure:list", "disclosure.view", gettext_noop("政务公开")),
    MenuItem(gettext_noop("审计日志"), "audit:events", "auditlog.view", gettext_noop("监督")),
    MenuItem(gettext_noop("行政区划"), "workbench:regions", "region.view", gettext_noop("基础数据")),
    MenuItem(gettext_noop("工作人员"), "accounts:staff", "staff.view", gettext_noop("基础数据")),
    MenuItem(gettext_noop("API令牌"), "accounts:tokens", "token.manage", gettext_noop("数据共享")),
    MenuItem(
        gettext_noop("部门数据共享令牌"), "sharing:tokens", "token.manage_others", gettext_noop("数据共享")
    ),
    MenuItem(gettext_noop("数据共享状态"), "sharing:status", "sharing.status", gettext_noop("数据共享")),
)

# Who needs which personal data in clear to do their work; everyone else sees it masked.
CLEAR_TEXT_ROLES: dict[str, frozenset[str]] = {
    "id_number": frozenset({VILLAGE, HRSS, AUDITOR}),
    "account_no": frozenset({HRSS, AUDITOR}),
    "phone": frozenset({VILLAGE, HRSS}),
    "name": frozenset({VILLAGE, TOWNSHIP, DEPT, FINANCE, HRSS, BANK, AUDITOR}),
}


def action(code: str) -> Action:
    """The action of a code; a KeyError names an action that is not in the table."""
    return ACTIONS[code]


def _role(user: Any) -> str:
    if user is None:
        return ""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return ""
    return str(getattr(user, "role", "") or "")


def allowed(user: Any, code: str) -> bool:
    """Whether the user's role may take the action (the system, ``user=None``, may take every action)."""
    taken = action(code)
    return user is None or _role(user) in taken.roles


def authorize(user: Any, code: str, obj: models.Model | None = None) -> None:
    """Refuse (AccessDenied) unless the user may take the action, on ``obj`` when given (its row scope)."""
    taken = action(code)
    if user is None:
        return
    if not getattr(user, "is_authenticated", False):
        raise AccessDenied("请先登录")
    if _role(user) not in taken.roles:
        raise AccessDenied(taken.refusal_zh())
    if obj is not None:
        ensure_in_scope(user, obj, "change" if taken.writes else "view")


View = TypeVar("View", bound=Callable[..., Any])
# The attribute a decorated view or API operation carries: the action it takes (or, for a view that takes
# one of several by a URL argument, that argument's name and the action of each of its values).
PERMISSION = "permission"


def _keeping_signature(view: View, wrapped: Callable[..., Any]) -> View:
    """The wrapper with the view's signature, annotations resolved in the view's own module: django-ninja
    reads an operation's parameters from it (``from __future__ import annotations`` leaves them strings)."""
    try:
        wrapped.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    except (NameError, TypeError):
        wrapped.__signature__ = inspect.signature(view)  # type: ignore[attr-defined]
    return cast(View, wrapped)


def requires(code: str) -> Callable[[View], View]:
    """Mark a view or API operation as taking one action: refused (403) for a role that may not.

    Asked before anything else the view does, so a refusal does not depend on the object asked for; the
    view still restricts its rows (``restrict``) and services ask again with the object.
    """
    action(code)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            authorize(getattr(request, "user", None) or AnonymousUser(), code)
            return view(request, *args, **kwargs)

        setattr(wrapped, PERMISSION, code)
        return _keeping_signature(view, wrapped)

    return decorate


def requires_one_of(argument: str, codes: dict[str, str]) -> Callable[[View], View]:
    """Mark a view that takes one of several actions, chosen by a URL argument (``rosters:action``)."""
    for code in codes.values():
        action(code)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            code = codes.get(str(kwargs.get(argument, "")))
            if code is None:
                raise Http404
            authorize(getattr(request, "user", None) or AnonymousUser(), code)
            return view(request, *args, **kwargs)

        setattr(wrapped, PERMISSION, (argument, dict(codes)))
        return _keeping_signature(view, wrapped)

    return decorate


PUBLIC = "public"


def public(view: View) -> View:
    """Mark a view or API operation as open to anyone, signed in or not (the public portal, sign-in)."""
    setattr(view, PERMISSION, PUBLIC)
    return view


def may_see_clear(user_or_role: Any, kind: str) -> bool:
    """Whether a user (or a role code) sees a kind of personal data (id_number, account_no, phone, name) in
    clear; the one place every screen, export, API answer and command asks. The system sees all."""
    if user_or_role is None:
        return True
    role = user_or_role if isinstance(user_or_role, str) else _role(user_or_role)
    return role in CLEAR_TEXT_ROLES.get(kind, frozenset())


_MASKERS = {
    "id_number": masking.mask_id_number,
    "account_no": masking.mask_account,
    "phone": masking.mask_phone,
    "name": masking.mask_name,
}


def shown(user_or_role: Any, kind: str, value: str | None) -> str:
    """A personal value as this user may see it: in clear or masked (``may_see_clear``)."""
    if value and may_see_clear(user_or_role, kind):
        return value
    return _MASKERS[kind](value)


def menu_for(user: Any) -> list[tuple[str, list[MenuItem]]]:
    """The menu the user sees, grouped in the table's order."""
    groups: dict[str, list[MenuItem]] = {}
    for item in MENU:
        if user is not None and allowed(user, item.action):
            groups.setdefault(item.group, []).append(item)
    return list(groups.items())


def render_markdown() -> str:
    """The table as docs/permissions.md shows it (generated; the tests check the file is current)."""
    roles = list(Role.values)
    lines = [
        "# Who may do what",
        "",
        "Generated from `yikatong/accounts/permissions.py` by `bin/permissions-doc`;",
        "the test suite fails when this file and the table disagree. ● = the role may take the action.",
        "Rows: how far the action reaches (region subtree, department, own rows), enforced by",
        "`core/restrict.py`. The system itself (a command without `--user`) may take every action.",
        "",
        "| action | what | " + " | ".join(f"`{r}`" for r in roles) + " | rows | writes |",
        "| --- | --- | " + " | ".join("---" for _ in roles) + " | --- | --- |",
    ]
    for code, taken in ACTIONS.items():
        marks = " | ".join("●" if role in taken.roles else "" for role in roles)
        writes = "是" if taken.writes else ""
        lines.append(f"| `{code}` | {taken.title} | {marks} | {taken.rows} | {writes} |")
    lines += ["", "## Roles", ""]
    lines += [f"- `{role}`: {Role(role).label}" for role in roles]
    lines += ["", "## Personal data in clear", "", "| kind | roles that see it in clear |", "| --- | --- |"]
    for kind, who in CLEAR_TEXT_ROLES.items():
        lines.append(f"| `{kind}` | {', '.join(f'`{r}`' for r in roles if r in who)} |")
    return "\n".join(lines) + "\n"
