"""绩效信息公开: the published summaries of the yearly evaluations (public, no sign-in, figures only)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from yikatong.accounts.permissions import public
from yikatong.performance import selectors


@public
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every published summary, newest first."""
    return render(request, "performance/public_index.html", {"rows": list(selectors.publications()[:200])})


@public
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One published summary."""
    found = selectors.publications().filter(pk=pk).first()
    if found is None:
        raise Http404
    return render(request, "performance/public_detail.html", {"p": found, "s": found.summary})
