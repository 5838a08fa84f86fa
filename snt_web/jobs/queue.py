"""The job queue: one interface for the web app and the workers, two backends.

The web app submits jobs, lists them, reads their progress and cancels them;
workers claim jobs, report progress and heartbeats, and record how they ended.
All of that is written here once, on top of a handful of storage primitives
each backend provides (:mod:`.disk`, the embedded default, and
:mod:`.celery_backend`, Redis and Celery for several machines).

Every change to a record is an atomic read-modify-write that only applies in
the expected state, so a cancel, a progress report and the reaper never
overwrite each other, and a job is claimed by exactly one worker.

A submission is checked here, whoever submits it (a panel, the API, a
script): the submitter's role on the project must allow ``edit`` (the
store's :func:`~snt_web.store.commands.require`), its parameters must pass
its task's declarations (:mod:`.params`), and one user may have only
:func:`~snt_web.limits.max_queued_jobs` jobs waiting at once. Workers say
they are alive every :data:`HEARTBEAT_S` seconds, busy or idle, so a page can
tell its user when no worker would ever run what they queue.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..limits import max_queued_jobs
from .records import JobRecord, QueueFullError
from .tasks import check_params, load_tasks

#: Backend names, as ``SNT_WEB_JOBS`` and ``--backend`` take them.
BACKENDS = ("disk", "celery")
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
#: Seconds between a running job's heartbeats.
HEARTBEAT_S = 2.0
#: A running job whose worker has not beaten for this long is failed.
STALE_AFTER_S = 30.0
#: A worker not heard of for this long is taken to be gone (it says it is alive every HEARTBEAT_S).
WORKER_SILENT_S = 10.0
#: The role action a submission needs: a job writes to the project (or reads all of it) as its submitter.
SUBMIT_ACTION = "edit"


class JobQueue(ABC):
    """Jobs of the projects under one data directory.

    Parameters
    ----------
    data_dir : path-like
        The project store's data directory; tasks open the store there.
    database_url : str, optional
        The project store's database (its SQLite file under ``data_dir`` by default).
    stale_after_s : float
        :meth:`reap`'s default: a running job whose worker has been silent this
        long is failed.
    """

    #: The backend's name, one of :data:`BACKENDS`.
    backend = ""

    def __init__(self, data_dir, database_url: str | None = None, stale_after_s: float = STALE_AFTER_S):
        self.data_dir = Path(data_dir).expanduser()
        self.database_url = database_url
        self.stale_after_s = stale_after_s
        self._roles_store = None  # opened on the first submission, for the role check
        load_tasks()

    # --- for the web app ---------------------------------------------------------
    def submit(self, kind: str, project_id: str, user: str | None, params: dict | None = None,
               image: dict | None = None) -> JobRecord:
        """Queue the task ``kind`` for a project.

        Parameters
        ----------
        kind : str
            A registered task name (:data:`~snt_web.jobs.tasks.TASKS`).
        project_id : str
        user : str or None
            The submitter; the task writes to the project as them.
        params : dict, optional
            The task's keyword arguments; JSON values only.
        image : dict, optional
            :func:`~snt_web.jobs.params.image_facts` of the project's image:
            channels, frames and scales are checked against it.

        Returns
        -------
        JobRecord
            The new record, state ``'queued'``.

        Raises
        ------
        PermissionDenied
            ``user``'s role on the project does not allow :data:`SUBMIT_ACTION`.
        UnknownTaskError
            ``kind`` is not registered.
        TypeError
            The task does not take ``params``, or they are not JSON values.
        ParameterError
            A parameter's value is refused (the message names it).
        QueueFullError
            ``user`` has :func:`~snt_web.limits.max_queued_jobs` jobs waiting already.
        """
        from ..store.commands import require  # as open_store: most CLI commands never submit

        if self._roles_store is None:
            self._roles_store = self.open_store()
        require(self._roles_store, project_id, user, SUBMIT_ACTION)
        params = check_params(kind, dict(params or {}), image)
        try:
            # The round trip turns tuples into lists, as every reader will see them.
            params = json.loads(json.dumps(params))
        except (TypeError, ValueError) as err:
            raise TypeError(f"task {kind!r}: parameters must be JSON values ({err})") from None
        limit = max_queued_jobs()
        if self._queued_count(user) >= limit:
            raise QueueFullError(f"{user or 'you'} already {'has' if user else 'have'} {limit} jobs waiting "
                                 "(SNT_WEB_MAX_QUEUED_JOBS): wait for them to start, or cancel some")
        record = JobRecord(id=secrets.token_hex(8), kind=kind, project_id=project_id, user=user, params=params,
                           created=time.time(), message="queued")
        self._add(record)
        return record

    def live_workers(self, within_s: float = WORKER_SILENT_S) -> list[str]:
        """Workers (``"pid P on host H"``) heard of in the last ``within_s`` seconds."""
        now = time.time()
        return sorted(name for name, seen in self._worker_times().items() if seen >= now - within_s)

    def get(self, job_id: str) -> JobRecord:
        """The current record of a job.

        Raises
        ------
        JobNotFoundError
        """
        record = self._load(job_id)
        if _is_stale(record, time.time(), self.stale_after_s):
            # So that a page polling one job sees its worker die, too.
            record = self._fail_stale(job_id, self.stale_after_s) or self._load(job_id)
        return record

    def list(self, project_id: str | None = None, limit: int = 100) -> list[JobRecord]:
        """Jobs, newest first; of one project with ``project_id``.

        Stale running jobs are failed first (:meth:`reap`), so no list shows a
        job as running whose worker is gone.
        """
        self.reap()
        return self._newest(project_id, limit)

    def cancel(self, job_id: str, user: str | None) -> JobRecord:
        """Cancel a job: a queued one at once, a running one at its next progress report.

        A finished job is left as it is. Returns the record after the change.
        """
        now = time.time()
        who = f" by {user}" if user else ""

        def change(r: JobRecord):
            if r.state == "queued":
                return replace(r, state="cancelled", finished=now, message=f"cancelled{who}")
            if r.state == "running" and not r.cancel_requested:
                return replace(r, cancel_requested=True, message=f"cancelling{who}")
            return None

        # A cancelled job stays in the backend's queue: the worker that takes
        # it finds it cancelled and skips it (see :meth:`claim`).
        return self._update(job_id, change) or self.get(job_id)

    def reap(self, stale_after_s: float | None = None) -> list[JobRecord]:
        """Fail running jobs whose worker has not beaten for ``stale_after_s`` seconds.

        A worker killed (SIGKILL, power loss) cannot say so; its jobs would
        show as running forever. Returns the records failed now.
        """
        stale_after_s = self.stale_after_s if stale_after_s is None else stale_after_s
        reaped = (self._fail_stale(job_id, stale_after_s) for job_id in self._running_ids())
        return [record for record in reaped if record is not None]

    def _fail_stale(self, job_id: str, stale_after_s: float) -> JobRecord | None:
        now = time.time()
        return self._update(job_id, lambda r: replace(
            r, state="failed", finished=now, error=f"worker stopped ({r.worker})",
            message=f"no heartbeat for {now - r.heartbeat:.0f} s",
        ) if _is_stale(r, now, stale_after_s) else None)

    # --- for the workers ---------------------------------------------------------
    def open_store(self):
        """A :class:`~snt_web.store.ProjectStore` on the queue's data directory and database."""
        # Imported here: the CLI imports this package for every command, and
        # most of them never open a store.
        from ..store import ProjectStore

        return ProjectStore(self.data_dir, self.database_url)

    def claim(self, job_id: str, worker: str) -> JobRecord | None:
        """Mark a queued job as running on ``worker``; None if it is not queued (any more)."""
        now = time.time()
        return self._update(job_id, lambda r: replace(
            r, state="running", started=now, heartbeat=now, worker=worker, message="started",
        ) if r.state == "queued" else None)

    def worker_alive(self, worker: str) -> None:
        """Record that the worker ``worker`` is alive (busy or idle); :meth:`live_workers` reads it."""
        self._note_worker(worker, time.time())

    def beat(self, job_id: str, worker: str) -> JobRecord | None:
        """Record that ``worker`` is alive and still running the job; None if it is not."""
        now = time.time()
        return self._update_own(job_id, worker, lambda r: replace(r, heartbeat=now))

    def report(self, job_id: str, worker: str, percent: float, message: str = "") -> JobRecord | None:
        """Record progress (clipped to 0-100) and a heartbeat; None if the job is not ``worker``'s."""
        now = time.time()
        percent = min(100.0, max(0.0, float(percent)))
        return self._update_own(job_id, worker, lambda r: replace(r, progress=percent, message=message,
                                                                    heartbeat=now))

    def finish(self, job_id: str, worker: str, state: str, *, result: dict | None = None,
               error: str | None = None) -> JobRecord | None:
        """Record how a job ended: ``'done'`` with ``result``, ``'failed'`` with ``error``, or ``'cancelled'``.

        None if the job was no longer ``worker``'s (the reaper failed it meanwhile).
        """
        now = time.time()

        def change(r: JobRecord) -> JobRecord:
            progress = 100.0 if state == "done" else r.progress
            return replace(r, state=state, finished=now, heartbeat=now, message=state, result=result,
                           error=error, progress=progress)

        return self._update_own(job_id, worker, change)

    def _update_own(self, job_id, worker, change) -> JobRecord | None:
        """Apply ``change`` if the job is running on ``worker``."""
        return self._update(job_id, lambda r: change(r) if r.state == "running" and r.worker == worker else None)

    # --- what each backend provides ----------------------------------------------
    @abstractmethod
    def _add(self, record: JobRecord) -> None:
        """Store a new record and queue it for a worker."""

    @abstractmethod
    def _load(self, job_id: str) -> JobRecord:
        """The stored record; JobNotFoundError if there is none."""

    @abstractmethod
    def _update(self, job_id: str, change: Callable[[JobRecord], JobRecord | None]) -> JobRecord | None:
        """Atomically replace the record by ``change(record)``, unless that is None.

        Returns the new record, or None when nothing changed. Raises
        JobNotFoundError if there is no such job.
        """

    @abstractmethod
    def _newest(self, project_id: str | None, limit: int) -> list[JobRecord]:
        """Up to ``limit`` records, newest first, of one project or all."""

    @abstractmethod
    def _running_ids(self) -> list[str]:
        """Ids of the jobs in state ``'running'``."""

    @abstractmethod
    def _queued_count(self, user: str | None) -> int:
        """How many jobs of ``user`` are in state ``'queued'``."""

    @abstractmethod
    def _note_worker(self, worker: str, when: float) -> None:
        """Store that ``worker`` was alive at ``when``."""

    @abstractmethod
    def _worker_times(self) -> dict[str, float]:
        """When each worker was last alive."""


