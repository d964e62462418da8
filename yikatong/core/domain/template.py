"""The text of a notice: a policy's notice template with ``{name}`` placeholders filled from the named
parameters that are also handed to the SMS gateway (no Django imports).

Only plain names are placeholders (``{policy}``, ``{amount}``); ``{{`` and ``}}`` stand for braces. A
template naming a parameter that is not given is refused whole, so no notice goes out half filled.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping

DEFAULT_TEMPLATE = (
    "【{signature}】您的{policy}{period}补贴{amount}元已于{date}发放至您的{bank}社保卡账户，"
    "如有疑问请咨询村（社区）或拨打12345。"
)
# The named parameters of the default template other than the signature (which the platform adds).
DEFAULT_PARAMS = ("policy", "period", "amount", "date", "bank")


class TemplateError(ValueError):
    """A notice template that cannot be filled (its message is Chinese, for the person who wrote it)."""


@functools.lru_cache(maxsize=64)
def _parsed(template: str) -> tuple[tuple[str, str | None], ...]:
    parts: list[tuple[str, str | None]] = []
    try:
        pieces = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(f"告知模板格式错误（花括号不成对）：{template}") from exc
    for literal, name, spec, conversion in pieces:
        if name is not None and (not name.isidentifier() or spec or conversion):
            raise TemplateError(f"告知模板中的占位符 {{{name}}} 只能是参数名，如 {{policy}}")
        parts.append((literal, name))
    return tuple(parts)


def pieces(template: str) -> tuple[tuple[str, str | None], ...]:
    """The template as (literal text, parameter name or None) pieces, in order (refused if malformed)."""
    return _parsed(template)


def missing(template: str, names: set[str] | frozenset[str]) -> str:
    """Why the template cannot be filled from parameters of these names ("" = it can)."""
    absent = [name for _, name in _parsed(template) if name is not None and name not in names]
    if absent:
        listed = "、".join(f"{{{name}}}" for name in dict.fromkeys(absent))
        return f"告知模板中的占位符 {listed} 没有对应的参数"
    return ""


def placeholders(template: str) -> list[str]:
    """The parameter names a template uses, in order of first use."""
    names = [name for _, name in _parsed(template) if name is not None]
    return list(dict.fromkeys(names))


def render(template: str, params: Mapping[str, str]) -> str:
    """The template filled from the parameters; a placeholder without a parameter is refused."""
    parts = _parsed(template)
    problem = missing(template, frozenset(params))
    if problem:
        raise TemplateError(problem)
    return "".join(literal + (str(params[name]) if name is not None else "") for literal, name in parts)
