"""Reading and verifying the audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from yikatong.audit.domain.chain import ChainBreak, verify_chain
from yikatong.audit.models import AuditChainHead, AuditEvent


def audit_event_list(*, user: Any, action: str = "", object_id: str = "") -> Any:
    """Events the user may read, newest first."""
    events = AuditEvent.objects.restrict(user, "view").order_by("-seq")
    if action:
        events = events.filter(action=action)
    if object_id:
        events = events.filter(object_id=object_id)
    return events


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
