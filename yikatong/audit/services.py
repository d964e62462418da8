"""Writing audit events, inside the transaction of the change they record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone, translation

from yikatong.audit.domain.chain import GENESIS, event_digest
from yikatong.audit.domain.changes import name_is_personal
from yikatong.audit.models import AuditChainHead, AuditEvent
from yikatong.core.context import current_actor
from yikatong.core.masking import mask_record


def _has_own_name(object_type: str) -> bool:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return False
    return any(field.name == "name" for field in model._meta.get_fields())


def _jsonable(record: Mapping[str, Any] | None, *, object_type: str) -> dict[str, Any] | None:
    if record is None:
        return None
    masked = mask_record(dict(record))
    # mask_record takes every ``name`` for a person's; a policy's or a region's own name is not (高龄补贴
    # was logged as 高**贴).
    if "name" in record and not name_is_personal(object_type, has_own_name=_has_own_name(object_type)):
        masked["name"] = record["name"]
    out: dict[str, Any] = {}
    for key, value in masked.items():
        if isinstance(value, (str, int, bool)) or value is None or isinstance(value, (list, dict)):
            out[key] = value
        else:
            out[key] = str(value)
    return out


def audit_record(
    *,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    region_code: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    actor: Any = None,
    actor_name: str = "",
) -> AuditEvent:
    """Append one event to the chain; call it inside the transaction of the change it records.

    Sensitive fields of ``before``/``after`` (ID numbers, phones, accounts, persons' names) are masked here,
    so a caller cannot leak them into the log by mistake; the object's own name, where it is no person (a
    policy, a region, a bank), stays readable.
    """
    ctx = current_actor()
    if actor is None and ctx.user_id is not None:
        # The user model by name: the audit log sits below the accounts app and imports none of it.
        actor = get_user_model().objects.filter(pk=ctx.user_id).select_related("region").first()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        # The log is written in the platform's language, not in the language of whoever caused the event.
        with translation.override(settings.LANGUAGE_CODE):
            object_repr = object_repr or str(obj)[:200]
    if not region_code and actor is not None and getattr(actor, "region_id", None):
        region_code = str(actor.region_id)
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_seq": 0, "last_hash": GENESIS}
        )
        event = AuditEvent(
            seq=head.last_seq + 1,
            occurred_at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor_name=actor_name or (actor.username if actor is not None else ""),
            actor_role=getattr(actor, "role", "") or "",
            ip=ctx.ip,
            request_id=ctx.request_id,
            channel=ctx.channel,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            region_code=region_code,
            before=_jsonable(before, object_type=object_type),
            after=_jsonable(after, object_type=object_type),
            prev_hash=head.last_hash,
        )
        event.hash = event_digest(event.digest_payload())
        event.save(force_insert=True)
        head.last_seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event
