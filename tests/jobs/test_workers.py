"""Disk-backend worker processes as ``snt-web serve`` starts and stops them; the CLI."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import pytest

from snt_web.cli import main
from snt_web.jobs import open_queue, start_workers, stop_workers
from snt_web.store import LOCAL_USER


def _wait(queue, job_id, until, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not until(record := queue.get(job_id)):
        assert time.monotonic() < deadline, f"job {job_id} still {record.state}"
        time.sleep(0.05)
    return record


def test_started_workers_run_jobs_and_a_stopped_one_fails_its_job_at_once(task_env, store):
    queue = open_queue(store.data_dir, store.database_url, backend="disk")
    workers = start_workers(2, store.data_dir, store.database_url)
    try:
        short = queue.submit("sleep", "demo", LOCAL_USER, {"seconds": 0.1, "steps": 1})
        long = queue.submit("sleep", "demo", LOCAL_USER, {"seconds": 30.0, "steps": 300})
        assert _wait(queue, short.id, lambda r: r.is_finished).state == "done"
        running = _wait(queue, long.id, lambda r: r.progress > 0)
        assert running.worker in {f"pid {w.pid} on host {socket.gethostname()}" for w in workers}
    finally:
        stop_workers(workers)
    assert all(w.exitcode is not None for w in workers)
    record = queue.get(long.id)  # failed by the worker itself, not left for the reaper
    assert (record.state, record.error) == ("failed", f"worker stopped ({running.worker})")


def test_workers_stop_when_their_parent_is_killed(task_env, store):
    parent = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from snt_web.jobs import start_workers\n"
        "if __name__ == '__main__':\n"
        "    print(start_workers(1, sys.argv[1])[0].pid, flush=True)\n"
        "    time.sleep(60)\n"
    ), str(store.data_dir)], stdout=subprocess.PIPE, text=True)
    worker_pid = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10.0
    while _alive(worker_pid):
        assert time.monotonic() < deadline, "the orphaned worker is still running"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    # The orphan is re-parented to init, which reaps it; until then it may be a zombie.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_worker_and_serve_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["worker", "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and "{disk,celery}" in out and "--concurrency" in out and "--data-dir" in out
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    assert "--workers" in capsys.readouterr().out


def test_worker_refuses_an_unknown_backend(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SNT_WEB_JOBS", "rabbit")
    assert main(["worker", "--data-dir", str(tmp_path)]) == 2
    assert "unknown jobs backend 'rabbit'" in capsys.readouterr().err
