"""The ISO 20022 schemas bank files are checked against, and the one hardened way every bank file is parsed.

The XSDs are the official ones installed packages ship (never fetched from the network); each is pinned by
SHA-256 here and checked when first loaded, so a changed package cannot quietly change what "valid" means.
They are found through the installed distributions' metadata (``importlib.metadata``) rather than by
importing the packages: ``pain001`` and ``camt053`` pull in hundreds of modules the platform does not use.

Every bank file is parsed with entity resolution, DTD loading and network access off and libxml2's size limits
on, and a file that carries a document type declaration at all (the vehicle of external entities and
"billion laughs" payloads) is refused before anything in it is used.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.metadata
import io
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lxml import etree


class SchemaIntegrityError(RuntimeError):
    """An installed XSD is missing or differs from the pinned one: the installation is broken, not a file."""


@dataclass(frozen=True)
class PinnedSchema:
    """One XSD shipped by an installed distribution, with the digest this code was verified against."""

    message: str  # e.g. "pain.001.001.09"
    distribution: str
    path: str  # inside the distribution
    sha256: str

    @property
    def namespace(self) -> str:
        """The message's XML namespace."""
        return f"urn:iso:std:iso:20022:tech:xsd:{self.message}"


PINNED = {
    pinned.message: pinned
    for pinned in (
        PinnedSchema(
            "pain.001.001.09",
            "sepaxml",
            "sepaxml/schemas/pain.001.001.09.xsd",
            "de038b373e47b0077b1832ddd81f4b2f1eb25d35721f62da1e38b7f5a09fda24",
        ),
        PinnedSchema(
            "pain.002.001.03",
            "pain001",
            "pain001/pain002/schemas/pain.002.001.03.xsd",
            "c0c2b98f51638147598678bbec3d5aedfa270a819c2fda8014ba3c34a5972195",
        ),
        PinnedSchema(
            "camt.054.001.08",
            "camt053",
            "camt053/xsd/camt.054.001.08.xsd",
            "2b392a1f7e70e70902fd0d803ff85989613bd1cae351663240b0bb9243be2c28",
        ),
    )
}


def hardened_parser() -> etree.XMLParser:
    """A parser that resolves no entity, loads no DTD, touches no network and keeps libxml2's size limits."""
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)


def schema_bytes(pinned: PinnedSchema) -> bytes:
    """The XSD's bytes from the installed distribution, after checking them against the pinned digest."""
    where = f"{pinned.distribution}:{pinned.path}"
    try:
        located = importlib.metadata.distribution(pinned.distribution).locate_file(pinned.path)
        data = Path(str(located)).read_bytes()
    except (importlib.metadata.PackageNotFoundError, OSError) as exc:
        raise SchemaIntegrityError(
            f"找不到 XSD 文件 {where}（应有 SHA-256 {pinned.sha256}）：请重新安装依赖。"
        ) from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != pinned.sha256:
        raise SchemaIntegrityError(
            f"XSD 文件 {where} 的 SHA-256 为 {actual}，应为 {pinned.sha256}："
            "安装的软件包与本系统核对过的版本不同，拒绝使用。"
        )
    return data


_compiled = threading.local()


