"""Issue #17, point 5: jobs are checked when submitted, capped per user, cancellable, and always have workers.

Before: blur scale 1e6, 10,000 scales, ``[-1]``, ``["nan"]``, ``channel:
10**9`` and ``frame: -1`` were all answered 202; the scale-1e6 job ignored
cancel and held the only worker for minutes while 300 submissions queued;
a killed worker was never replaced.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import tifffile

from snt_web.jobs import open_queue, start_workers, stop_workers
from snt_web.store import LOCAL_USER, ProjectStore
from snt_web.web.app import create_app
from snt_web.web.panels.jobs import NO_WORKER

from deploy.test_gunicorn import REPO, _free_port

from .conftest import As, answer, callback_post

#: A cancel must reach a running kernel within this (a heartbeat of 2 s, then a checkpoint).
CANCEL_S = 5.0
#: A killed worker is replaced within this.
REPLACED_S = 10.0


@pytest.mark.parametrize("params, name", [
    ({"layer": "gaussian", "scales": [1e6]}, "scales"),
    ({"layer": "tubeness", "scales": [0.5] * 10_000}, "scales"),
    ({"layer": "tubeness", "scales": [-1]}, "scales"),
    ({"layer": "tubeness", "scales": ["nan"]}, "scales"),
    ({"layer": "tubeness", "channel": 10**9}, "channel"),
    ({"layer": "tubeness", "frame": -1}, "frame"),
    ({"layer": "sharpen"}, "layer"),
])
def test_bad_parameters_are_answered_400_naming_them(login_app, store, tokens, params, name):
    owner = As(login_app.server.test_client(), tokens["owner"])
    response = owner.post("/projects/demo/jobs", json={"kind": "filter-layer", "params": params})
    assert response.status_code == 400 and response.json["error"].startswith(f"parameter {name}: "), response.json
    assert owner.get("/projects/demo/jobs").json["jobs"] == []


def test_other_tasks_check_theirs_too(login_app, store, tokens):
    owner = As(login_app.server.test_client(), tokens["owner"])
    for kind, params, name in [("autotrace", {"connectivity": 7}, "connectivity"),
                               ("autotrace", {"seeds": [[1, 2, "x"]]}, "seeds"),
                               ("fit-paths", {"max_radius": 1e9}, "max_radius"),
                               ("train-classifier", {"n_estimators": 10**7}, "n_estimators"),
                               ("train-classifier", {"name": "m" * 100}, "name"),
                               ("curation-scan", {"settings": {"no_such_check": True}}, "settings"),
                               ("export-reconstruction", {"format": "exe"}, "format")]:
        response = owner.post("/projects/demo/jobs", json={"kind": kind, "params": params})
        assert response.status_code == 400 and response.json["error"].startswith(f"parameter {name}: "), \
            (kind, response.json)


def test_one_user_may_have_only_so_many_jobs_waiting(login_app, store, tokens, monkeypatch):
    monkeypatch.setenv("SNT_WEB_MAX_QUEUED_JOBS", "5")
    client = login_app.server.test_client()
    owner, annotator = As(client, tokens["owner"]), As(client, tokens["annotator"])
    job = {"kind": "export-reconstruction", "params": {"format": "swc"}}
    began = time.perf_counter()
    ids = [owner.post("/projects/demo/jobs", json=job).json["id"] for _ in range(5)]
    refused = owner.post("/projects/demo/jobs", json=job)
    assert refused.status_code == 429 and "SNT_WEB_MAX_QUEUED_JOBS" in refused.json["error"]
    assert time.perf_counter() - began < 5
    assert annotator.post("/projects/demo/jobs", json=job).status_code == 202  # a cap per user, not per server
    assert owner.post(f"/jobs/{ids[0]}/cancel").json["state"] == "cancelled"
    assert owner.post("/projects/demo/jobs", json=job).status_code == 202  # room again


@pytest.fixture
def big_project(tmp_path):
    """A 64 x 512 x 512 image: one filter scale at the largest allowed takes many seconds."""
    path = tmp_path / "big.tif"
    volume = np.random.default_rng(5).integers(0, 255, (64, 512, 512), dtype=np.uint8)
    tifffile.imwrite(path, volume, imagej=True, resolution=(1 / 0.3, 1 / 0.3),
                     metadata={"axes": "ZYX", "spacing": 1.0, "unit": "micron"})
    store = ProjectStore(tmp_path / "data")
    store.create("Big", project_id="big", image_path=path, user=LOCAL_USER)
    yield store
    store.engine.dispose()


def test_a_cancel_stops_a_long_filter_within_seconds(big_project):
    store = big_project
    queue = open_queue(store.data_dir, store.database_url)
    workers = start_workers(1, store.data_dir, store.database_url)
    try:
        # The largest scale the checks allow (32 voxels of 0.3 µm): minutes of work in one scale.
        job = queue.submit("filter-layer", "big", LOCAL_USER, {"layer": "frangi", "scales": [9.6]},
                           image={"n_channels": 1, "n_frames": 1, "shape": [64, 512, 512],
                                  "spacing": [1.0, 0.3, 0.3]})
        deadline = time.monotonic() + 60
        while queue.get(job.id).state != "running":
            assert time.monotonic() < deadline, queue.get(job.id)
            time.sleep(0.1)
        time.sleep(2.0)  # deep inside the first (and only) scale: no progress report until it ends
        asked = time.monotonic()
        queue.cancel(job.id, LOCAL_USER)
        while queue.get(job.id).state == "running":
            assert time.monotonic() - asked < CANCEL_S + 5, "the cancel did not reach the kernel"
            time.sleep(0.05)
        took = time.monotonic() - asked
        record = queue.get(job.id)
        print(f"\ncancel to cancelled: {took:.1f} s")
        assert record.state == "cancelled" and record.progress == 0 and took < CANCEL_S
        assert not list((store.projects_dir / "big").glob("layers/*.npy"))
        # The worker is free again at once.
        after = queue.submit("export-reconstruction", "big", LOCAL_USER, {"format": "swc"})
        deadline = time.monotonic() + 30
        while not queue.get(after.id).is_finished:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert queue.get(after.id).state == "done"
    finally:
        stop_workers(workers)


def _worker_pids(parent: int) -> set[int]:
    """Job worker processes of ``parent`` (multiprocessing's spawned interpreters, not its resource tracker)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        state = stat.rsplit(")", 1)[1].split()[0]
        if ppid == parent and "spawn_main" in cmdline and state != "Z":
            pids.add(int(entry.name))
    return pids


def test_serve_keeps_its_workers_alive(store, demo_files):
    port = _free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("SNT_WEB_JOBS", None)
    serve = subprocess.Popen([sys.executable, "-m", "snt_web.cli", "serve", str(demo_files[0]), "--port", str(port),
                              "--data-dir", str(store.data_dir), "--workers", "2"], cwd=REPO, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(_worker_pids(serve.pid)) < 2 or not _answers(port):
            assert serve.poll() is None and time.monotonic() < deadline, serve.stdout.read().decode()[-2000:]
            time.sleep(0.2)
        first = _worker_pids(serve.pid)
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        while True:
            now = _worker_pids(serve.pid)
            if len(now) == 2 and victim not in now:
                break
            assert time.monotonic() - killed < REPLACED_S, now
            time.sleep(0.1)
        print(f"\nworker {victim} replaced in {time.monotonic() - killed:.1f} s")
        # The workers run jobs: the replacement and the survivor alike.
        queue = open_queue(store.data_dir, store.database_url)
        jobs = [queue.submit("export-reconstruction", "demo", LOCAL_USER, {"format": f}) for f in ("swc", "traces")]
        deadline = time.monotonic() + 60
        while not all(queue.get(j.id).is_finished for j in jobs):
            assert time.monotonic() < deadline, [queue.get(j.id) for j in jobs]
            time.sleep(0.2)
        assert {queue.get(j.id).state for j in jobs} == {"done"}
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).status == 200
    except OSError:
        return False


def test_the_jobs_panel_says_when_no_worker_is_alive(store):
    app = create_app(store, "demo")
    client = app.server.test_client()

    def panel() -> str:
        body = callback_post(app, "project.data", {"project.data": {"id": "demo"}}, output="jobs-list.children")
        return str(answer(client.post("/_dash-update-component", json=body), "jobs-list"))

    assert NO_WORKER in panel()
    workers = start_workers(1, store.data_dir, store.database_url)
    try:
        queue = open_queue(store.data_dir, store.database_url)
        deadline = time.monotonic() + 30
        while not queue.live_workers():
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert NO_WORKER not in panel()
    finally:
        stop_workers(workers)
    # A worker that stopped is not alive for long: once silent for 10 s it is gone from the panel too.
    assert not open_queue(store.data_dir, store.database_url).live_workers(within_s=0.0)
