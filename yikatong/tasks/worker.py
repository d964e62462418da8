"""`yikatong worker`: a django-tasks database worker that beats its heart and reaps lost runs."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from yikatong.tasks import services
from yikatong.tasks.models import WorkerProcess

logger = logging.getLogger(__name__)


def _heartbeat_loop(worker_id: str, stop: threading.Event) -> None:
    hostname, pid = socket.gethostname(), os.getpid()
    while not stop.is_set():
        try:
            services.worker_heartbeat(worker_id, hostname=hostname, pid=pid)
            services.reap_lost_tasks()
        except Exception:  # a busy database must not kill the heartbeat; try again next beat
            logger.warning("工作进程心跳写入失败，稍后重试", exc_info=True)
        finally:
            close_old_connections()
        stop.wait(services.HEARTBEAT_SECONDS)
    connection.close()


def run_worker(*, queue: str = "default", interval: float = 1.0, batch: bool = False) -> None:
    """Run until stopped: claim queued tasks one at a time, heartbeat every few seconds."""
    worker_id = f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    services.CURRENT_WORKER_ID = worker_id
    services.worker_heartbeat(worker_id, hostname=socket.gethostname(), pid=os.getpid())
    services.reap_lost_tasks()
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat_loop, args=(worker_id, stop), daemon=True, name="heartbeat")
    beat.start()
    worker = Worker(
        queue_names=[queue],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=not batch,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    worker.configure_signals()
    logger.info("工作进程 %s 已启动", worker_id)
    try:
        worker.run()
    finally:
        stop.set()
        beat.join(timeout=10)
        WorkerProcess.objects.filter(pk=worker_id).update(stopped_at=timezone.now())
        logger.info("工作进程 %s 已停止", worker_id)
