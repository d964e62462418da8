"""Policy screens for staff (drafting, review, publication) and the public list (公示公开)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yikatong.accounts.permissions import allowed, public, requires, requires_one_of
from yikatong.core.listing import Column, Table
from yikatong.core.restrict import AccessDenied
from yikatong.core.uploads import store_upload
from yikatong.core.web import show_refusal
from yikatong.policies import imports, selectors, services
from yikatong.policies.forms import BandFormSet, DateForm, ImportForm, ReasonForm, VersionForm
from yikatong.policies.models import PolicyVersion, VersionStatus

POLICIES = Table(
    columns=(
        Column(gettext_lazy("项目代码"), "code"),
        Column(gettext_lazy("项目名称"), "name", ("latest_name",)),
        Column(gettext_lazy("主管部门"), "department", ("department__name",)),
        Column(gettext_lazy("版本")),
    ),
    default="code",
)


@login_required
@requires("policy.view")
def policy_list(request: HttpRequest) -> HttpResponse:
    """The policies the user may see, with their versions' states; sortable, 50 a page."""
    latest = PolicyVersion.objects.filter(policy=OuterRef("pk")).order_by("-number").values("name")[:1]
    policies = selectors.staff_policy_list(request.user).annotate(latest_name=Subquery(latest))
    table = POLICIES.page(request, policies)
    may_draft = allowed(request.user, "policy.draft")
    return render(request, "policies/policy_list.html", {"table": table, "may_draft": may_draft})


@login_required
@requires("policy.view")
def policy_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One policy: every version with its rate table, and the actions the user may take."""
    policy = get_object_or_404(selectors.staff_policy_list(request.user), code=code)
    versions = policy.versions.prefetch_related("bands").order_by("-number")
    context = {
        "policy": policy,
        "versions": versions,
        "may_draft": allowed(request.user, "policy.draft"),
        "may_submit": allowed(request.user, "policy.submit"),
        "may_publish": allowed(request.user, "policy.publish"),
        "reason_form": ReasonForm(),
        "date_form": DateForm(),
    }
    return render(request, "policies/policy_detail.html", context)


def plain_decimal(value: Decimal) -> str:
    """A rate as people write it: 50.0000000 → "50", 71.4500000 → "71.45" (never "5E+1")."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _bands_from(formset: Any) -> list[dict[str, Any]]:
    return [
        {k: f.cleaned_data.get(k) for k in ("rate", "min_age", "max_age", "tier")}
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("rate") is not None
    ]


