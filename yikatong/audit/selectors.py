"""Reading and verifying the audit log: the events a user may read, filtered, and in readable form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from yikatong.audit.domain.chain import ChainBreak, verify_chain
from yikatong.audit.domain.changes import PERSON_TYPES, Change, changes
from yikatong.audit.models import AuditChainHead, AuditEvent
from yikatong.audit.names import ACTIONS, FIELD_NAMES, action_name, channel_name
from yikatong.core.models import Region

# --- filters ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    """What the log is narrowed to; empty values narrow nothing."""

    actor: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    text: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def is_empty(self) -> bool:
        """Whether nothing is filtered."""
        return self == AuditFilters()


def staff_choices(*, user: Any) -> list[tuple[int, str]]:
    """The staff in the user's scope, as (id, name) for the actor filter, by name."""
    staff = get_user_model().objects.restrict(user, "view").order_by("full_name", "username")
    return [(pk, name or login) for pk, name, login in staff.values_list("pk", "full_name", "username")]


def object_type_choices() -> list[tuple[str, str]]:
    """The project's models an event can be about, as (app_label.model, verbose name), by name."""
    models = [m for m in apps.get_models() if m.__module__.startswith("yikatong.") and m is not AuditEvent]
    choices = {m._meta.label_lower: gettext(str(m._meta.verbose_name)) for m in models}
    return sorted(choices.items(), key=lambda item: item[1])


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def audit_filters_read(params: Mapping[str, str], *, staff: Iterable[int]) -> tuple[AuditFilters, list[str]]:
    """The filters asked for in a query string, and a message for each value that cannot be one.

    A value that cannot be a filter narrows nothing; the page says so, the API refuses the request.

    ``staff`` are the ids of the actors the user may choose (``staff_choices``).
    """
    errors: list[str] = []
    actor: int | None = None
    if raw := params.get("actor", "").strip():
        try:
            actor = int(raw)
        except ValueError:
            actor = -1
        if actor not in set(staff):
            errors.append(gettext("所选操作人不在您的管辖范围内"))
            actor = None
    action = params.get("action", "").strip()
    if action and action not in ACTIONS:
        errors.append(gettext("没有这种操作"))
        action = ""
    object_type = params.get("object_type", "").strip()
    if object_type and object_type not in dict(object_type_choices()):
        errors.append(gettext("没有这种对象类型"))
        object_type = ""
    dates: dict[str, dt.date | None] = {}
    for key, label in (("date_from", gettext("起始日期")), ("date_to", gettext("截止日期"))):
        raw = params.get(key, "").strip()
        try:
            dates[key] = _date(raw) if raw else None
        except ValueError:
            errors.append(gettext("%(label)s不是有效日期（应为 2026-01-31 这样的格式）") % {"label": label})
            dates[key] = None
    date_from, date_to = dates["date_from"], dates["date_to"]
    if date_from and date_to and date_from > date_to:
        errors.append(gettext("起始日期晚于截止日期"))
        date_from = date_to = None
    filters = AuditFilters(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=params.get("object_id", "").strip()[:64],
        text=params.get("q", "").strip()[:100],
        date_from=date_from,
        date_to=date_to,
    )
    return filters, errors


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_event_list(
    *, user: Any, filters: AuditFilters | None = None, clear_names: bool = True
) -> QuerySet[AuditEvent]:
    """Events the user may read, narrowed by the filters, newest first.

    ``clear_names``: whether the user may see persons' names; if not, the text search does not look into
    the labels of persons' records, which are their names.
    """
    events = AuditEvent.objects.restrict(user, "view").order_by("-seq")
    f = filters or AuditFilters()
    if f.actor is not None:
        events = events.filter(actor_id=f.actor)
    if f.action:
        events = events.filter(action=f.action)
    if f.object_type:
        events = events.filter(object_type=f.object_type)
    if f.object_id:
        events = events.filter(object_id=f.object_id)
    if f.text:
        label = Q(object_repr__icontains=f.text)
        if not clear_names:
            label &= ~Q(object_type__in=PERSON_TYPES)
        events = events.filter(label | Q(object_id=f.text))
    if f.date_from:
        events = events.filter(occurred_at__gte=_day_start(f.date_from))
    if f.date_to:
        events = events.filter(occurred_at__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    return events


# --- events in readable form -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One line of an event's before/after table, in words."""

    label: str
    before: str
    after: str
    changed: bool


@dataclass(frozen=True)
class EventView:
    """One event as the log shows it: names, not codes."""

    event: AuditEvent
    actor: str
    action: str
    object_type: str
    object: str
    region: str
    channel: str
    changes: list[FieldChange] = field(default_factory=list)
    unchanged: int = 0
    compared: bool = False  # both sides recorded: the table shows what changed
    known_type: bool = False  # the object type is a model (the filter offers it)


def _model(object_type: str) -> type[Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


@dataclass(frozen=True)
class _Field:
    """How a recorded key reads: its name, the labels of its coded values, the model of its items."""

    label: str
    choices: Mapping[Any, Any]
    items: type[Model] | None


def _field(model: type[Model] | None, key: str) -> _Field:
    label, choices, items = "", {}, None
    if model is not None:
        try:
            model_field = model._meta.get_field(key)
        except FieldDoesNotExist:
            pass
        else:
            label = str(getattr(model_field, "verbose_name", "") or "")
            choices = dict(getattr(model_field, "flatchoices", None) or [])
            items = getattr(model_field, "related_model", None)
    if not label or label == key.replace("_", " "):
        label = FIELD_NAMES.get(key, key)
    return _Field(gettext(label), choices, items if isinstance(items, type) else None)


def _number(text: str) -> str:
    """A decimal recorded with its full scale (50.0000000) as written by hand (50)."""
    whole, dot, fraction = text.partition(".")
    if not dot or len(fraction) <= 2 or not whole.lstrip("-").isdigit() or not fraction.isdigit():
        return text
    return text.rstrip("0").rstrip(".")


def _text(value: Any, about: _Field) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, dict):
        # a nested record (one of a version's rate bands): its keys named after the model of the items
        parts = []
        for key, item in value.items():
            inner = _field(about.items, key)
            if (shown := _text(item, inner)) != "":
                parts.append(f"{inner.label}：{shown}")
        return "，".join(parts)
    if isinstance(value, list):
        texts = [_text(item, about) for item in value]
        return "\n".join(texts) if any(isinstance(item, dict) for item in value) else "、".join(texts)
    if value in about.choices:
        return gettext(str(about.choices[value]))
    return _number(value) if isinstance(value, str) else str(value)


def _field_change(model: type[Model] | None, change: Change) -> FieldChange:
    about = _field(model, change.key)
    return FieldChange(
        label=about.label,
        before=_text(change.before, about),
        after=_text(change.after, about),
        changed=change.changed,
    )


def _object_label(event: AuditEvent, model: type[Model] | None, *, clear_names: bool) -> str:
    if event.object_type in PERSON_TYPES and not clear_names:
        # A person's record is labelled by their name: a viewer who may not see names sees the number.
        return f"#{event.object_id}" if event.object_id else ""
    if event.object_repr:
        return event.object_repr
    return f"#{event.object_id}" if event.object_id else ""


def events_for_display(events: Iterable[AuditEvent], *, clear_names: bool) -> list[EventView]:
    """Events with their actor's and region's names, action names and field-by-field changes.

    ``clear_names``: whether the viewer may see persons' names in clear (``may_see_clear(user, "name")``);
    values recorded masked (ID numbers, accounts, phones) stay masked for everyone.
    """
    rows = list(events)
    actor_ids = {e.actor_id for e in rows if e.actor_id is not None}
    names = dict(get_user_model().objects.filter(pk__in=actor_ids).values_list("pk", "full_name"))
    region_codes = {e.region_code for e in rows if e.region_code}
    regions = dict(Region.objects.filter(code__in=region_codes).values_list("code", "name"))
    shown = []
    for event in rows:
        model = _model(event.object_type)
        fields, unchanged = changes(event.before, event.after)
        shown.append(
            EventView(
                event=event,
                actor=names.get(event.actor_id) or event.actor_name or gettext("系统"),
                action=action_name(event.action),
                object_type=gettext(str(model._meta.verbose_name)) if model else event.object_type,
                object=_object_label(event, model, clear_names=clear_names),
                region=regions.get(event.region_code, event.region_code),
                channel=channel_name(event.channel),
                changes=[_field_change(model, change) for change in fields],
                unchanged=unchanged,
                compared=event.before is not None and event.after is not None,
                known_type=model is not None,
            )
        )
    return shown


# --- verification ----------------------------------------------------------------------------------------


def _stream(progress: Callable[[int, int], None] | None) -> Iterator[dict[str, Any]]:
    total = AuditEvent.objects.count()
    fields = [f.attname for f in AuditEvent._meta.concrete_fields]
    rows = AuditEvent.objects.order_by("seq").only(*fields).iterator(chunk_size=5000)
    for done, row in enumerate(rows, start=1):
        payload = row.digest_payload()
        payload["hash"] = row.hash
        yield payload
        if progress is not None and (done % 5000 == 0 or done == total):
            progress(done, total)


def audit_chain_verify(
    *, progress: Callable[[int, int], None] | None = None
) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain; return how many events there are and the first break, if any."""
    head = AuditChainHead.objects.filter(pk=1).first()
    total = AuditEvent.objects.count()
    result = verify_chain(_stream(progress), expected_head=head.last_hash if head else None)
    return total, result
