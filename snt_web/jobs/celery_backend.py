"""The scale-out job backend: Celery workers on any machine, records in Redis.

Celery only carries the message "run job J"; the job records live in Redis
beside it (a hash per job, sorted sets of ids per project and overall, a set
of running ids), so the web app reads and changes them directly, with no
result backend in between. Workers on several machines need the same Redis
and the same data directory (and database) for the project store.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from dataclasses import replace

import redis
from celery import Celery
from kombu.exceptions import OperationalError

from .queue import DEFAULT_REDIS_URL, HEARTBEAT_S, STALE_AFTER_S, JobQueue
from .records import JobError, JobNotFoundError, JobRecord
from .runner import run_claimed, worker_name

#: The Celery task that runs a job by id.
RUN_JOB = "snt_web.run_job"
#: The Celery queue (a Redis list) job messages go through.
CELERY_QUEUE = "snt-web-jobs"
_PREFIX = "snt-web:"
_RUNNING = _PREFIX + "running"
_WAITING = _PREFIX + "waiting"  # job id -> user, of the queued jobs
_WORKERS = _PREFIX + "workers"  # worker -> when it was last alive


class CeleryQueue(JobQueue):
    """Jobs queued through Celery on Redis, run by ``snt-web worker --backend celery``.

    Parameters
    ----------
    data_dir, database_url, stale_after_s
        As for :class:`~snt_web.jobs.queue.JobQueue`.
    redis_url : str
        The Redis server holding the records and Celery's queue.
    """

    backend = "celery"

    def __init__(self, data_dir, database_url: str | None = None, redis_url: str = DEFAULT_REDIS_URL,
                 stale_after_s: float = STALE_AFTER_S):
        super().__init__(data_dir, database_url, stale_after_s)
        self.redis_url = redis_url
        self.redis = redis.Redis.from_url(redis_url, decode_responses=True)
        self.app = _celery_app(redis_url)

        def run_job(job_id: str) -> None:
            record = self.claim(job_id, worker_name())
            if record is not None:  # else cancelled while queued
                run_claimed(self, record)

        self._run_job = self.app.task(run_job, name=RUN_JOB)

    def run_worker(self, concurrency: int = 1) -> int:
        """Run a Celery worker for the jobs in the foreground; its exit code.

        One job at a time in this process with ``concurrency=1``; else that
        many forked processes.
        """
        threading.Thread(target=self._say_alive, args=(worker_name(),), name="snt-web-alive", daemon=True).start()
        worker = self.app.Worker(
            concurrency=concurrency, pool="solo" if concurrency == 1 else "prefork",
            hostname=f"snt-web-{os.getpid()}@{socket.gethostname()}", loglevel="INFO",
            # Gossip, mingle and event heartbeats serve Celery's monitoring,
            # which job records replace; without them a worker starts at once.
            without_gossip=True, without_mingle=True, without_heartbeat=True,
        )
        worker.start()
        return worker.exitcode

    def _say_alive(self, worker: str) -> None:
        """Say the worker (this process) is alive every HEARTBEAT_S seconds, busy or idle, while it lives."""
        while True:
            try:
                self.worker_alive(worker)
            except redis.RedisError:
                pass  # Redis away for a moment: the next beat may get through
            time.sleep(HEARTBEAT_S)

    # --- storage ---------------------------------------------------------------
    def _add(self, record: JobRecord) -> None:
        with self.redis.pipeline() as pipe:
            pipe.hset(_job_key(record.id), mapping=_encode(record))
            pipe.hset(_WAITING, record.id, json.dumps(record.user))
            pipe.zadd(_index_key(None), {record.id: record.created})
            pipe.zadd(_index_key(record.project_id), {record.id: record.created})
            pipe.execute()
        try:
            self._run_job.apply_async(args=[record.id], task_id=record.id)
        except OperationalError as err:
            error = f"could not queue the job: {err}"
            # Not left 'queued' forever: no message will ever run it.
            self._update(record.id, lambda r: replace(r, state="failed", finished=time.time(), error=error))
            raise JobError(f"job {record.id}: {error}") from err

    def _load(self, job_id: str) -> JobRecord:
        data = self.redis.hgetall(_job_key(job_id))
        if not data:
            raise JobNotFoundError(job_id)
        return _decode(data)

    def _update(self, job_id, change) -> JobRecord | None:
        key = _job_key(job_id)

        def transaction(pipe):
            # Runs again whenever another client changed the record between
            # this read and EXEC (optimistic locking with WATCH).
            data = pipe.hgetall(key)
            if not data:
                raise JobNotFoundError(job_id)
            record = change(_decode(data))
            if record is not None:
                pipe.multi()
                pipe.hset(key, mapping=_encode(record))
                if record.state == "running":
                    pipe.sadd(_RUNNING, job_id)
                else:
                    pipe.srem(_RUNNING, job_id)
                if record.state != "queued":
                    pipe.hdel(_WAITING, job_id)
            return record

        return self.redis.transaction(transaction, key, value_from_callable=True)

    def _newest(self, project_id, limit) -> list[JobRecord]:
        ids = self.redis.zrevrange(_index_key(project_id), 0, limit - 1)
        with self.redis.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.hgetall(_job_key(job_id))
            return [_decode(data) for data in pipe.execute() if data]

    def _running_ids(self) -> list[str]:
        return sorted(self.redis.smembers(_RUNNING))

    def _queued_count(self, user) -> int:
        return sum(1 for who in self.redis.hvals(_WAITING) if json.loads(who) == user)

    def _note_worker(self, worker, when) -> None:
        self.redis.hset(_WORKERS, worker, when)

    def _worker_times(self) -> dict[str, float]:
        return {name: float(when) for name, when in self.redis.hgetall(_WORKERS).items()}


def _celery_app(redis_url: str) -> Celery:
    app = Celery("snt_web", broker=redis_url, set_as_current=False)
    app.conf.update(
        task_default_queue=CELERY_QUEUE,
        task_ignore_result=True,
        # Acknowledged when a job starts: a worker killed mid-job must not
        # have it delivered again; the reaper fails it instead.
        task_acks_late=False,
        # A worker busy with a long job should not hold queued ones that
        # another worker could start now.
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
    )
    return app


def _job_key(job_id: str) -> str:
    return f"{_PREFIX}job:{job_id}"


def _index_key(project_id: str | None) -> str:
    return _PREFIX + "jobs" if project_id is None else f"{_PREFIX}project-jobs:{project_id}"


def _encode(record: JobRecord) -> dict[str, str]:
    return {name: json.dumps(value) for name, value in record.to_dict().items()}


def _decode(data: dict[str, str]) -> JobRecord:
    return JobRecord.from_dict({name: json.loads(value) for name, value in data.items()})
