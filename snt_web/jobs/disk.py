"""The embedded job backend: records and queue in a diskcache directory.

Everything lives in ``<data_dir>/jobs``, a diskcache (SQLite) directory that
every server and worker process on the machine opens: one key per job record
(JSON), a FIFO of queued job ids, the ids of running jobs for the reaper, the
submitter of each queued job (for the per-user cap) and when each worker was
last alive.
Each change to a record is a read-modify-write inside one diskcache
transaction, so processes never lose each other's updates.
"""

from __future__ import annotations

import json
import threading
import time

from diskcache import Cache

from .queue import HEARTBEAT_S, STALE_AFTER_S, JobQueue
from .records import JobNotFoundError, JobRecord
from .runner import run_claimed, worker_name

#: Subfolder of the data directory holding the job records and queue.
JOBS_DIR = "jobs"
#: Seconds an idle worker waits before looking for a queued job again.
POLL_S = 0.5

_JOB = "job:"
_QUEUE = "queue"
_RUNNING = "running"
_WAITING = "waiting"  # job id -> user, of the queued jobs
_WORKERS = "workers"  # worker -> when it was last alive
#: Workers heard of longer ago than this are forgotten.
_FORGET_WORKER_S = 3600.0


class DiskQueue(JobQueue):
    """Jobs in ``<data_dir>/jobs``, run by :meth:`run_worker` processes on this machine.

    Parameters are those of :class:`~snt_web.jobs.queue.JobQueue`.
    """

    backend = "disk"

    def __init__(self, data_dir, database_url: str | None = None, stale_after_s: float = STALE_AFTER_S):
        super().__init__(data_dir, database_url, stale_after_s)
        self.directory = self.data_dir / JOBS_DIR
        # Records, not a cache: nothing may ever be evicted to make room.
        self.cache = Cache(str(self.directory), eviction_policy="none")

    def claim_next(self, worker: str) -> JobRecord | None:
        """Take the oldest queued job off the queue and claim it for ``worker``; None if there is none."""
        # One transaction: a worker killed between taking a job off the queue
        # and marking it running would otherwise lose it.
        with self.cache.transact(retry=True):
            while True:
                _, job_id = self.cache.pull(prefix=_QUEUE, retry=True)
                if job_id is None:
                    return None
                record = self.claim(job_id, worker)
                if record is not None:  # else it was cancelled while queued
                    return record

    def run_worker(self, stop_event: threading.Event, poll_s: float = POLL_S) -> None:
        """Run queued jobs one after another until ``stop_event`` is set.

        Also fails stale jobs every ``stale_after_s / 2`` seconds, so jobs of a
        dead worker are failed even when no page lists them.
        """
        worker = worker_name()
        next_reap = next_beat = 0.0
        while not stop_event.is_set():
            if time.monotonic() >= next_beat:
                self.worker_alive(worker)
                next_beat = time.monotonic() + HEARTBEAT_S
            if time.monotonic() >= next_reap:
                self.reap()
                next_reap = time.monotonic() + self.stale_after_s / 2
            record = self.claim_next(worker)
            if record is None:
                stop_event.wait(poll_s)
            else:
                run_claimed(self, record)

    # --- storage ---------------------------------------------------------------
    def _add(self, record: JobRecord) -> None:
        with self.cache.transact(retry=True):
            self.cache.set(_JOB + record.id, json.dumps(record.to_dict()), retry=True)
            self.cache.push(record.id, prefix=_QUEUE, retry=True)
            waiting = self.cache.get(_WAITING, {}, retry=True)
            self.cache.set(_WAITING, {**waiting, record.id: record.user}, retry=True)

    def _load(self, job_id: str) -> JobRecord:
        data = self.cache.get(_JOB + job_id, retry=True)
        if data is None:
            raise JobNotFoundError(job_id)
        return JobRecord.from_dict(json.loads(data))

    def _update(self, job_id, change) -> JobRecord | None:
        with self.cache.transact(retry=True):
            record = change(self._load(job_id))
            if record is None:
                return None
            self.cache.set(_JOB + job_id, json.dumps(record.to_dict()), retry=True)
            running = set(self.cache.get(_RUNNING, (), retry=True))
            if (job_id in running) != (record.state == "running"):
                running ^= {job_id}
                self.cache.set(_RUNNING, sorted(running), retry=True)
            waiting = self.cache.get(_WAITING, {}, retry=True)
            if job_id in waiting and record.state != "queued":
                self.cache.set(_WAITING, {k: v for k, v in waiting.items() if k != job_id}, retry=True)
        return record

    def _newest(self, project_id, limit) -> list[JobRecord]:
        # Keys iterate in insertion order (an update keeps a key's place), so
        # newest first is reverse order.
        records = []
        for key in reversed(self.cache):
            if len(records) >= limit:
                break
            if key.startswith(_JOB):
                record = self._load(key[len(_JOB):])
                if project_id is None or record.project_id == project_id:
                    records.append(record)
        return records

    def _running_ids(self) -> list[str]:
        return list(self.cache.get(_RUNNING, (), retry=True))

    def _queued_count(self, user) -> int:
        return sum(1 for who in self.cache.get(_WAITING, {}, retry=True).values() if who == user)

    def _note_worker(self, worker, when) -> None:
        with self.cache.transact(retry=True):
            seen = self.cache.get(_WORKERS, {}, retry=True)
            fresh = {k: t for k, t in seen.items() if t >= when - _FORGET_WORKER_S}
            self.cache.set(_WORKERS, {**fresh, worker: when}, retry=True)

    def _worker_times(self) -> dict[str, float]:
        return dict(self.cache.get(_WORKERS, {}, retry=True))
