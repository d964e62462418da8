"""Who is acting and from where, carried through a request or a task for the audit log."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class ActorContext:
    """The acting user (if any), their address and the request or task id."""

    user_id: int | None = None
    ip: str = ""
    request_id: str = ""
    channel: str = "system"  # web / api / cli / task / system


_current: contextvars.ContextVar[ActorContext] = contextvars.ContextVar(
    "yikatong_actor",
    default=ActorContext(),  # noqa: B039 - frozen dataclass, immutable
)


def current_actor() -> ActorContext:
    """The actor of the running request, command or task."""
    return _current.get()


@contextmanager
def acting_as(
    *, user_id: int | None, ip: str = "", request_id: str = "", channel: str = "system"
) -> Iterator[ActorContext]:
    """Run a block on behalf of a user (request ids are generated when not given)."""
    ctx = ActorContext(user_id=user_id, ip=ip, request_id=request_id or uuid.uuid4().hex, channel=channel)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def bind_user(user_id: int | None) -> None:
    """Name the acting user once authentication has found them (API tokens); reset with the request."""
    ctx = _current.get()
    _current.set(ActorContext(user_id=user_id, ip=ctx.ip, request_id=ctx.request_id, channel=ctx.channel))
