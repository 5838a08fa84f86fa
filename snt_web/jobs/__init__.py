"""Long-running work (filtering, export, classification) as jobs, off the web request.

The web app submits a job and reads its progress; worker processes run it and
write its result into the project store. See :mod:`.queue` for the interface,
:mod:`.disk` and :mod:`.celery_backend` for the two backends, :mod:`.tasks` for
writing a task.

Examples
--------
>>> queue = open_queue(store.data_dir, store.database_url)  # doctest: +SKIP
>>> job = queue.submit("filter-layer", "demo", "alice", {"layer": "tubeness"})  # doctest: +SKIP
>>> queue.get(job.id).progress  # doctest: +SKIP
"""

from .queue import BACKENDS, JobQueue, configured_backend, open_queue
from .records import FINISHED, STATES, JobCancelled, JobError, JobNotFoundError, JobRecord, UnknownTaskError
from .tasks import TASKS, JobContext, task
from .worker import run_workers, start_workers, stop_workers

__all__ = [
    "JobQueue", "open_queue", "configured_backend", "BACKENDS", "JobRecord", "STATES", "FINISHED",
    "JobError", "JobNotFoundError", "UnknownTaskError", "JobCancelled", "JobContext", "TASKS", "task",
    "start_workers", "stop_workers", "run_workers",
]
