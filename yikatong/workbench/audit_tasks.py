"""Background work on the audit log: verifying the hash chain (a task of the workbench, which may use the
task framework; the audit app itself sits below it and imports no app but core)."""

from __future__ import annotations

from typing import Any

from yikatong.audit.selectors import audit_chain_verify
from yikatong.audit.services import audit_record
from yikatong.tasks.models import TaskRun
from yikatong.tasks.services import Progress, tracked_task


@tracked_task(title="审计日志完整性校验")
def verify_audit_chain(run: TaskRun, progress: Progress) -> dict[str, Any]:
    """Walk the hash chain and report the first break."""
    progress(0, message="正在逐条校验审计日志摘要链", force=True)
    total, broken = audit_chain_verify(
        progress=lambda done, total: progress(done, total, f"已校验 {done}/{total} 条")
    )
    outcome: dict[str, Any] = {"total": total, "ok": broken is None}
    if broken is None:
        outcome["summary"] = f"审计日志完整：共 {total} 条事件，摘要链无断裂"
    else:
        outcome.update({"broken_seq": broken.seq, "reason": broken.reason})
        outcome["summary"] = f"审计日志被篡改：{broken.reason}"
    audit_record(action="audit.verify", object_type="audit.chain", after=outcome)
    return outcome