def _is_stale(record: JobRecord, now: float, stale_after_s: float) -> bool:
    return record.state == "running" and record.heartbeat < now - stale_after_s


def open_queue(data_dir, database_url: str | None = None, backend: str | None = None,
               redis_url: str | None = None) -> JobQueue:
    """The job queue of a data directory.

    Parameters
    ----------
    data_dir : path-like
        The project store's data directory (``ProjectStore.data_dir``).
    database_url : str, optional
        The project store's database URL, for the tasks.
    backend : {'disk', 'celery'}, optional
        ``$SNT_WEB_JOBS``, else ``'disk'``.
    redis_url : str, optional
        For the celery backend: ``$SNT_WEB_REDIS_URL``, else :data:`DEFAULT_REDIS_URL`.

    Raises
    ------
    ValueError
        An unknown backend name.
    """
    backend = configured_backend(backend)
    # Imported here: the web app should not pay Celery's import unless it is configured.
    if backend == "disk":
        from .disk import DiskQueue

        return DiskQueue(data_dir, database_url)
    from .celery_backend import CeleryQueue

    return CeleryQueue(data_dir, database_url, redis_url or os.environ.get("SNT_WEB_REDIS_URL") or DEFAULT_REDIS_URL)


def configured_backend(backend: str | None = None) -> str:
    """``backend``, else ``$SNT_WEB_JOBS``, else ``'disk'``.

    Raises
    ------
    ValueError
        The name is not one of :data:`BACKENDS`.
    """
    backend = backend or os.environ.get("SNT_WEB_JOBS") or "disk"
    if backend not in BACKENDS:
        raise ValueError(f"unknown jobs backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    return backend
