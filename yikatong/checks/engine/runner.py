"""Running the catalogue over one set of inputs: findings, the rules skipped for want of data, a summary."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import polars as pl

from yikatong.checks.engine.catalogue import CATALOGUE
from yikatong.checks.engine.inputs import INPUT_LABELS, AuditInputs
from yikatong.checks.engine.rules import empty_findings


@dataclass
class AuditResult:
    """核查结果: the findings of one run, the rules it could not run and why, and the count per rule."""

    findings: pl.DataFrame
    skipped: dict[str, str]
    summary: pl.DataFrame


def run(
    inputs: AuditInputs,
    codes: Iterable[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> AuditResult:
    """Apply the chosen rules (default all) in catalogue order; ``progress(code, done, total)`` after each."""
    chosen = list(CATALOGUE) if codes is None else [code.strip().upper() for code in codes if code.strip()]
    unknown = [code for code in chosen if code not in CATALOGUE]
    if unknown:
        raise ValueError(f"未知的核查规则：{'、'.join(unknown)}")
    ordered = [code for code in CATALOGUE if code in chosen]
    found = [empty_findings()]
    skipped: dict[str, str] = {}
    counts: list[tuple[str, str, int]] = []
    for done, code in enumerate(ordered, start=1):
        rule = CATALOGUE[code]
        missing = inputs.missing(rule.needs)
        if missing:
            skipped[code] = "缺少" + "、".join(INPUT_LABELS.get(name, name) for name in missing) + "，未核查"
        else:
            result = rule.findings(inputs)
            found.append(result)
            counts.append((code, rule.title_zh, result.height))
        if progress is not None:
            progress(code, done, len(ordered))
    findings = pl.concat(found).sort(["row_no", "rule"], nulls_last=True)
    summary = pl.DataFrame(
        counts, schema={"rule": pl.String, "title": pl.String, "count": pl.Int64}, orient="row"
    )
    return AuditResult(findings=findings, skipped=skipped, summary=summary)
