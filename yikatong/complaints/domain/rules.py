"""The rules of a complaint (投诉举报) that need no database: states and what may follow each, results, the
tracking number's shape, the secret, and what an attachment's first bytes say it is."""

from __future__ import annotations

import secrets
from dataclasses import dataclass


def gettext_noop(message: str) -> str:
    """Marks words for the English catalogue (the domain imports no Django); pages translate them."""
    return message


COMPLAINT, REPORT = "complaint", "report"
KIND_LABELS = {COMPLAINT: gettext_noop("投诉"), REPORT: gettext_noop("举报")}
KIND_PREFIX = {COMPLAINT: "TS", REPORT: "JB"}

RECEIVED, ASSIGNED, ANSWERING, INFO_REQUESTED, CLOSED = (
    "received",
    "assigned",
    "answering",
    "info_requested",
    "closed",
)
STATE_LABELS = {
    RECEIVED: gettext_noop("已受理"),
    ASSIGNED: gettext_noop("已分办"),
    ANSWERING: gettext_noop("办理中"),
    INFO_REQUESTED: gettext_noop("待补充材料"),
    CLOSED: gettext_noop("已办结"),
}
OPEN_STATES = (RECEIVED, ASSIGNED, ANSWERING, INFO_REQUESTED)

# The handler's steps, and the states each may be taken from.
REPLY, ASK_INFO, INFO_ADDED, REASSIGN, CLOSE, NOTE, FILED, ROUTED = (
    "reply",
    "ask_info",
    "info_added",
    "reassign",
    "close",
    "note",
    "filed",
    "routed",
)
STEP_FROM: dict[str, tuple[str, ...]] = {
    REPLY: (ASSIGNED, ANSWERING, INFO_REQUESTED),
    ASK_INFO: (ASSIGNED, ANSWERING),
    INFO_ADDED: (INFO_REQUESTED,),
    REASSIGN: (RECEIVED, ASSIGNED, ANSWERING, INFO_REQUESTED),
    CLOSE: (ASSIGNED, ANSWERING, INFO_REQUESTED),
    NOTE: OPEN_STATES,
}
STEP_TO: dict[str, str] = {
    REPLY: ANSWERING,
    ASK_INFO: INFO_REQUESTED,
    INFO_ADDED: ANSWERING,
    REASSIGN: ASSIGNED,
    CLOSE: CLOSED,
}
EVENT_LABELS = {
    FILED: gettext_noop("提交投诉举报"),
    ROUTED: gettext_noop("分办"),
    REPLY: gettext_noop("答复"),
    ASK_INFO: gettext_noop("请补充材料"),
    INFO_ADDED: gettext_noop("补充材料"),
    REASSIGN: gettext_noop("转办"),
    CLOSE: gettext_noop("办结"),
    NOTE: gettext_noop("内部记录"),
}
# What the complainant sees of the trail: the department's words to them and their own, never internal ones.
PUBLIC_EVENTS = frozenset({FILED, REPLY, ASK_INFO, INFO_ADDED, CLOSE})

TRUE, PARTLY_TRUE, NOT_TRUE = "true", "partly_true", "not_true"
RESULT_LABELS = {
    TRUE: gettext_noop("属实"),
    PARTLY_TRUE: gettext_noop("部分属实"),
    NOT_TRUE: gettext_noop("不属实"),
}


class StepRefused(ValueError):
    """A step that the complaint's state does not allow."""


def next_state(state: str, step: str) -> str:
    """The state after a step; StepRefused when the step may not be taken now."""
    if state not in STEP_FROM.get(step, ()):
        raise StepRefused(step)
    return STEP_TO.get(step, state)


def tracking_number(kind: str, year: int, serial: int) -> str:
    """The number a complainant quotes: TS-2026-000123 (投诉) or JB-2026-000124 (举报)."""
    return f"{KIND_PREFIX[kind]}-{year:04d}-{serial:06d}"


def normalise_number(text: str) -> str:
    """A number as typed (spaces, lower case, full-width dashes) in its stored form."""
    cleaned = "".join(text.split()).upper()
    for dash in ("－", "—", "–", "_"):
        cleaned = cleaned.replace(dash, "-")
    return cleaned


# No 0/O, 1/I/L: a secret is read off a phone screen and typed again.
SECRET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # noqa: S105 (an alphabet, not a password)
SECRET_LENGTH = 10


def new_secret() -> str:
    """A fresh secret of about 50 bits, shown to the complainant once."""
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def normalise_secret(text: str) -> str:
    """A secret as typed, compared: no spaces, upper case."""
    return "".join(text.split()).upper()


@dataclass(frozen=True)
class FileKind:
    """What an attachment is by its content: the type to serve it as and the extension to store it with."""

    content_type: str
    extension: str
    image: bool


_SIGNATURES: tuple[tuple[bytes, FileKind], ...] = (
    (b"\x89PNG\r\n\x1a\n", FileKind("image/png", "png", True)),
    (b"\xff\xd8\xff", FileKind("image/jpeg", "jpg", True)),
    (b"GIF87a", FileKind("image/gif", "gif", True)),
    (b"GIF89a", FileKind("image/gif", "gif", True)),
    (b"%PDF-", FileKind("application/pdf", "pdf", False)),
)


def sniff(head: bytes) -> FileKind | None:
    """The kind of a file from its first bytes (images and PDF only); None for anything else, whatever its
    name says (an .exe renamed .jpg starts with MZ and is refused)."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileKind("image/webp", "webp", True)
    return None
