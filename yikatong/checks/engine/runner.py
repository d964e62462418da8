"""Running the catalogue over one set of inputs: findings, the rules skipped for want of data, a summary.

The rules run side by side on a small thread pool: Polars releases the GIL while it works, so one rule's
joins overlap another's, and the frames several rules share are built once (``rules._cached``). Progress
is still reported in catalogue order, from the calling thread (a Django task's progress callback writes
through the caller's database connection).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from yikatong.checks.engine.catalogue import CATALOGUE
from yikatong.checks.engine.frames import empty_findings
from yikatong.checks.engine.identity import links, unidentified
from yikatong.checks.engine.inputs import INPUT_LABELS, AuditInputs

# Rules run at once: Polars already spreads each one over the cores, so a few threads are enough to fill
# the gaps between its steps.
WORKERS = max(1, min(4, os.cpu_count() or 1))
# Rules measured to take longest at county scale (bench/checks.py), started before the others.
LONGEST_FIRST = ("AREA_EXCEEDS", "OVER_STANDARD", "CADRE_HOUSEHOLD")


@dataclass
class AuditResult:
    """核查结果: the findings of one run, the rules it could not run and why, and the count per rule."""

    findings: pl.DataFrame
    skipped: dict[str, str]
    summary: pl.DataFrame
    # Every line is judged: how many, and how many of them by a person linked to a mistyped ID number or
    # by no person at all (ID_INVALID, SHARED_ACCOUNT and MISSED's "any line" only).
    lines: int = 0
    linked: int = 0
    unidentified: int = 0

    def coverage_zh(self) -> str:
        """共N行，全部参与核查, and what the numbers behind it are."""
        parts = []
        if self.linked:
            parts.append(f"{self.linked}行身份证号有误，已按疑似本人核查")
        if self.unidentified:
            parts.append(
                f"{self.unidentified}行身份证号无效或缺失且无法对应到登记人员，只参与不需要人员信息的规则"
            )
        tail = f"（其中{'；'.join(parts)}）" if parts else ""
        return f"名册共{self.lines}行，全部参与核查{tail}"


def run(
    inputs: AuditInputs,
    codes: Iterable[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> AuditResult:
    """Apply the chosen rules (default all); ``progress(code, done, total)`` after each, catalogue order."""
    chosen = list(CATALOGUE) if codes is None else [code.strip().upper() for code in codes if code.strip()]
    unknown = [code for code in chosen if code not in CATALOGUE]
    if unknown:
        raise ValueError(f"未知的核查规则：{'、'.join(unknown)}")
    ordered = [code for code in CATALOGUE if code in chosen]
    skipped: dict[str, str] = {}
    for code in ordered:
        missing = inputs.missing(CATALOGUE[code].needs)
        if missing:
            skipped[code] = "缺少" + "、".join(INPUT_LABELS.get(name, name) for name in missing) + "，未核查"
    found = [empty_findings()]
    counts: list[tuple[str, str, int]] = []
    # The longest rules start first, so that none of them is left to run alone at the end.
    runnable = sorted(
        (code for code in ordered if code not in skipped), key=lambda code: code not in LONGEST_FIRST
    )
    pool = ThreadPoolExecutor(
        max_workers=max(1, min(WORKERS, len(runnable))), thread_name_prefix="audit-rule"
    )
    try:
        futures: dict[str, Future[pl.DataFrame]] = {
            code: pool.submit(CATALOGUE[code].findings, inputs) for code in runnable
        }
        for done, code in enumerate(ordered, start=1):
            if code in futures:
                result = futures[code].result()
                found.append(result)
                counts.append((code, CATALOGUE[code].title_zh, result.height))
            if progress is not None:
                progress(code, done, len(ordered))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    findings = pl.concat(found).sort(["row_no", "rule"], nulls_last=True)
    summary = pl.DataFrame(
        counts, schema={"rule": pl.String, "title": pl.String, "count": pl.Int64}, orient="row"
    )
    return AuditResult(
        findings=findings,
        skipped=skipped,
        summary=summary,
        lines=inputs.lines.height,
        linked=links(inputs).height,
        unidentified=unidentified(inputs).height,
    )
