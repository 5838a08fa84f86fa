"""The Procfile's gunicorn, several workers, many concurrent writers, one store.

Runs the Procfile's own command (workers raised to 4) on a loopback port and
lets 8 writers rename paths through the HTTP API as fast as they can until 40
writes are acknowledged, each retrying on 409. Every acknowledged write must be in the history,
versions must be contiguous, and the final state must be the last write.
"""

from __future__ import annotations

import http.client
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from snt_web.io.reconstruction import read_reconstruction
from snt_web.store import Accounts, ProjectStore, SetReconstruction, apply

REPO = Path(__file__).resolve().parents[2]
WRITERS = 8
#: Acknowledged writes the writers make together (within DEADLINE_S seconds, however loaded the machine).
WRITES = 40
DEADLINE_S = 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _procfile(name: str) -> str:
    """The command of one process type of the Procfile."""
    for line in (REPO / "Procfile").read_text().splitlines():
        kind, _, command = line.partition(":")
        if kind.strip() == name:
            return command.strip()
    raise AssertionError(f"no {name!r} process in the Procfile")


def _procfile_command(port: int) -> list[str]:
    line = _procfile("web")
    line = line.replace("${WEB_CONCURRENCY:-2}", "4").replace("${PORT:-8050}", str(port))
    line = line.replace("0.0.0.0", "127.0.0.1")  # tests only talk to loopback
    argv = shlex.split(line)
    assert argv[0] == "gunicorn"
    return [sys.executable, "-m", "gunicorn", *argv[1:]]


def _request(method, url, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


@pytest.fixture
def server(tmp_path, demo_files):
    image_path, truth_path = demo_files
    data_dir = tmp_path / "data"
    store = ProjectStore(data_dir)
    tree = read_reconstruction(truth_path)
    accounts = Accounts(store)
    accounts.add_user("ann", "annotator-pw", role="annotator")
    token = accounts.create_token("ann")
    port = _free_port()
    env = dict(os.environ, SNT_WEB_DATA_DIR=str(data_dir), SNT_WEB_IMAGE=str(image_path), SNT_WEB_AUTH="login")
    proc = subprocess.Popen(_procfile_command(port), cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("gunicorn exited:\n" + proc.stdout.read().decode())
                time.sleep(0.2)
        project_id = next(p["id"] for p in _request("GET", base + "/api/v1/projects", token)[1]["projects"])
        record = ProjectStore(data_dir).get(project_id)
        apply(ProjectStore(data_dir), project_id, "ann", SetReconstruction(tree), record.version)
        yield base, token, project_id, data_dir, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


def _warm_up(base, token, project_id):
    """Keep requests coming until every worker has booted and read the project once."""
    def reader():
        for _ in range(10):
            assert _request("GET", f"{base}/api/v1/projects/{project_id}/history?limit=1", token)[0] == 200

    threads = [threading.Thread(target=reader) for _ in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_four_workers_and_eight_writers_keep_every_acknowledged_write(server):
    base, token, project_id, data_dir, _ = server
    _warm_up(base, token, project_id)
    acknowledged: list[tuple[int, str]] = []
    conflicts = [0]
    lock = threading.Lock()
    stop = None

    def writer(k: int):
        n = 0
        # A number of writes, not a time: a loaded machine only makes it slower.
        while len(acknowledged) < WRITES and time.time() < stop:
            status, body = _request("GET", f"{base}/api/v1/projects/{project_id}", token)
            assert status == 200, body
            name = f"w{k}-{n}"
            status, body = _request(
                "PATCH", f"{base}/api/v1/projects/{project_id}/paths/2", token,
                {"base_version": body["version"], "name": name},
            )
            if status == 409:
                with lock:
                    conflicts[0] += 1
                continue
            assert status == 200, body
            with lock:
                acknowledged.append((body["version"], name))
            n += 1

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(WRITERS)]
    stop = time.time() + DEADLINE_S
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(acknowledged) >= WRITES and conflicts[0] > 0  # really concurrent
    versions = sorted(v for v, _ in acknowledged)
    assert len(set(versions)) == len(versions)
    store = ProjectStore(data_dir)
    history = store.history(project_id)
    renames = sorted(h.version for h in history if h.action == "rename path")
    assert renames == versions  # every acknowledged write, no other
    assert versions == list(range(versions[0], versions[0] + len(versions)))  # contiguous
    last_version, last_name = max(acknowledged)
    assert store.get(project_id).version == last_version
    assert store.reconstruction(project_id).path(2).name == last_name
    for version, name in acknowledged[:: max(1, len(acknowledged) // 10)]:
        assert store.reconstruction(project_id, version).path(2).name == name


def test_a_server_killed_mid_burst_keeps_every_acknowledged_write(server):
    base, token, project_id, data_dir, proc = server
    _warm_up(base, token, project_id)
    acknowledged = []
    lock = threading.Lock()

    def writer(k: int):
        for n in range(1000):
            try:
                status, body = _request("GET", f"{base}/api/v1/projects/{project_id}", token)
                status, body = _request("PATCH", f"{base}/api/v1/projects/{project_id}/paths/2", token,
                                        {"base_version": body["version"], "name": f"k{k}-{n}"})
            except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError):
                return  # the server is gone (mid-response, too)
            if status == 200:
                with lock:
                    acknowledged.append((body["version"], f"k{k}-{n}"))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(WRITERS)]
    for t in threads:
        t.start()
    deadline = time.time() + 20
    while len(acknowledged) < 10 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # master and workers, mid-burst
    proc.wait(timeout=20)
    for t in threads:
        t.join()
    assert len(acknowledged) >= 10
    store = ProjectStore(data_dir)  # what a restarted server reads
    history = {h.version: h for h in store.history(project_id)}
    for version, name in acknowledged:
        assert history[version].action == "rename path"
        assert store.reconstruction(project_id, version).path(2).name == name


def test_the_procfiles_worker_runs_a_job_submitted_through_the_api(server):
    base, token, project_id, data_dir, _ = server
    line = _procfile("worker").replace("${SNT_WEB_DATA_DIR:-~/.snt-web}", str(data_dir))
    line = line.replace("${WORKER_CONCURRENCY:-1}", "1")
    argv = shlex.split(line)
    assert argv[:2] == ["snt-web", "worker"]
    worker = subprocess.Popen([sys.executable, "-m", "snt_web.cli", *argv[1:]], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        status, job = _request("POST", f"{base}/api/v1/projects/{project_id}/jobs", token,
                               {"kind": "export-reconstruction", "params": {"format": "traces"}})
        assert status == 202, job
        deadline = time.time() + 30
        while job["state"] not in ("done", "failed", "cancelled") and time.time() < deadline:
            time.sleep(0.2)
            job = _request("GET", f"{base}/api/v1/jobs/{job['id']}", token)[1]
        assert job["state"] == "done", job
        assert job["user"] == "ann" and job["result"]["attachment"] == "reconstruction.traces"
        assert ProjectStore(data_dir).attachment(project_id, "export", "reconstruction.traces")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(10)
