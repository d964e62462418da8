"""补贴发放公开: the public pages (no sign-in, Chinese, readable on a phone and without JavaScript).

They read only through ``public_selectors`` (masked strings, amounts and dates); nothing here imports a
model. Pages are keyset-paged (``?after=`` carries the last row's position), never by OFFSET.
"""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from yikatong.accounts.permissions import public
from yikatong.disclosure import public_selectors as masked

CODE = re.compile(r"\d{12}")
PERIOD = re.compile(r"\d{4}(-\d{2})?(-?[QH]\d)?")
POLICY = re.compile(r"[A-Za-z0-9_-]{1,32}")
CURSOR = re.compile(r"[A-Za-z0-9_-]{1,400}")
# A search is by the start of a masked name: Chinese characters (a surname), never digits.
NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff·*]{1,8}")
PARAMS = {"township": CODE, "village": CODE, "policy": POLICY, "period": PERIOD, "q": NAME, "after": CURSOR}


def _canonical(request: HttpRequest, allowed: tuple[str, ...]) -> HttpResponse | None:
    """Send a request with a parameter that is not one of the page's, or not in its form, to the same page
    without it, so that nothing typed into the address (an ID number, say) is echoed back in a page."""
    kept = QueryDict(mutable=True)
    for name in allowed:
        value = str(request.GET.get(name, "")).strip()
        if value and PARAMS[name].fullmatch(value):
            kept[name] = value
    if kept.urlencode() == request.GET.urlencode():
        return None
    query = kept.urlencode()
    return HttpResponseRedirect(request.path + (f"?{query}" if query else ""))


def _param(request: HttpRequest, name: str, pattern: re.Pattern[str]) -> str:
    value = str(request.GET.get(name, "")).strip()
    return value if pattern.fullmatch(value) else ""


def _query(request: HttpRequest) -> masked.Query:
    name = _param(request, "q", NAME)
    return masked.Query(
        township=_param(request, "township", CODE),
        village=_param(request, "village", CODE),
        policy=_param(request, "policy", POLICY),
        period=_param(request, "period", PERIOD),
        name_prefix=name,
    )


@public
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every current disclosure line, filtered by township, village, policy and period, searched by name."""
    moved = _canonical(request, ("township", "village", "policy", "period", "q", "after"))
    if moved is not None:
        return moved
    query = _query(request)
    page = masked.line_page(query, _param(request, "after", CURSOR))
    context = {
        "query": query,
        "choices": masked.filter_choices(),
        "page": page,
        "totals": masked.totals(masked.Query(query.township, query.village, query.policy, query.period)),
        "first_page": not request.GET.get("after"),
    }
    return render(request, "disclosure/public_index.html", context)


def _disclosure(village: str, policy: str, period: str, revision: int | None) -> masked.PublicDisclosure:
    if not (CODE.fullmatch(village) and POLICY.fullmatch(policy) and PERIOD.fullmatch(period)):
        raise Http404
    item = masked.disclosure(village, policy, period, revision)
    if item is None:
        raise Http404
    return item


@public
@require_GET
def village(request: HttpRequest, village: str, policy: str, period: str) -> HttpResponse:
    """One village's disclosure of a policy and period, in its current revision."""
    return _show(request, _disclosure(village, policy, period, None))


@public
@require_GET
def revision(request: HttpRequest, village: str, policy: str, period: str, number: int) -> HttpResponse:
    """One revision of a village's disclosure (a superseded one stays readable)."""
    return _show(request, _disclosure(village, policy, period, number))


def _show(request: HttpRequest, item: masked.PublicDisclosure) -> HttpResponse:
    moved = _canonical(request, ("after",))
    if moved is not None:
        return moved
    page = masked.disclosure_lines(item, _param(request, "after", CURSOR))
    context = {"item": item, "page": page, "first_page": not request.GET.get("after")}
    return render(request, "disclosure/public_village.html", context)