@login_required
@requires("policy.draft")
def version_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Draft a new policy, or change a draft version (with its rate table)."""
    version = get_object_or_404(PolicyVersion.objects.restrict(request.user, "change"), pk=pk) if pk else None
    if version is not None and version.status != VersionStatus.DRAFT:
        raise PermissionDenied(_("只有草稿可以修改；已发布的政策请新建版本"))
    initial_bands = [
        {**band, "rate": plain_decimal(band["rate"])}
        for band in (version.bands.values("rate", "min_age", "max_age", "tier") if version else [])
    ]
    form = VersionForm(request.POST or None, request.FILES or None, instance=version)
    formset = BandFormSet(request.POST or None, initial=initial_bands, prefix="bands")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in {"code", "basis_file"}}
        try:
            if version is None:
                version = services.policy_draft_create(
                    user=request.user,
                    code=form.cleaned_data["code"],
                    department=None,
                    data=data,
                    bands=_bands_from(formset),
                )
            else:
                version = services.policy_version_update(
                    user=request.user, version=version, data=data, bands=_bands_from(formset)
                )
            if form.cleaned_data.get("basis_file"):
                version.basis_file = form.cleaned_data["basis_file"]
                version.save(update_fields=["basis_file"])
        except (ValidationError, AccessDenied) as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("政策草稿已保存"))
            return redirect("policies:detail", code=version.policy.code)
    context = {"form": form, "formset": formset, "version": version}
    return render(request, "policies/version_form.html", context)


def _posted_day(request: HttpRequest, missing: str) -> dt.date:
    form = DateForm(request.POST)
    if not form.is_valid():
        raise ValidationError(missing)
    day: dt.date = form.cleaned_data["day"]
    return day


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    version = get_object_or_404(PolicyVersion.objects.restrict(request.user, "view"), pk=pk)
    try:
        if action == "submit":
            services.policy_version_submit(user=request.user, version=version)
            messages.success(request, _("已提交财政局审核"))
        elif action == "publish":
            services.policy_version_publish(user=request.user, version=version)
            messages.success(request, _("已发布，公众可在政策清单中查看"))
        elif action == "return":
            reason = ReasonForm(request.POST).data.get("reason", "")
            services.policy_version_return(user=request.user, version=version, reason=str(reason))
            messages.success(request, _("已退回主管部门"))
        elif action == "new":
            new = services.policy_version_new(
                user=request.user,
                policy=version.policy,
                effective_from=_posted_day(request, _("请填写新版本的生效日期")),
            )
            return redirect("policies:edit", pk=new.pk)
        elif action == "retire":
            day = _posted_day(request, _("请填写停止执行日期"))
            services.policy_retire(user=request.user, policy=version.policy, on=day)
            messages.success(request, _("政策已停止执行，清单中标注为已停止"))
        else:
            raise Http404
    except (ValidationError, AccessDenied) as exc:
        show_refusal(request, exc)
    return redirect("policies:detail", code=version.policy.code)


@login_required
@requires_one_of(
    "action",
    {
        "submit": "policy.submit",
        "publish": "policy.publish",
        "return": "policy.publish",
        "retire": "policy.publish",
        "new": "policy.draft",
    },
)
@require_POST
def version_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Submit, publish, return, start a new version, or retire."""
    return _act(request, pk, action)


@login_required
@requires("policy.import")
def policy_import(request: HttpRequest) -> HttpResponse:
    """Upload a FORMATS.md policies file; its policies become drafts (finance may publish them at once)."""
    form = ImportForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        path = store_upload(form.cleaned_data["file"])
        try:
            outcome = imports.policy_list_import(
                path=path,
                user=request.user,
                effective_from=form.cleaned_data["effective_from"],
                publish=form.cleaned_data["publish"],
                source_name=form.cleaned_data["file"].name,
            )
        except imports.UnreadableFile as exc:
            messages.error(request, str(exc))
    return render(request, "policies/import.html", {"form": form, "outcome": outcome})


@login_required
@requires("policy.export")
def policy_export(request: HttpRequest) -> HttpResponse:
    """The list in force as a FORMATS.md policies file (Excel), for other systems."""
    frame = imports.policy_list_file()
    buffer = io.BytesIO()
    frame.write_excel(buffer, worksheet="policies")
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''policies.xlsx"
    return response


# ---- the public list: no sign-in ----------------------------------------------------------------------


@public
def public_list(request: HttpRequest) -> HttpResponse:
    """补贴政策清单 for the public: every published policy in force, and those retired."""
    day = timezone.localdate()
    rows = selectors.public_policy_list(day)
    for row in rows:
        row["standard"] = selectors.standard_text(row["version"])
    return render(request, "public/policy_list.html", {"rows": rows, "day": day})


@public
def public_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One published policy with its version history."""
    rows = [r for r in selectors.public_policy_list() if r["policy"].code == code]
    if not rows:
        raise Http404
    row = rows[0]
    history = [{"version": v, "standard": selectors.standard_text(v)} for v in row["history"]]
    return render(request, "public/policy_detail.html", {"row": row, "history": history})


@public
def public_excel(request: HttpRequest) -> HttpResponse:
    """The public list as an Excel file."""
    response = HttpResponse(
        imports.public_list_excel(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E8%A1%A5%E8%B4%B4%E6%94%BF%E7%AD%96%E6%B8%85%E5%8D%95.xlsx"
    )
    return response


@public
def public_document(request: HttpRequest, pk: int) -> FileResponse:
    """The policy document of a published version."""
    version = get_object_or_404(PolicyVersion, pk=pk, status=VersionStatus.PUBLISHED)
    if not version.basis_file:
        raise Http404
    return FileResponse(version.basis_file.open("rb"), filename=Path(version.basis_file.name).name)
