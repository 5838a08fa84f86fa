"""What the job queue hands out (job records) and what it raises."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

#: A job's life: queued -> running -> done | failed | cancelled (or queued -> cancelled).
STATES = ("queued", "running", "done", "failed", "cancelled")
#: States a job never leaves.
FINISHED = ("done", "failed", "cancelled")


class JobError(Exception):
    """A job operation could not be done."""


class JobNotFoundError(JobError, KeyError):
    """No job with that id."""

    def __str__(self):
        return f"no job {self.args[0]!r}"


class UnknownTaskError(JobError, ValueError):
    """A job was submitted for a task name nobody registered."""


class QueueFullError(JobError, ValueError):
    """The user has as many jobs waiting as one user may (``SNT_WEB_MAX_QUEUED_JOBS``)."""


class JobCancelled(Exception):
    """Raised inside a task by :meth:`JobContext.progress` to stop it.

    Either the job's cancel was requested, or the job is no longer this
    worker's to finish (it was failed as stale meanwhile).
    """


@dataclass
class JobRecord:
    """One job, as every backend stores it.

    Attributes
    ----------
    id : str
    kind : str
        The registered task's name (``"filter-layer"``...).
    project_id : str
    user : str or None
        Who submitted it; the task writes to the store as this user.
    params : dict
        The task's keyword arguments (JSON values).
    state : {'queued', 'running', 'done', 'failed', 'cancelled'}
    progress : float
        0 to 100.
    message : str
        What the task is doing now, or how it ended.
    result : dict or None
        The task's return value (JSON values) once done.
    error : str or None
        Why it failed.
    created, started, finished : float or None
        Unix times.
    worker : str or None
        ``"pid P on host H"`` of the process running or that ran it.
    heartbeat : float or None
        Unix time its worker last said it was alive.
    cancel_requested : bool
        Cancel was asked for while it ran; the task stops at its next progress report.
    """

    id: str
    kind: str
    project_id: str
    user: str | None
    params: dict
    state: str = "queued"
    progress: float = 0.0
    message: str = ""
    result: dict | None = None
    error: str | None = None
    created: float = 0.0
    started: float | None = None
    finished: float | None = None
    worker: str | None = None
    heartbeat: float | None = None
    cancel_requested: bool = False

    @property
    def is_finished(self) -> bool:
        """Whether the job is done, failed or cancelled."""
        return self.state in FINISHED

    def to_dict(self) -> dict:
        """The record as JSON values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> JobRecord:
        """A record from :meth:`to_dict`'s output.

        Keys this version does not know are ignored: during a rolling upgrade
        older and newer servers and workers share one queue.
        """
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
