"""Tasks a job can run: a registry of plain functions, and what they are handed.

A task is ``fn(context, **params) -> dict``. It declares a check for each of
its parameters (:mod:`.params`), which every submission passes before it is
queued. It reads and writes the project through ``context.store``, calls
``context.progress`` now and then (which is also where a cancel reaches it,
besides the checkpoints of long kernels, :mod:`snt_web.checkpoints`), and
returns a small JSON dict describing the result. A task writes to the project
only at its very end, so a job that fails or is cancelled leaves the project
as it was.

Examples
--------
>>> from snt_web.jobs.params import integer
>>> @task("count-paths", at_least=integer(0, 10**6))  # doctest: +SKIP
... def count_paths(context, at_least=0):
...     tree = context.store.reconstruction(context.project_id)
...     return {"paths": len(tree.paths), "enough": len(tree.paths) >= at_least}
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Callable

from .params import Check, check_all
from .records import JobCancelled, UnknownTaskError

#: Registered tasks by name, filled by importing :data:`TASK_MODULES`.
TASKS: dict[str, Callable] = {}

#: Modules whose import registers tasks.
TASK_MODULES = ("snt_web.jobs.builtin", "snt_web.jobs.classifier_tasks", "snt_web.jobs.fit_tasks",
                "snt_web.jobs.curation_tasks", "snt_web.jobs.autotrace_tasks")

#: Comma-separated extra task modules, read by servers and workers alike.
TASK_MODULES_ENV = "SNT_WEB_TASK_MODULES"


#: The parameter checks of each registered task, by task name.
CHECKS: dict[str, dict[str, Check]] = {}


def task(name: str, /, **checks: Check):
    """Register the decorated function as the task ``name``, with a check for each of its parameters.

    Raises
    ------
    ValueError
        The name is taken, or a parameter of the function has no check (or a
        check names no parameter).
    """

    def register(fn: Callable) -> Callable:
        if TASKS.get(name, fn) is not fn:
            raise ValueError(f"task {name!r} is registered twice ({TASKS[name].__module__}, {fn.__module__})")
        taken = list(inspect.signature(fn).parameters)[1:]  # after the context
        if set(taken) != set(checks):
            raise ValueError(f"task {name!r} must declare a check for each parameter: takes {', '.join(taken)}, "
                             f"checks {', '.join(checks)}")
        TASKS[name] = fn
        CHECKS[name] = checks
        return fn

    return register


def load_tasks() -> dict[str, Callable]:
    """Import :data:`TASK_MODULES` and those named in ``$SNT_WEB_TASK_MODULES``; the registry."""
    extra = [m.strip() for m in os.environ.get(TASK_MODULES_ENV, "").split(",") if m.strip()]
    for module in (*TASK_MODULES, *extra):
        importlib.import_module(module)
    return TASKS


def check_params(kind: str, params: dict, image: dict | None = None) -> dict:
    """``params`` as the task ``kind`` takes them, each checked by its declaration.

    Parameters
    ----------
    image : dict, optional
        :func:`~snt_web.jobs.params.image_facts` of the project's image, which
        bounds channels, frames and scales.

    Raises
    ------
    UnknownTaskError
        No task is registered as ``kind``.
    TypeError
        The task does not take these parameters (an unknown name, a missing one).
    ParameterError
        A parameter's value is refused; the message names it.
    """
    fn = load_tasks().get(kind)
    if fn is None:
        raise UnknownTaskError(f"unknown task {kind!r}; known: {', '.join(sorted(TASKS)) or 'none'}")
    try:
        inspect.signature(fn).bind(None, **params)
    except TypeError as err:
        raise TypeError(f"task {kind!r}: {err}") from None
    return check_all(CHECKS[kind], params, image)


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
