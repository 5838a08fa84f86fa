"""The job queue's behaviour, the same on both backends, with a real worker process."""

from __future__ import annotations

import os
import re
import signal
import socket
import time

import pytest

from snt_web.auth.roles import PermissionDenied
from snt_web.jobs import JobNotFoundError, UnknownTaskError, open_queue
from snt_web.jobs.params import ParameterError
from snt_web.store import LOCAL_USER, Accounts, SetMember, apply


def running(record):
    return record.state == "running" and record.progress > 0


def test_a_job_runs_to_done_with_its_result(jobs):
    job = jobs.queue.submit("sleep", "demo", LOCAL_USER, {"seconds": 0.2, "steps": 4})
    assert job.state == "queued" and job.params == {"seconds": 0.2, "steps": 4}
    record = jobs.wait(job.id)
    assert (record.state, record.progress, record.result, record.error) == ("done", 100.0, {"slept": 0.2}, None)
    assert record.created <= record.started <= record.finished
    assert record.worker == f"pid {jobs.worker.pid} on host {socket.gethostname()}"
    assert jobs.store.attachment("demo", "seeds", "slept.csv") == b"x,y,z\n"


def test_progress_is_seen_moving(jobs):
    job = jobs.queue.submit("sleep", "demo", LOCAL_USER, {"seconds": 2.0, "steps": 20})
    seen = []
    record = jobs.wait(job.id, until=lambda r: seen.append((r.progress, r.message)) or r.is_finished)
    moving = [(p, m) for p, m in seen if 0 < p < 100]
    assert record.state == "done"
    assert len({p for p, _ in moving}) >= 3, seen
    assert [p for p, _ in moving] == sorted(p for p, _ in moving)
    assert all(re.fullmatch(r"step \d+ of 20", m) for _, m in moving)


def test_a_failing_task_fails_the_job_with_its_message(jobs):
    job = jobs.queue.submit("fail", "demo", LOCAL_USER, {"message": "the volume does not fit in memory"})
    record = jobs.wait(job.id)
    assert (record.state, record.error, record.result) == ("failed", "the volume does not fit in memory", None)
    assert record.progress == 10.0


def test_cancel_a_queued_job(jobs):
    blocker = jobs.queue.submit("sleep", "demo", LOCAL_USER, {"seconds": 20.0, "steps": 200})
    jobs.wait(blocker.id, until=running)
    queued = jobs.queue.submit("sleep", "demo", LOCAL_USER, {"seconds": 0.1, "steps": 1})
    record = jobs.queue.cancel(queued.id, "ann")
    assert (record.state, record.message, record.started) == ("cancelled", "cancelled by ann", None)
    jobs.queue.cancel(blocker.id, "ann")
    assert jobs.wait(blocker.id).state == "cancelled"
    time.sleep(1.0)  # the worker is free now and would have started it
    assert jobs.queue.get(queued.id).started is None


def test_cancel_a_running_job_stops_it_and_leaves_the_project_alone(jobs):
    version = jobs.store.get("demo").version
    job = jobs.queue.submit("sleep", "demo", LOCAL_USER, {"seconds": 30.0, "steps": 300})
    jobs.wait(job.id, until=running)
    assert jobs.queue.cancel(job.id, LOCAL_USER).cancel_requested
    asked = time.monotonic()
    record = jobs.wait(job.id, timeout=3.0)
    assert record.state == "cancelled" and time.monotonic() - asked < 3.0
    assert 0 < record.progress < 100 and record.result is None
    assert jobs.store.get("demo").version == version and jobs.store.attachments("demo") == []
    assert jobs.queue.cancel(job.id, LOCAL_USER).state == "cancelled"  # a finished job stays as it is


def test_a_killed_worker_fails_its_job(jobs):
    job = jobs.queue.submit("sleep", "demo", LOCAL_USER, {"seconds": 30.0, "steps": 300})
    record = jobs.wait(job.id, until=running)
    pid = int(re.match(r"pid (\d+) on host ", record.worker).group(1))
    assert pid == jobs.worker.pid
    os.kill(pid, signal.SIGKILL)
    jobs.worker.wait()
    assert jobs.queue.reap(stale_after_s=10.0) == []  # it beat a moment ago
    deadline = time.monotonic() + 10.0
    while not (reaped := jobs.queue.reap(stale_after_s=1.0)) and time.monotonic() < deadline:
        time.sleep(0.1)
    record = jobs.queue.get(job.id)
    assert reaped == [record]
    assert (record.state, record.error) == ("failed", f"worker stopped ({record.worker})")
    assert f"pid {pid} on host" in record.error
    assert [r.state for r in jobs.queue.list("demo")] == ["failed"]
    assert jobs.store.attachments("demo") == []


def test_records_survive_a_new_queue_object(jobs):
    done = jobs.queue.submit("sleep", "demo", LOCAL_USER, {"seconds": 0.1, "steps": 1})
    failed = jobs.queue.submit("fail", "demo", LOCAL_USER, {})
    jobs.wait(done.id)
    jobs.wait(failed.id)
    other = jobs.queue.submit("sleep", "other", LOCAL_USER, {"seconds": 0.1, "steps": 1})
    jobs.wait(other.id)
    reopened = open_queue(jobs.store.data_dir, jobs.store.database_url, backend=jobs.queue.backend,
                          redis_url=getattr(jobs.queue, "redis_url", None))
    assert reopened.get(done.id) == jobs.queue.get(done.id)
    assert [(r.id, r.state) for r in reopened.list("demo")] == [(failed.id, "failed"), (done.id, "done")]
    assert [r.id for r in reopened.list()] == [other.id, failed.id, done.id]
    assert [r.id for r in reopened.list(limit=1)] == [other.id]


def test_the_queue_itself_refuses_a_submitter_who_may_not_edit(queue_only, store):
    accounts = Accounts(store)
    accounts.add_user("vera", "vera-password", role="viewer")
    accounts.add_user("olga", "olga-password", role="owner")
    accounts.add_user("ann", "ann-password", role="viewer")
    apply(store, "demo", "olga", SetMember("ann", "annotator"), None)  # ann annotates demo only
    for user, project in (("vera", "demo"), (None, "demo"), (LOCAL_USER, "demo"), ("ann", "other")):
        with pytest.raises(PermissionDenied):
            queue_only.submit("export-reconstruction", project, user, {"format": "swc"})
    assert queue_only.list() == []
    job = queue_only.submit("export-reconstruction", "demo", "ann", {"format": "swc"})
    assert [r.id for r in queue_only.list()] == [job.id] and job.user == "ann"


def test_submit_checks_the_task_and_its_parameters(queue_only):
    with pytest.raises(UnknownTaskError, match="unknown task 'no-such-task'"):
        queue_only.submit("no-such-task", "demo", LOCAL_USER, {})
    with pytest.raises(TypeError, match="unexpected keyword argument 'sconds'"):
        queue_only.submit("sleep", "demo", LOCAL_USER, {"sconds": 1})
    with pytest.raises(ParameterError, match="^parameter seconds: must be a finite number"):
        queue_only.submit("sleep", "demo", LOCAL_USER, {"seconds": object()})
    with pytest.raises(JobNotFoundError):
        queue_only.get("0123456789abcdef")
    assert queue_only.list() == []
