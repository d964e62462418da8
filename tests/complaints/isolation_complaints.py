"""Region isolation cases for the complaints' screens and API (collected by tests/test_region_isolation.py,
whose ``rows`` give township A's roster): a complaint about village A, routed by its place to 塔河镇's
government (township A's reviewer handles it), with one photo."""

from __future__ import annotations

from typing import Any

from tests.complaints.support import file_complaint, png_bytes, upload
from tests.support.isolation import Case, Target, url
from yikatong.complaints import services
from yikatong.complaints.domain import rules
from yikatong.complaints.models import Complaint, ComplaintEvent

TEXT = "甲村投诉-8823"


def township_a_complaint(rows: dict[str, Any]) -> Complaint:
    """A complaint about village A routed to 塔河镇人民政府, with one attachment."""
    if "complaint" not in rows:
        files = services.check_files([upload("photo.png", png_bytes(), "image/png")])
        filed = file_complaint(policy_code="", text=TEXT, files=files)
        rows["complaint"] = filed.complaint
    complaint: Complaint = rows["complaint"]
    return complaint


def _state(rows: dict[str, Any]) -> str:
    return Complaint.objects.get(pk=township_a_complaint(rows).pk).state


def _events(rows: dict[str, Any], kind: str) -> bool:
    return ComplaintEvent.objects.filter(complaint=township_a_complaint(rows), kind=kind).exists()


def _detail(w: Any, r: dict[str, Any]) -> Target:
    return Target(url("complaints:detail", pk=township_a_complaint(r).pk), marker=TEXT)


def _act(step: str, data: dict[str, Any], changed: Any) -> Any:
    def aim(w: Any, r: dict[str, Any]) -> Target:
        pk = township_a_complaint(r).pk
        return Target(url("complaints:act", pk=pk, step=step), data=data, changed=lambda: changed(r))

    return aim


def _api(path: str, data: dict[str, Any] | None = None, changed: Any = None) -> Any:
    def aim(w: Any, r: dict[str, Any]) -> Target:
        pk = township_a_complaint(r).pk
        target = f"/api/complaints/{pk}{path}"
        if data is None:
            return Target(target, marker=township_a_complaint(r).number)
        return Target(target, data=data, changed=lambda: changed(r))

    return aim


def _line(r: dict[str, Any]) -> int:
    line: int = r["roster"].lines.get().pk
    return line


CASES = [
    Case(
        "complaints:list",
        "GET",
        "township_reviewer",
        lambda w, r: Target(url("complaints:list"), marker=township_a_complaint(r).number),
    ),
    Case("complaints:detail", "GET", "township_reviewer", _detail),
    Case("complaints:detail", "GET", "auditor", _detail),
    Case(
        "complaints:act",
        "POST",
        "township_reviewer",
        _act("reply", {"text": "已受理"}, lambda r: _state(r) == rules.ANSWERING),
    ),
    Case(
        "complaints:attachment",
        "GET",
        "auditor",
        lambda w, r: Target(url("complaints:attachment", pk=township_a_complaint(r).attachments.get().pk)),
    ),
    Case(
        "api:complaint_list",
        "GET",
        "auditor",
        lambda w, r: Target("/api/complaints", marker=township_a_complaint(r).number),
        api=True,
    ),
    Case("api:complaint_detail", "GET", "township_reviewer", _api(""), api=True),
    Case(
        "api:complaint_reply",
        "POST",
        "township_reviewer",
        _api("/reply", {"text": "已受理"}, lambda r: _state(r) == rules.ANSWERING),
        api=True,
    ),
    Case(
        "api:complaint_ask_info",
        "POST",
        "township_reviewer",
        _api("/ask-info", {"text": "请补充"}, lambda r: _state(r) == rules.INFO_REQUESTED),
        api=True,
    ),
    Case(
        "api:complaint_note",
        "POST",
        "township_reviewer",
        _api("/note", {"text": "内部"}, lambda r: _events(r, rules.NOTE)),
        api=True,
    ),
    Case(
        "api:complaint_reassign",
        "POST",
        "township_reviewer",
        _api(
            "/reassign",
            {"department_code": "mzj", "reason": "属民政局职责"},
            lambda r: _events(r, rules.REASSIGN),
        ),
        api=True,
    ),
    Case(
        "api:complaint_close",
        "POST",
        "township_reviewer",
        _api("/close", {"result": "not_true", "action_taken": "不属实"}, lambda r: _state(r) == rules.CLOSED),
        api=True,
    ),
]


def _link_case() -> Case:
    def aim(w: Any, r: dict[str, Any]) -> Target:
        pk = township_a_complaint(r).pk
        changed = lambda: Complaint.objects.get(pk=pk).roster_line_id is not None  # noqa: E731
        return Target(f"/api/complaints/{pk}/link", data={"roster_line_id": _line(r)}, changed=changed)

    return Case("api:complaint_link", "POST", "township_reviewer", aim, api=True)


CASES.append(_link_case())

EXEMPT = {
    "public_complaints:file": "public: anyone files a complaint; no row is shown",
    "public_complaints:status": "public: only the holder of a number and its secret sees that one complaint",
    "public_complaints:add_info": "public: only the holder of a number and its secret adds to that complaint",
}
