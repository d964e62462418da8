"""Registry screens: person search and page, cards, agent banks, imports and snapshots."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yikatong.accounts.permissions import allowed, requires
from yikatong.audit.services import audit_record
from yikatong.core.listing import Column, Table
from yikatong.core.uploads import store_upload
from yikatong.registry import selectors, services
from yikatong.registry.forms import AgentBankForm, CardForm, CardStatusForm, ImportForm
from yikatong.registry.imports import check_may_import
from yikatong.registry.models import (
    AgentBank,
    Person,
    RegistryKind,
    RegistrySnapshot,
    SocialSecurityCard,
)
from yikatong.registry.tasks import import_registry_file
from yikatong.tasks.services import task_start

PERSONS = Table(
    columns=(
        Column(gettext_lazy("姓名"), "name"),
        Column(gettext_lazy("身份证号")),
        Column(gettext_lazy("性别"), "gender"),
        Column(gettext_lazy("出生日期"), "birth", ("birth_date",)),
        Column(gettext_lazy("村/社区"), "village", ("village_id",)),
        Column(gettext_lazy("户编号"), "household", ("household__household_no",)),
    ),
    default="village",
)

IMPORTS = Table(
    columns=(
        Column(gettext_lazy("时间"), "created", ("created_at",)),
        Column(gettext_lazy("数据类别"), "kind"),
        Column(gettext_lazy("文件名"), "file", ("file_name",)),
        Column(gettext_lazy("结果"), "status"),
        Column(gettext_lazy("总行数"), "total", ("total_rows",), num=True),
        Column(gettext_lazy("新增"), "inserted", num=True),
        Column(gettext_lazy("更新"), "updated", num=True),
        Column(gettext_lazy("未变"), "unchanged", num=True),
        Column(gettext_lazy("错误行"), "rejected", num=True),
        Column(gettext_lazy("导入人"), "by", ("created_by__full_name",)),
    ),
    default="-created",
)

SNAPSHOTS = Table(
    columns=(
        Column(gettext_lazy("数据类别"), "kind", ("kind", "-as_of")),
        Column(gettext_lazy("数据来源"), "source"),
        Column(gettext_lazy("数据截止日期"), "as_of"),
        Column(gettext_lazy("行数"), "rows", num=True),
        Column(gettext_lazy("文件名"), "file", ("file_name",)),
        Column(gettext_lazy("导入人"), "by", ("uploaded_by__full_name",)),
        Column(gettext_lazy("导入时间"), "uploaded", ("uploaded_at",)),
    ),
    default="-uploaded",
)


@login_required
@requires("person.search")
def person_search(request: HttpRequest) -> HttpResponse:
    """Search by full ID number or by name, inside the user's region; the matches sortable, 50 a page."""
    query = request.GET.get("q", "")
    persons, message = selectors.person_matches(user=request.user, query=query)
    table = PERSONS.page(request, persons)
    context = {"query": query, "message": message, "table": table}
    return render(request, "registry/person_search.html", context)


@login_required
@requires("person.view")
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything the registry knows about one person, masked for the viewer's role."""
    try:
        person = selectors.person_get(user=request.user, pk=pk)
    except Person.DoesNotExist as exc:
        raise Http404 from exc
    selectors.clear_read_record(user=request.user, persons=[person], channel="person_detail")
    cards = person.cards.select_related("bank").prefetch_related("changes__changed_by").order_by("-opened_at")
    context: dict[str, Any] = {
        "person": person,
        "members": selectors.household_members(person),
        "head": selectors.household_head(person),
        "cards": cards,
        "hits": selectors.person_registry_hits(person),
        "card_form": CardForm(initial={"holder_name": person.name}),
        "status_form": CardStatusForm(),
        "may_keep_cards": allowed(request.user, "card.register"),
    }
    return render(request, "registry/person_detail.html", context)


def _submit(request: HttpRequest, form: forms.Form, action: Callable[..., object], done: str) -> None:
    """Run a service with a posted form's data; its refusals and the form's errors become messages."""
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, str(problem))
        return
    try:
        action(user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)