def _per_thread(key: tuple[object, ...], build: Callable[[], etree.XMLSchema]) -> etree.XMLSchema:
    """A compiled schema kept for this thread: an XMLSchema keeps the error log of its last validation, so
    two threads sharing one (the web server's) could read each other's errors."""
    cache: dict[tuple[object, ...], etree.XMLSchema] = _compiled.__dict__.setdefault("schemas", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


def schema(message: str) -> etree.XMLSchema:
    """The compiled, pinned schema of one message (``pain.001.001.09`` …), compiled once per thread."""
    if message not in PINNED:
        raise SchemaIntegrityError(f"没有 {message} 的 XSD。")
    return _per_thread(
        (message,),
        lambda: etree.XMLSchema(etree.fromstring(schema_bytes(PINNED[message]), hardened_parser())),
    )


def element_schema(message: str, elements: tuple[tuple[str, str], ...]) -> etree.XMLSchema:
    """The pinned schema with global declarations added for some of its own types (``(element, type)``), so
    that one element of a file (a transaction, an entry) can be checked alone as soon as it has been read."""

    def build() -> etree.XMLSchema:
        document = etree.fromstring(schema_bytes(PINNED[message]), hardened_parser())
        for name, type_name in elements:
            etree.SubElement(document, f"{{{XS}}}element", name=name, type=type_name)
        return etree.XMLSchema(document)

    return _per_thread((message, elements), build)


XS = "http://www.w3.org/2001/XMLSchema"
Source = str | Path | IO[bytes]


class StreamValidator:
    """Checks a file against its pinned XSD while it streams, so every refusal names its line.

    libxml2's own streaming validation reports its errors only when the whole file has been read, without a
    line. Here each repeated element (a transaction, an entry) is validated against its type as it ends;
    each container is validated when it ends, with one checked example put back in place of the repeated
    children already released; and the document's root, reduced the same way, against the full schema.
    """

    def __init__(
        self, message: str, *, repeated: Sequence[tuple[str, str]], containers: Sequence[tuple[str, str]] = ()
    ) -> None:
        self.message = message
        self.ns = PINNED[message].namespace
        self.types = element_schema(message, tuple(sorted((*repeated, *containers))))
        self.full = schema(message)
        self.repeated = frozenset(f"{{{self.ns}}}{name}" for name, _ in repeated)
        self.examples: dict[str, etree._Element] = {}
        self.parents: dict[str, etree._Element] = {}

    def element(self, element: etree._Element, error: type[ValueError]) -> None:
        """Validate one repeated element that has just ended (before it is read and released)."""
        tag = element.tag
        parent = element.getparent()
        previous = element.getprevious()
        if self.parents.get(tag) is parent and previous is not None and previous.tag != tag:
            name, other = etree.QName(element).localname, etree.QName(previous).localname
            raise error(f"第 {previous.sourceline} 行不符合 XSD：{other} 出现在两个 {name} 之间。")
        if parent is not None:
            self.parents[tag] = parent
        if not self.types.validate(element):
            raise error(describe_log(self.types.error_log))
        if tag not in self.examples:
            self.examples[tag] = copy.deepcopy(element)

    def container(self, element: etree._Element, error: type[ValueError], *, root: bool = False) -> None:
        """Validate what is left of a container that has just ended, its released children stood in for."""
        reduced = self._reduced(element)
        checker = self.full if root else self.types
        if not checker.validate(reduced):
            raise error(describe_log(checker.error_log))
        if not root:
            self.examples.setdefault(element.tag, reduced)

    def check(self, element: etree._Element, error: type[ValueError]) -> None:
        """Validate an element that has just ended as what it is: repeated, the root, or another container."""
        if element.tag in self.repeated:
            self.element(element, error)
        elif element.getparent() is None:
            self.container(element, error, root=True)
        else:
            self.container(element, error)

    def _reduced(self, element: etree._Element) -> etree._Element:
        reduced = copy.deepcopy(element)
        for tag, example in self.examples.items():
            placeholders = [e for e in reduced.iter(tag) if len(e) == 0 and e.text is None and not e.attrib]
            for placeholder in placeholders:
                holder = placeholder.getparent()
                if holder is not None:
                    holder.replace(placeholder, copy.deepcopy(example))
        return reduced


def open_parse(source: Source, **options: object) -> etree.iterparse:
    return etree.iterparse(
        source,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        **options,
    )


def root_tag(source: Source, *, error: type[ValueError]) -> str:
    """The root element's ``{namespace}name``, read from its start tag only; a DOCTYPE is refused.

    A stream is put back where it was, so the caller can read it again from the start."""
    if isinstance(source, str | Path):
        with open(source, "rb") as stream:
            return root_tag(stream, error=error)
    start = source.tell() if source.seekable() else None
    try:
        for _event, element in open_parse(source, events=("start",)):
            refuse_doctype(element, error)
            return str(element.tag)
    except etree.XMLSyntaxError as exc:
        raise error(describe_syntax(exc)) from None
    finally:
        if start is not None:
            source.seek(start)
    raise error("文件为空或不是 XML。")


def iterparse(source: Source, *, error: type[ValueError], tags: Sequence[str]) -> Iterator[etree._Element]:
    """Stream a bank file's elements named ``tags`` (``{ns}Name``) as each ends, through the hardened parser.

    The caller has read the root with :func:`root_tag` (which refuses a DOCTYPE), validates with a
    :class:`StreamValidator` and clears what it has read, so memory stays flat however long the file is;
    a syntax error becomes ``error`` (PaymentFileError or ReturnFileError) with its line.
    """
    context = open_parse(source, events=("end",), tag=list(tags))
    try:
        yield from (element for _event, element in context)
    except etree.XMLSyntaxError as exc:
        raise error(describe_syntax(exc)) from None


def root_namespace(data: bytes, *, error: type[ValueError]) -> str:
    """The namespace of a document's root ``Document`` element (DOCTYPE refused, another root refused)."""
    tag = etree.QName(root_tag(io.BytesIO(data), error=error))
    if tag.localname != "Document":
        raise error(f"根元素应为 Document，现为 {tag.localname}。")
    return tag.namespace or ""


def refuse_doctype(element: etree._Element, error: type[ValueError]) -> None:
    """Refuse a document with a DOCTYPE (DTD, entity declarations) of any kind."""
    info = element.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None or info.system_url:
        raise error(
            "文件含有文档类型声明（DOCTYPE/ENTITY），银行文件不允许带 DTD 或实体声明，已拒绝，未解析其内容。"
        )


def describe_log(log: etree._ListErrorLog) -> str:
    """One Chinese sentence for a validation's first error: its line and the XSD's own words."""
    entry = log[0]
    where = f"第 {entry.line} 行" if entry.line else ""
    return f"{where}不符合 XSD：{entry.message}"


_POSITION = re.compile(r", line \d+, column \d+$")


def describe_syntax(exc: etree.XMLSyntaxError) -> str:
    """One Chinese sentence for a file that is not well-formed XML (the exception's own error: libxml2's log
    of an iterparse is the thread's, holding older errors too)."""
    message = _POSITION.sub("", str(exc.msg or exc))
    if message == "no element found":
        return "文件为空或不是 XML。"
    where = f"第 {exc.lineno} 行" if exc.lineno else ""
    return f"{where}XML 格式错误：{message}"
