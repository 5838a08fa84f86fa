"""Worker processes: started by ``snt-web serve`` beside the app, or by ``snt-web worker``.

A disk-backend worker is a separate process (never a thread of a server
process): a job may hold a CPU for minutes and must not stall a page, and a
crashing task must not take the server with it. ``SIGTERM`` stops a worker at
once; the job it was running is recorded as failed ("worker stopped"). A
worker that dies otherwise (killed, out of memory) is replaced by
:func:`supervise` within a second or two, so ``serve --workers N`` and
``worker --concurrency N`` keep N workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time

from .disk import DiskQueue
from .queue import open_queue

LOG_FORMAT = "%(asctime)s %(processName)s %(levelname)s %(name)s: %(message)s"


#: Seconds between two looks at whether every worker is alive.
SUPERVISE_S = 1.0

log = logging.getLogger(__name__)


def start_workers(n: int, data_dir, database_url: str | None = None) -> list[multiprocessing.Process]:
    """Start ``n`` disk-backend worker processes; stop them with :func:`stop_workers`.

    They are fresh interpreters (``spawn``), not forks of the caller, and stop
    by themselves when the caller dies without stopping them.
    """
    return [_start_worker(i + 1, data_dir, database_url) for i in range(n)]


def _start_worker(number: int, data_dir, database_url: str | None) -> multiprocessing.Process:
    context = multiprocessing.get_context("spawn")
    worker = context.Process(target=_disk_worker_main, args=(str(data_dir), database_url, os.getpid()),
                             name=f"snt-web-worker-{number}", daemon=True)
    worker.start()
    return worker


def supervise(workers: list, data_dir, database_url: str | None, stop: threading.Event,
              every_s: float = SUPERVISE_S) -> None:
    """Replace, in ``workers``, each worker process that died, until ``stop`` is set.

    The job a dead worker was running is failed by the reaper (its heartbeat
    stops); the new worker takes the next queued job.
    """
    while not stop.wait(every_s):
        for i, worker in enumerate(workers):
            if not worker.is_alive() and not stop.is_set():
                log.warning("job worker %s (pid %s) died with exit code %s; starting another", worker.name,
                            worker.pid, worker.exitcode)
                workers[i] = _start_worker(i + 1, data_dir, database_url)


def supervise_in_background(workers: list, data_dir, database_url: str | None) -> threading.Event:
    """:func:`supervise` in a daemon thread; set the returned event to stop it (before :func:`stop_workers`)."""
    stop = threading.Event()
    threading.Thread(target=supervise, args=(workers, data_dir, database_url, stop), name="snt-web-supervisor",
                     daemon=True).start()
    return stop


def stop_workers(workers, timeout: float = 10.0) -> None:
    """Stop worker processes (``SIGTERM``), killing those still alive after ``timeout`` seconds."""
    for worker in workers:
        worker.terminate()
    deadline = time.monotonic() + timeout
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            worker.kill()
            worker.join()


def run_workers(data_dir, database_url: str | None = None, backend: str | None = None,
                redis_url: str | None = None, concurrency: int = 1) -> int:
    """Run workers in the foreground until ``SIGTERM`` or Ctrl-C (``snt-web worker``); an exit code.

    Parameters
    ----------
    backend : {'disk', 'celery'}, optional
        As for :func:`~snt_web.jobs.queue.open_queue`.
    concurrency : int
        Jobs run at once: worker processes for the disk backend, Celery's pool size.
    """
    queue = open_queue(data_dir, database_url, backend, redis_url)
    if queue.backend == "celery":
        return queue.run_worker(concurrency)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    if concurrency == 1:
        queue.run_worker(threading.Event())
        return 0
    workers = start_workers(concurrency, data_dir, database_url)
    try:
        supervise(workers, data_dir, database_url, threading.Event())  # until SIGTERM or Ctrl-C
    finally:
        stop_workers(workers)
    return 0


def _disk_worker_main(data_dir: str, database_url: str | None, parent_pid: int) -> None:
    """A started worker process: run jobs until ``SIGTERM`` or the parent's death."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    # Ctrl-C in a terminal reaches the whole process group; the parent decides
    # when its workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    DiskQueue(data_dir, database_url).run_worker(threading.Event())


def _exit_on_signal(signum, frame):
    # Raised in the main thread, through the running task: the runner records
    # the job as failed on its way out.
    raise SystemExit(128 + signum)


def _exit_with_parent(parent_pid: int) -> None:
    # A parent killed with SIGKILL cannot stop its workers; orphans notice
    # that they were re-parented and stop themselves.
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)
