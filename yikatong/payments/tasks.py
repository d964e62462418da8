"""Background work of disbursement: generating each batch's payment file after finance's approval.

A file of 200,000 payments is written and validated in a worker, never in a web request; the batch page
shows it once it is there. Started after the approval commits, so no file exists for an approval that
rolled back; generating again after a crash gives the same file (``files.batch_file`` keeps the first).
"""

from __future__ import annotations

from typing import Any

from yikatong.payments.models import PaymentBatch
from yikatong.tasks.models import TaskRun
from yikatong.tasks.services import Progress, task_start, tracked_task


def start_batch_files(batch_ids: list[int], user: Any = None) -> TaskRun | None:
    """Queue the generation of the batches' files (one task for the approval)."""
    batches = list(PaymentBatch.objects.filter(pk__in=batch_ids).select_related("plan"))
    if not batches:
        return None
    plan = batches[0].plan
    return task_start(
        task=generate_batch_files,
        title=f"生成代发文件：发放计划 {plan.number}",
        user=user if user is not None else plan.approved_by,
        arguments={"batch_ids": sorted(batch_ids)},
        region_code=plan.region_id,
    )


@tracked_task(title="生成代发文件")
def generate_batch_files(run: TaskRun, progress: Progress, *, batch_ids: list[int]) -> dict[str, Any]:
    """Generate (or find) each batch's file; a batch that fails says why and the others still get theirs."""
    from yikatong.payments.files import batch_file  # the writers, only where files are written

    done: list[dict[str, Any]] = []
    for index, batch in enumerate(PaymentBatch.objects.filter(pk__in=batch_ids).select_related("bank")):
        progress(index, len(batch_ids), f"{batch.bank.name}：{batch.message_id}")
        kept = batch_file(batch=batch, user=run.created_by)
        done.append({"batch": batch.pk, "file": kept.file_name, "sha256": kept.sha256, "count": kept.count})
    progress(len(batch_ids), len(batch_ids), "代发文件已生成")
    return {"files": done, "summary": f"已生成 {len(done)} 个代发文件"}
