"""Tasks a job can run: a registry of plain functions, and what they are handed.

A task is ``fn(context, **params) -> dict``. It reads and writes the project
through ``context.store``, calls ``context.progress`` now and then (which is
also where a cancel reaches it), and returns a small JSON dict describing the
result. A task writes to the project only at its very end, so a job that
fails or is cancelled leaves the project as it was.

Examples
--------
>>> @task("count-paths")  # doctest: +SKIP
... def count_paths(context):
...     tree = context.store.reconstruction(context.project_id)
...     return {"paths": len(tree.paths)}
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Callable

from .records import JobCancelled, UnknownTaskError

#: Registered tasks by name, filled by importing :data:`TASK_MODULES`.
TASKS: dict[str, Callable] = {}

#: Modules whose import registers tasks.
TASK_MODULES = ("snt_web.jobs.builtin", "snt_web.jobs.classifier_tasks", "snt_web.jobs.fit_tasks",
                "snt_web.jobs.curation_tasks", "snt_web.jobs.autotrace_tasks")

#: Comma-separated extra task modules, read by servers and workers alike.
TASK_MODULES_ENV = "SNT_WEB_TASK_MODULES"


def task(name: str):
    """Register the decorated function as the task ``name``."""

    def register(fn: Callable) -> Callable:
        if TASKS.get(name, fn) is not fn:
            raise ValueError(f"task {name!r} is registered twice ({TASKS[name].__module__}, {fn.__module__})")
        TASKS[name] = fn
        return fn

    return register


def load_tasks() -> dict[str, Callable]:
    """Import :data:`TASK_MODULES` and those named in ``$SNT_WEB_TASK_MODULES``; the registry."""
    extra = [m.strip() for m in os.environ.get(TASK_MODULES_ENV, "").split(",") if m.strip()]
    for module in (*TASK_MODULES, *extra):
        importlib.import_module(module)
    return TASKS


def check_params(kind: str, params: dict) -> None:
    """Check that the task ``kind`` exists and takes ``params``.

    Raises
    ------
    UnknownTaskError
        No task is registered as ``kind``.
    TypeError
        The task does not take these parameters (an unknown name, a missing one).
    """
    fn = load_tasks().get(kind)
    if fn is None:
        raise UnknownTaskError(f"unknown task {kind!r}; known: {', '.join(sorted(TASKS)) or 'none'}")
    try:
        inspect.signature(fn).bind(None, **params)
    except TypeError as err:
        raise TypeError(f"task {kind!r}: {err}") from None


class JobContext:
    """What a running task gets: the store, its project and user, and progress.

    Attributes
    ----------
    store : snt_web.store.ProjectStore
        Opened on the data directory and database the queue was configured with.
    project_id : str
    user : str or None
        The job's submitter; writes are checked against their role.
    job_id : str
    """

    def __init__(self, queue, record, store):
        self.store = store
        self.project_id = record.project_id
        self.user = record.user
        self.job_id = record.id
        self._queue = queue
        self._worker = record.worker

    def progress(self, percent: float, message: str = "") -> None:
        """Report progress (0-100) and what the task is doing; also a heartbeat.

        Each call writes the job record: report per step of the work (a scale,
        a slab of slices), not per voxel or per node.

        Raises
        ------
        JobCancelled
            Cancel was requested, or the job is no longer this worker's (it
            was failed as stale): the task should stop without writing.
        """
        record = self._queue.report(self.job_id, self._worker, percent, message)
        if record is None:
            raise JobCancelled("the job is no longer running on this worker")
        if record.cancel_requested:
            raise JobCancelled("cancel requested")