@login_required
@requires("card.register")
@require_POST
def card_register(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a new card account for a person (hrss)."""
    person = get_object_or_404(Person.objects.restrict(request.user, "change"), pk=pk)
    action = functools.partial(services.card_register, person=person)
    _submit(request, CardForm(request.POST), action, _("社保卡账户已登记"))
    return redirect("registry:person_detail", pk=person.pk)


@login_required
@requires("card.change_status")
@require_POST
def card_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Report lost, freeze, unfreeze or close a card (hrss)."""
    card = get_object_or_404(SocialSecurityCard.objects.restrict(request.user, "change"), pk=pk)
    action = functools.partial(services.card_change_status, card=card)
    _submit(request, CardStatusForm(request.POST), action, _("卡状态已变更"))
    return redirect("registry:person_detail", pk=card.person_id)


@login_required
@requires("bank.view")
def bank_list(request: HttpRequest) -> HttpResponse:
    """The agent banks and their agreement terms."""
    banks = AgentBank.objects.select_related("branch").order_by("code")
    may_edit = allowed(request.user, "bank.edit")
    return render(request, "registry/bank_list.html", {"banks": banks, "may_edit": may_edit})


@login_required
@requires("bank.edit")
def bank_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change an agent bank (hrss, admin)."""
    bank = get_object_or_404(AgentBank, pk=pk) if pk else AgentBank()
    form = AgentBankForm(request.POST or None, instance=bank)
    if request.method == "POST" and form.is_valid():
        services.agent_bank_save(user=request.user, bank=bank, changes=form.cleaned_data)
        messages.success(request, _("代发银行信息已保存"))
        return redirect("registry:bank_list")
    return render(request, "registry/bank_form.html", {"form": form, "bank": bank})


@login_required
@requires("import.view")
def import_list(request: HttpRequest) -> HttpResponse:
    """Upload a registry file (the kinds the user may import), and the imports the user may see."""
    kinds = selectors.import_kinds(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    kind_field = form.fields["kind"]
    assert isinstance(kind_field, forms.ChoiceField)
    kind_field.choices = [(value, label) for value, label in RegistryKind.choices if value in kinds]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        check_may_import(request.user, data["kind"])
        path = store_upload(data["file"])
        run = task_start(
            task=import_registry_file,
            title=_("导入：%(name)s") % {"name": data["file"].name},
            user=request.user,
            arguments={
                "kind": data["kind"],
                "path": str(path),
                "file_name": data["file"].name,
                "dry_run": data["dry_run"],
                "accept_partial": data["accept_partial"],
                "as_of": data["as_of"].isoformat() if data["as_of"] else "",
                "source": data["source"],
            },
        )
        return redirect("tasks:detail", pk=run.pk)
    table = IMPORTS.page(
        request, selectors.import_batches_visible(user=request.user).select_related("created_by")
    )
    return render(request, "registry/import_list.html", {"form": form, "table": table})


@login_required
@requires("import.view")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What one import did, with its error report."""
    batch = get_object_or_404(selectors.import_batches_visible(user=request.user), pk=pk)
    return render(request, "registry/import_detail.html", {"batch": batch})


@login_required
@requires("import.view")
def import_report(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    """Download an import's error report (an export of personal data: audited)."""
    return import_report_response(request.user, pk, fmt)


def import_report_response(user: Any, pk: int, fmt: str) -> FileResponse:
    """The error report of an import the user may see, as a download; the export is audited."""
    batch = get_object_or_404(selectors.import_batches_visible(user=user), pk=pk)
    path = batch.report_csv if fmt == "csv" else batch.report_xlsx if fmt == "xlsx" else ""
    if not path or not Path(path).exists():
        raise Http404
    audit_record(
        action="export.import_report", obj=batch, after={"format": fmt, "rows": batch.rejected}, actor=user
    )
    name = f"{Path(batch.file_name).stem}-错误报告.{fmt}"
    return FileResponse(Path(path).open("rb"), as_attachment=True, filename=name)


@login_required
@requires("snapshot.view")
def snapshot_list(request: HttpRequest) -> HttpResponse:
    """The outside registries' snapshots, newest first; sortable, 50 a page."""
    table = SNAPSHOTS.page(request, RegistrySnapshot.objects.select_related("uploaded_by"))
    return render(request, "registry/snapshot_list.html", {"table": table})
