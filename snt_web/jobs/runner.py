"""Running one claimed job in a worker, whatever the backend.

The task runs in the calling thread while a background thread beats for it,
so a long step without progress reports (one big filter call) still shows the
worker alive. The beat also learns of a cancel: the task's long kernels stop
at their next checkpoint (:mod:`snt_web.checkpoints`), within a few seconds,
not only at its next progress report. However the task ends, the record says
so: done with its result, failed with the error, cancelled, or failed because
the worker is being stopped.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from contextlib import contextmanager

from ..checkpoints import checking
from .queue import HEARTBEAT_S, JobQueue
from .records import JobCancelled, JobRecord, UnknownTaskError
from .tasks import JobContext, load_tasks

log = logging.getLogger(__name__)

#: A checkpoint asks the queue whether its job was cancelled at most this often (seconds).
CANCEL_POLL_S = 0.5


def worker_name() -> str:
    """This process, as job records and error messages name it."""
    return f"pid {os.getpid()} on host {socket.gethostname()}"


def run_claimed(queue: JobQueue, record: JobRecord) -> JobRecord | None:
    """Run a job this process has claimed and record how it ended.

    Parameters
    ----------
    queue : JobQueue
    record : JobRecord
        As :meth:`JobQueue.claim` returned it (state ``'running'``, this worker).

    Returns
    -------
    JobRecord or None
        The final record; None if the job stopped being this worker's meanwhile
        (failed as stale), in which case it is left as the reaper wrote it.

    Raises
    ------
    SystemExit, KeyboardInterrupt
        Passed on after the job is recorded as failed: the worker is stopping.
    """
    started = time.monotonic()

    def finish(state: str, **outcome) -> JobRecord | None:
        return queue.finish(record.id, record.worker, state, **outcome)

    try:
        fn = load_tasks().get(record.kind)
        if fn is None:
            raise UnknownTaskError(f"this worker has no task {record.kind!r}")
        stop = threading.Event()
        asked_at = [time.monotonic()]

        def check():
            # The heartbeat notices a cancel within HEARTBEAT_S; a checkpoint asks
            # itself as well (at most every CANCEL_POLL_S), so that a cancel stops
            # the kernel within a slab even when the heartbeat thread is starved.
            now = time.monotonic()
            if not stop.is_set() and now - asked_at[0] >= CANCEL_POLL_S:
                asked_at[0] = now
                current = queue.beat(record.id, record.worker)
                if current is None or current.cancel_requested:
                    stop.set()
            if stop.is_set():
                raise JobCancelled("cancel requested")

        with _heartbeat(queue, record, stop), _opened_store(queue) as store, checking(check):
            result = fn(JobContext(queue, record, store), **record.params)
        if not isinstance(result, dict):
            raise TypeError(f"task {record.kind!r} returned {type(result).__name__}, not a dict")
        result = json.loads(json.dumps(result))
    except JobCancelled as err:
        log.info("job %s (%s) cancelled: %s", record.id, record.kind, err)
        return finish("cancelled")
    except Exception as err:
        log.exception("job %s (%s) failed", record.id, record.kind)
        return finish("failed", error=str(err) or type(err).__name__)
    except BaseException:
        # SystemExit from SIGTERM, KeyboardInterrupt: the worker is being
        # stopped; say so now rather than leave the job for the reaper.
        finish("failed", error=f"worker stopped ({record.worker})")
        raise
    log.info("job %s (%s) done in %.1f s", record.id, record.kind, time.monotonic() - started)
    return finish("done", result=result)


@contextmanager
def _opened_store(queue: JobQueue):
    """A project store for one job, its database connections closed afterwards."""
    store = queue.open_store()
    try:
        yield store
    finally:
        store.engine.dispose()


@contextmanager
def _heartbeat(queue: JobQueue, record: JobRecord, cancelled: threading.Event):
    """Beat for the job (and its worker) every :data:`HEARTBEAT_S` seconds while the block runs.

    ``cancelled`` is set when a cancel was requested, or the job is no longer this worker's.
    """
    stop = threading.Event()

    def beat():
        while not stop.wait(HEARTBEAT_S):
            try:
                queue.worker_alive(record.worker)
                now = queue.beat(record.id, record.worker)
                if now is None or now.cancel_requested:
                    cancelled.set()  # the task stops at its next checkpoint or progress report
                if now is None:
                    return
            except Exception:
                # A broker or disk hiccup: the next beat may well get through,
                # and a worker that is really cut off is reaped anyway.
                log.warning("heartbeat of job %s failed", record.id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{record.id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
