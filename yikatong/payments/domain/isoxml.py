"""Small pieces every ISO 20022 reader and writer shares: namespaces, amounts in fen, text limits, paths."""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import date, datetime, timedelta, timezone
from typing import IO

from lxml import etree

PAIN001 = "pain.001.001.09"
PAIN002_V03 = "pain.002.001.03"
PAIN002_V10 = "pain.002.001.10"
CAMT054 = "camt.054.001.08"
PACS004 = "pacs.004.001.11"
#: pacs.004 versions whose elements read here (returned amount, reason, references) are the same.
PACS004_READABLE = ("pacs.004.001.09", "pacs.004.001.10", "pacs.004.001.11")

CURRENCY = "CNY"
CHINA_TIME = timezone(timedelta(hours=8))

_AMOUNT = re.compile(r"(\d{1,18})(?:\.(\d{1,5}))?")
_CNAPS = re.compile(r"\d{12}")
#: control characters (XML 1.0 cannot carry most; tabs and line breaks have no place in one-line bank fields)
#: and what is no character at all
_NOT_TEXT = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def namespace(message: str) -> str:
    """The XML namespace of an ISO 20022 message such as ``pain.001.001.09``."""
    return f"urn:iso:std:iso:20022:tech:xsd:{message}"


def message_of(ns: str) -> str:
    """The message name of an ISO 20022 namespace ("" for any other namespace)."""
    prefix = "urn:iso:std:iso:20022:tech:xsd:"
    return ns[len(prefix) :] if ns.startswith(prefix) else ""


def q(ns: str, path: str) -> str:
    """An ElementPath in namespace ``ns``: ``q(ns, "a/b")`` is ``{ns}a/{ns}b``."""
    return "/".join(f"{{{ns}}}{step}" for step in path.split("/"))


def yuan(fen: int) -> str:
    """Integer fen as ISO's decimal 元 with exactly two decimals (no float ever)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def fen_of(text: str | None) -> int | None:
    """ISO's decimal 元 as integer fen; None when it is not a non-negative decimal of whole fen."""
    match = _AMOUNT.fullmatch((text or "").strip())
    if match is None:
        return None
    whole, fraction = match.group(1), (match.group(2) or "").ljust(5, "0")
    if fraction[2:] != "000":
        return None
    return int(whole) * 100 + int(fraction[:2])


def is_cnaps(code: str) -> bool:
    """A 12-digit CNAPS bank code (大额/小额支付系统行号)."""
    return _CNAPS.fullmatch(code) is not None


def has_control(text: str) -> bool:
    """Whether the text holds a control character or a code point that is no character (a lone surrogate)."""
    return _NOT_TEXT.search(text) is not None


def escape(text: str) -> str:
    """Text as XML element content (the caller has refused control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def iso_datetime(moment: datetime) -> str:
    """An aware datetime as ISO's xs:dateTime, to the second."""
    return moment.isoformat(timespec="seconds")


def parse_datetime(text: str | None) -> datetime | None:
    """xs:dateTime as an aware datetime (a time without zone is China time); None when unreadable."""
    try:
        moment = datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_TIME)


def parse_date(text: str | None) -> date | None:
    """xs:date (or the date of an xs:dateTime) as a date; None when unreadable."""
    value = (text or "").strip()
    try:
        return date.fromisoformat(value[:10]) if len(value) >= 10 else None
    except ValueError:
        return None


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    """Append a child element (unqualified: it sits in the document's default namespace) with text."""
    child = etree.SubElement(parent, tag, attrib)
    if text is not None:
        child.text = text
    return child


def chain(parent: etree._Element, path: str, text: str) -> etree._Element:
    """Append the nested children of ``a/b/c`` under ``parent``, the last one holding ``text``."""
    node = parent
    for step in path.split("/"):
        node = etree.SubElement(node, step)
    node.text = text
    return node


def line(element: etree._Element) -> etree._Element:
    """The element with a line break after it: one transaction a line, so an error's line number finds it."""
    element.tail = "\n"
    return element


def release(element: etree._Element) -> None:
    """Free a streamed element and the already-read siblings of its kind before it, so memory stays flat
    (the block's own header children before the first of them stay, for the checks at the block's end)."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    previous = element.getprevious()
    while parent is not None and previous is not None and previous.tag == element.tag:
        parent.remove(previous)
        previous = element.getprevious()


class Spool:
    """Serialised elements parked in a temporary file until the totals that must come before them are known.

    ISO headers (NbOfTxs, CtrlSum, batch totals) precede the transactions they count, while the transactions
    come from a one-pass iterable: each transaction is serialised as it arrives and parked on disk, the header
    is written once the iterable is exhausted, then the parked bytes are copied in. Memory stays flat.
    """

    _BATCH = 2000

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close() / the context manager
        self._pending: list[bytes] = []

    def add(self, element: etree._Element) -> None:
        """Park one element, on a line of its own."""
        self.add_bytes(etree.tostring(line(element), encoding="utf-8"))

    def add_bytes(self, serialised: bytes) -> None:
        """Park one element already serialised as UTF-8 (ending in a line break)."""
        self._pending.append(serialised)
        if len(self._pending) >= self._BATCH:
            self._flush()

    def _flush(self) -> None:
        self._file.write(b"".join(self._pending))
        self._pending.clear()

    def copy_into(self, xf: etree._IncrementalFileWriter, out: IO[bytes]) -> None:
        """Write the parked elements at the writer's current position (inside its open element)."""
        self._flush()
        xf.flush()
        self._file.seek(0)
        shutil.copyfileobj(self._file, out, 1 << 20)

    def close(self) -> None:
        """Drop the temporary file."""
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
