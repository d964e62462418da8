"""The change feed's kinds: which audit actions each kind of change is (no Django).

The feed is read from the audit log (docs/sharing.md says why): each kind names the action codes, by
prefix, whose events it returns. Reads (``export.*``, ``lookup.*``, ``api.use``) are never changes.
"""

from __future__ import annotations

KINDS: dict[str, tuple[str, ...]] = {
    "registry": ("registry.import.",),
    "policies": ("policy.",),
    "rosters": ("roster.",),
    "plans": ("plan.",),
    "batches": ("batch.", "return.import"),
    "payments": ("payment.",),
    "findings": ("checks.run.", "checks.finding_settle"),
    "disclosure": ("disclosure.",),
}


def parse_kinds(text: str) -> tuple[list[str], list[str]]:
    """Comma-separated kinds → (known kinds, unknown words); empty means every kind."""
    words = [word.strip() for word in text.split(",") if word.strip()]
    if not words:
        return list(KINDS), []
    known = [word for word in dict.fromkeys(words) if word in KINDS]
    return known, [word for word in words if word not in KINDS]


def kind_of(action: str) -> str:
    """The kind of an audit action ("" when it is none of the feed's)."""
    for kind, prefixes in KINDS.items():
        if any(action.startswith(prefix) for prefix in prefixes):
            return kind
    return ""
