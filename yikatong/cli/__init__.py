"""The `yikatong` command: one entry point for the demo, the servers, imports, checks and audits.

Each group of sub-commands is a module of this package (``server``, ``staff``, ``imports``, ``checks``,
``payments``); importing them registers their commands on ``app`` (``base``).
"""

from __future__ import annotations

from yikatong.cli import checks, imports, payments, server, staff
from yikatong.cli.base import app

__all__ = ["app", "checks", "imports", "main", "payments", "server", "staff"]


def main() -> None:
    """Console-script entry point."""
    app()
