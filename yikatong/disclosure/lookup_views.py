"""个人查询 pages under /public/lookup/: POST only for anything that carries an ID number, which never
appears in a URL or comes back in a page; every refusal is the same page (``lookup.py`` says why)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from yikatong.accounts.permissions import public
from yikatong.core.idnumber import InvalidIdNumber, validate_id_number
from yikatong.core.middleware import client_ip
from yikatong.disclosure import lookup
from yikatong.disclosure.lookup import Outcome


class IdNumberField(forms.CharField):
    """An ID number checked by GB 11643 (length, birth date, check digit); its error repeats nothing."""

    def clean(self, value: Any) -> str:
        raw = super().clean(value)
        try:
            return validate_id_number(raw)
        except InvalidIdNumber as exc:
            raise forms.ValidationError(_("身份证号格式不正确，请核对后重新输入")) from exc


class CardLookupForm(forms.Form):
    id_number = IdNumberField(label=_("身份证号"), max_length=32)
    name = forms.CharField(label=_("姓名"), max_length=32)
    account_last4 = forms.RegexField(
        label=_("社保卡银行账号后四位"),
        regex=r"^\s*[0-9]{4}\s*$",
        error_messages={"invalid": _("请输入4位数字")},
    )


class CodeRequestForm(forms.Form):
    id_number = IdNumberField(label=_("身份证号"), max_length=32)


class CodeCheckForm(forms.Form):
    challenge = forms.CharField(max_length=64)
    code = forms.RegexField(
        label=_("验证码"), regex=r"^\s*[0-9]{6}\s*$", error_messages={"invalid": _("请输入6位数字验证码")}
    )


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    # Same-origin only: the form needs its origin for the CSRF check; nothing goes to another site.
    response["Referrer-Policy"] = "same-origin"
    return response


def _errors(form: forms.Form) -> list[str]:
    """The form's messages without any of what was typed."""
    return [str(message) for messages in form.errors.values() for message in messages]


@public
@never_cache
@require_http_methods(["GET", "POST"])
def lookup_form(request: HttpRequest) -> HttpResponse:
    """The lookup form (GET: always blank), and the lookup by ID number, name and card (POST)."""
    if request.method == "GET":
        if request.GET:
            # Details put in a URL by hand are dropped, never echoed (the page's own links repeat the path).
            return HttpResponseRedirect(request.path)
        return _page(request, "disclosure/lookup.html", {})
    form = CardLookupForm(request.POST)
    ip = client_ip(request)
    if not form.is_valid():
        lookup.lookup_invalid(raw_id=request.POST.get("id_number", ""), ip=ip, method="card")
        return _page(request, "disclosure/lookup.html", {"errors": _errors(form)})
    data = form.cleaned_data
    result = lookup.lookup_by_card(
        id_number=data["id_number"], name=data["name"], account_last4=data["account_last4"], ip=ip
    )
    return _result(request, result)


def _result(request: HttpRequest, result: lookup.LookupResult) -> HttpResponse:
    if result.outcome == Outcome.THROTTLED:
        return _page(
            request, "disclosure/lookup_throttled.html", {"minutes": lookup.window_minutes()}, status=429
        )
    if result.outcome == Outcome.REFUSED or result.answer is None:
        return _page(request, "disclosure/lookup.html", {"refused": True})
    return _page(request, "disclosure/lookup_answer.html", {"answer": result.answer})


@public
@never_cache
@require_POST
def code_send(request: HttpRequest) -> HttpResponse:
    """Send a one-time code to the phone on file (the same page follows whether or not one was sent)."""
    form = CodeRequestForm(request.POST)
    ip = client_ip(request)
    if not form.is_valid():
        lookup.lookup_invalid(raw_id=request.POST.get("id_number", ""), ip=ip, method="code")
        return _page(request, "disclosure/lookup.html", {"errors": _errors(form)})
    asked = lookup.code_request(id_number=form.cleaned_data["id_number"], ip=ip)
    if asked.outcome == Outcome.THROTTLED:
        return _result(request, lookup.LookupResult(Outcome.THROTTLED))
    return _page(request, "disclosure/lookup_code.html", _code_context(asked.challenge))


def _code_context(challenge: str, **more: Any) -> dict[str, Any]:
    return {"challenge": challenge, "minutes": lookup.code_minutes(), **more}


@public
@never_cache
@require_POST
def code_check(request: HttpRequest) -> HttpResponse:
    """The lookup by the one-time code: the answer, or the code page again with the one refusal."""
    form = CodeCheckForm(request.POST)
    challenge = request.POST.get("challenge", "")[:64]
    if not form.is_valid():
        lookup.lookup_invalid(raw_id="", ip=client_ip(request), method="code")
        return _page(request, "disclosure/lookup_code.html", _code_context(challenge, errors=_errors(form)))
    result = lookup.code_check(challenge=challenge, code=form.cleaned_data["code"], ip=client_ip(request))
    if result.outcome == Outcome.REFUSED:
        return _page(request, "disclosure/lookup_code.html", _code_context(challenge, refused=True))
    return _result(request, result)
