"""Job tests run on both backends, each with a real worker process.

The celery backend gets a private ``redis-server`` on a free loopback port
(no persistence, killed at the end of the session) and a Celery worker started
as ``snt-web worker --backend celery``, just as an operator would.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from snt_web.io.reconstruction import read_reconstruction
from snt_web.jobs import BACKENDS, JobQueue, JobRecord, open_queue
from snt_web.jobs.tasks import TASK_MODULES_ENV
from snt_web.store import LOCAL_USER, ProjectStore

from . import tasks_for_tests

#: Importable as this name once ``_TASKS_ROOT`` is on the path, in any import mode.
TEST_TASKS = tasks_for_tests.__name__
_TASKS_ROOT = Path(tasks_for_tests.__file__).resolve().parents[TEST_TASKS.count(".")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server():
    """A throwaway redis-server on a free loopback port: its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not found (make test installs Debian's redis-server)")
    root = tempfile.mkdtemp(prefix="snt-redis-")
    port = _free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", root, "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield url
    finally:
        client.close()
        server.kill()
        server.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def task_env(monkeypatch):
    """The test tasks registered here and in every worker started from here."""
    monkeypatch.setenv(TASK_MODULES_ENV, TEST_TASKS)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(_TASKS_ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.delenv("SNT_WEB_DATABASE_URL", raising=False)
    monkeypatch.delenv("SNT_WEB_JOBS", raising=False)


@pytest.fixture
def store(tmp_path, demo_files):
    """A store with one project, ``demo``: the demo image and its true reconstruction."""
    image_path, truth_path = demo_files
    store = ProjectStore(tmp_path / "data")
    store.create("Demo", project_id="demo", image_path=image_path, tree=read_reconstruction(truth_path),
                 user=LOCAL_USER)
    yield store
    store.engine.dispose()


@dataclass
class Jobs:
    """A queue on the test store and the worker process serving it."""

    queue: JobQueue
    store: ProjectStore
    worker: subprocess.Popen

    def wait(self, job_id: str, until=lambda r: r.is_finished, timeout: float = 20.0) -> JobRecord:
        """The job's record once ``until(record)`` holds."""
        deadline = time.monotonic() + timeout
        while True:
            record = self.queue.get(job_id)
            if until(record):
                return record
            if time.monotonic() > deadline:
                pytest.fail(f"job {job_id} still {record.state} ({record.progress:.0f}%) after {timeout} s")
            time.sleep(0.05)


@pytest.fixture(params=BACKENDS)
def queue_only(request, task_env, store):
    """A queue of each backend on the test store, with no worker."""
    redis_url = None
    if request.param == "celery":
        redis_url = request.getfixturevalue("redis_server")
        redis.Redis.from_url(redis_url).flushdb()
    return open_queue(store.data_dir, store.database_url, backend=request.param, redis_url=redis_url)


@pytest.fixture
def jobs(queue_only, store, tmp_path):
    """A queue of each backend and one worker process (``snt-web worker``) serving it."""
    env = dict(os.environ)
    if queue_only.backend == "celery":
        env["SNT_WEB_REDIS_URL"] = queue_only.redis_url
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "snt_web", "worker", "--backend", queue_only.backend, "--data-dir",
             str(store.data_dir)], env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            yield Jobs(queue_only, store, worker)
        finally:
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
            worker.wait()
