"""The hash chain of audit events, with no Django imports: how an event is digested and verified."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64

# The fields that an event's digest covers, in a fixed order; adding one is a new chain version.
DIGEST_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "actor_role",
    "ip",
    "request_id",
    "channel",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "region_code",
    "before",
    "after",
    "prev_hash",
)


def canonical(payload: Mapping[str, Any]) -> bytes:
    """The bytes an event's digest is computed over: its fields as sorted, compact JSON."""
    return json.dumps(
        {k: payload[k] for k in DIGEST_FIELDS}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()


def event_digest(payload: Mapping[str, Any]) -> str:
    """SHA-256 of an event, which includes the previous event's digest."""
    return hashlib.sha256(canonical(payload)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first event at which the chain does not hold, and why."""

    seq: int
    reason: str


def verify_chain(
    events: Iterable[Mapping[str, Any]], *, expected_head: str | None = None
) -> ChainBreak | None:
    """Walk events in sequence order; return the first break, or None when every link holds."""
    prev_hash = GENESIS
    expected_seq = 1
    last_seq = 0
    for event in events:
        seq = int(event["seq"])
        if seq != expected_seq:
            return ChainBreak(expected_seq, f"事件 #{expected_seq} 缺失（下一条为 #{seq}），疑似被删除")
        if event["prev_hash"] != prev_hash:
            return ChainBreak(seq, f"事件 #{seq} 记录的上一条摘要与实际不符，疑似前序事件被改动或删除")
        digest = event_digest(event)
        if digest != event["hash"]:
            return ChainBreak(seq, f"事件 #{seq} 的内容与其摘要不符，疑似被改动")
        prev_hash = digest
        expected_seq += 1
        last_seq = seq
    if expected_head is not None and expected_head != prev_hash:
        return ChainBreak(last_seq + 1, f"链尾摘要与登记的链头不符，事件 #{last_seq} 之后的记录疑似被删除")
    return None
