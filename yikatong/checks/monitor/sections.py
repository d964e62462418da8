"""Sections that apps above the checks add to the monitoring page (the complaints' figures): each gives a
template and, for the reader and the page's filters, its context. Registered from the app's ready()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yikatong.checks.monitor.shapes import Filters


@dataclass(frozen=True)
class MonitorSection:
    """One section of the monitoring page drawn by a higher app."""

    template: str
    context: Callable[[Any, Filters], dict[str, Any]]


MONITOR_SECTIONS: list[MonitorSection] = []


def monitor_section_add(section: MonitorSection) -> None:
    """Add a section to the monitoring page (once)."""
    if section not in MONITOR_SECTIONS:
        MONITOR_SECTIONS.append(section)


def drawn_sections(user: Any, filters: Filters) -> list[tuple[str, dict[str, Any]]]:
    """Each added section's template and context for this reader."""
    return [(s.template, s.context(user, filters)) for s in MONITOR_SECTIONS]
