"""投诉举报 under /public/complaints/: file a complaint (no login, CSRF, throttled per IP), see the tracking
number and the secret once, and with both (POST only, never in a URL) follow it to its answer and add
information when the department asks for it. An unknown number and a wrong secret get the same answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from yikatong.accounts.permissions import public
from yikatong.complaints import selectors, services
from yikatong.complaints.domain import rules
from yikatong.complaints.forms import FileForm, InfoForm, StatusForm
from yikatong.core.middleware import client_ip


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    limits = {
        "max_files": services.max_attachments(),
        "max_mb": services.max_attachment_bytes() // (1024 * 1024),
    }
    response = render(request, template, {**limits, **context}, status=status)
    response["Referrer-Policy"] = "same-origin"
    return response


def _errors(form: forms.Form) -> list[str]:
    return [str(m) for messages in form.errors.values() for m in messages]


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _number_allows(number: str) -> bool:
    # Counted for known and unknown numbers alike, so the limit tells nobody which numbers exist.
    return services.throttle_allows(services.NUMBER_SCOPE, rules.normalise_number(number))


def _ref(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


@public
@never_cache
@require_http_methods(["GET", "POST"])
def file_complaint(request: HttpRequest) -> HttpResponse:
    """The filing form (GET) and the filing (POST), whose answer shows the number and the secret once."""
    if request.method == "GET":
        initial = {"payment": _ref(request, "payment"), "disclosure": _ref(request, "disclosure")}
        form = FileForm(initial={**initial, "region": request.GET.get("region", "")})
        return _page(request, "complaints/public_file.html", {"form": form})
    form = FileForm(request.POST)
    if not services.throttle_allows(services.FILE_SCOPE, client_ip(request)):
        return _page(request, "complaints/public_throttled.html", {}, status=429)
    if not form.is_valid():
        return _page(request, "complaints/public_file.html", {"form": form, "errors": _errors(form)})
    data = form.cleaned_data
    try:
        files = services.check_files(request.FILES.getlist("attachments"))
        filed = services.complaint_file(
            kind=data["kind"],
            text=data["text"],
            region_code=data["region"],
            policy_code=data["policy"],
            about_person=data["about_person"],
            anonymous=data["anonymous"] == "1",
            contact_name=data["contact_name"],
            contact_phone=str(data["contact_phone"] or "").strip(),
            contact_id_number=data["contact_id_number"],
            payment_id=data["payment"],
            disclosure_id=data["disclosure"],
            files=files,
        )
    except ValidationError as exc:
        return _page(
            request, "complaints/public_file.html", {"form": form, "errors": _messages(exc)}, status=400
        )
    response = _page(request, "complaints/public_filed.html", {"filed": filed})
    response["Cache-Control"] = "no-store"
    return response


@public
@never_cache
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """The status form (GET: always blank) and, for the number and its secret (POST), the status page."""
    if request.method == "GET":
        if request.GET:
            return HttpResponseRedirect(request.path)
        return _page(request, "complaints/public_status_form.html", {})
    if not services.throttle_allows(services.STATUS_SCOPE, client_ip(request)):
        return _page(request, "complaints/public_throttled.html", {}, status=429)
    form = StatusForm(request.POST)
    complaint = None
    if form.is_valid():
        if not _number_allows(form.cleaned_data["number"]):
            return _page(request, "complaints/public_throttled.html", {}, status=429)
        complaint = services.complaint_for_secret(
            number=form.cleaned_data["number"], secret=form.cleaned_data["secret"]
        )
    if complaint is None:
        return _page(request, "complaints/public_status_form.html", {"refused": True})
    return _status_page(request, complaint, form.cleaned_data["secret"])


def _status_page(
    request: HttpRequest, complaint: Any, secret: str, errors: list[str] | None = None
) -> HttpResponse:
    context = {"s": selectors.public_status(complaint), "secret": secret, "errors": errors or []}
    response = _page(request, "complaints/public_status.html", context)
    response["Cache-Control"] = "no-store"
    return response


@public
@never_cache
@require_POST
def add_info(request: HttpRequest) -> HttpResponse:
    """The complainant adds what the department asked for (number and secret once more)."""
    if not services.throttle_allows(services.STATUS_SCOPE, client_ip(request)):
        return _page(request, "complaints/public_throttled.html", {}, status=429)
    form = InfoForm(request.POST)
    complaint = None
    if form.is_valid():
        if not _number_allows(form.cleaned_data["number"]):
            return _page(request, "complaints/public_throttled.html", {}, status=429)
        complaint = services.complaint_for_secret(
            number=form.cleaned_data["number"], secret=form.cleaned_data["secret"]
        )
    if complaint is None:
        return _page(request, "complaints/public_status_form.html", {"refused": True})
    secret = form.cleaned_data["secret"]
    try:
        files = services.check_files(request.FILES.getlist("attachments"))
        complaint = services.complaint_add_info(
            complaint=complaint, secret=secret, text=form.cleaned_data["text"], files=files
        )
    except ValidationError as exc:
        return _status_page(request, complaint, secret, _messages(exc))
    except PermissionDenied:
        return _page(request, "complaints/public_status_form.html", {"refused": True})
    return _status_page(request, complaint, secret)
