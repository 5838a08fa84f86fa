"""Issue #17, point 3: one trace click can neither stall the server nor run without limit.

Click-to-trace needs only the view role, so anonymous demo visitors may
click. A search has a budget (voxels explored, seconds; ``SNT_WEB_TRACE_*``)
and ends with "too far for one click: click a point in between"; its kernel
releases the GIL, so the Procfile's gunicorn keeps answering everybody else
while one runs: their p95 latency during a budget-long search stays under
250 ms, measured here with the search and the other requests in one process.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import numpy as np
import pytest
import tifffile

from snt_web.store import ProjectStore, open_startup_project
from snt_web.tracing import trace_path
from snt_web.tracing.search import SearchBudgetExceeded
from snt_web.web.app import create_app
from snt_web.web.auth import AuthConfig

from deploy.test_gunicorn import REPO, _free_port, _procfile
from .conftest import answer, callback_post
from .hostile import MB, MemoryWatch

TOO_FAR = "too far for one click: click a point in between"
#: Other users' requests during a search: their 95th percentile latency, at most.
P95_LIMIT_S = 0.25
#: Users asking for slices at the same time as the search (the Procfile gives a process 4 threads).
OTHER_USERS = 2
#: The noise volume, (z, y, x), and its far corner from the origin (voxels; spacing 1, so µm too).
NOISE_SHAPE = (48, 512, 512)
FAR = (NOISE_SHAPE[0] - 1, NOISE_SHAPE[1] - 1, NOISE_SHAPE[2] - 1)
FAR_XYZ = [FAR[2], FAR[1], FAR[0]]


@pytest.fixture(scope="module")
def noise():
    """Bright noise: every route is as cheap as every other, so a search spreads over the whole volume.

    Large enough (12.6 million voxels) that a search from corner to corner outlasts every budget below
    on a fast machine too: budgets, not the volume, must end it.
    """
    return np.random.default_rng(17).integers(100, 256, NOISE_SHAPE, dtype=np.uint8)


def test_a_budget_of_voxels_bounds_the_search_and_its_memory(noise):
    near = trace_path(noise, (0, 0, 0), (0, 4, 4)).path_zyx  # a near click is not refused
    assert tuple(near[0]) == (0, 0, 0) and tuple(near[-1]) == (0, 4, 4)
    watch = MemoryWatch()
    with watch.watching(), pytest.raises(SearchBudgetExceeded, match=TOO_FAR) as stopped:
        trace_path(noise, (0, 0, 0), FAR, max_visited=200_000)
    assert stopped.value.n_visited == 200_000
    assert watch.growth < 40 * MB, watch.growth / MB


def test_a_budget_of_seconds_stops_the_search_on_time(noise):
    trace_path(noise, (0, 0, 0), (0, 4, 4))  # compiled (or loaded) now: that is not on the search's clock
    began = time.perf_counter()
    with pytest.raises(SearchBudgetExceeded, match=TOO_FAR) as stopped:
        trace_path(noise, (0, 0, 0), FAR, max_seconds=0.3)
    assert 0.3 <= time.perf_counter() - began < 0.8
    assert "0.3 s" in str(stopped.value)


#: In a fresh process, a first search of a kind of volume (int16: not one :func:`warm_up` compiles) while another
#: thread holds numba's compiler lock for longer than the search's budget, as warm_up does on a busy machine.
_FIRST_SEARCH = """
import threading, time
import numpy as np
from numba.core.compiler_lock import global_compiler_lock
from snt_web.tracing import trace_path

held = threading.Event()
def compiling():
    with global_compiler_lock:
        held.set()
        time.sleep(1.5)
threading.Thread(target=compiling).start()
held.wait()
noise = np.random.default_rng(3).integers(100, 256, (4, 64, 64)).astype(np.int16)
result = trace_path(noise, (0, 0, 0), (3, 63, 63), max_seconds=0.5)
print(result.n_visited, round(result.search_s, 3))
"""


def test_compiling_the_first_search_does_not_spend_its_budget():
    """A server's first click, while the kernel compiles or loads, is searched in full, not called too far."""
    done = subprocess.run([sys.executable, "-c", _FIRST_SEARCH], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    n_visited, _ = done.stdout.split()
    assert int(n_visited) > 4096  # searched on past the kernel's first look at its stop flag


def test_the_search_lets_the_processs_other_threads_run(noise):
    def spin(seconds: float) -> int:
        """Python work (it needs the GIL) done in ``seconds`` of wall time."""
        n, end = 0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            n += 1
        return n

    def search():
        with pytest.raises(SearchBudgetExceeded):
            trace_path(noise, (0, 0, 0), FAR, max_seconds=1.5)

    trace_path(noise, (0, 0, 0), (0, 4, 4))  # compiled (or loaded) now, not while measuring
    alone = spin(0.5)
    searcher = threading.Thread(target=search)
    searcher.start()
    time.sleep(0.2)
    beside = spin(0.5)
    searcher.join()
    # Holding the GIL, the search would leave this thread nothing until it ended, a second later; sharing
    # the CPU with it (and, on a test machine, with whatever else runs) leaves it a good part.
    assert beside > 0.05 * alone, (beside, alone)


def _trace_click(app, meta, start_xyz, click_xyz) -> dict:
    """The body of a Trace-mode click at physical ``click_xyz`` with the path's last point at ``start_xyz``."""
    sz = meta["spacing"][0]
    return callback_post(app, "trace-click.data", {
        "trace-click.data": {"plane": "xy", "h": click_xyz[0], "v": click_xyz[1], "n": 1},
        "trace.data": {"anchor": list(start_xyz), "path": None, "fork": None, "candidate": None, "node": None},
        "trace-mode.value": "trace", "edit-tool.value": "select", "trace-layer.value": "raw",
        "trace-cost.value": "reciprocal", "trace-snap.value": [], "trace-scales.value": None,
        "cursor.data": {"z": round(click_xyz[2] / sz), "y": 0, "x": 0}, "display.data": {},
        "project.data": meta})


@pytest.fixture
def noise_project(tmp_path, noise):
    path = tmp_path / "noise.tif"
    tifffile.imwrite(path, noise, imagej=True, metadata={"axes": "ZYX"})
    store = ProjectStore(tmp_path / "data")
    project_id = open_startup_project(store, path)
    image = store.image(project_id)
    meta = {"id": project_id, "version": store.get(project_id).version, "image_revision": 1,
            "shape": list(image.shape_zyx), "spacing": list(image.spacing), "units": image.units}
    return store, project_id, meta


def test_a_demo_visitors_far_click_ends_with_a_clear_message(noise_project, monkeypatch):
    store, project_id, meta = noise_project
    monkeypatch.setenv("SNT_WEB_TRACE_MAX_SECONDS", "0.5")
    app = create_app(store, project_id, auth=AuthConfig(mode="demo-readonly"))
    client = app.server.test_client()
    client.get("/")
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token").value}
    near = client.post("/_dash-update-component", headers=headers, json=_trace_click(app, meta, [0, 0, 0], [4, 4, 0]))
    assert answer(near, "trace-message").startswith("Candidate:")
    began = time.perf_counter()
    far = client.post("/_dash-update-component", headers=headers,
                      json=_trace_click(app, meta, [0, 0, 0], FAR_XYZ))
    assert time.perf_counter() - began < 1.5
    assert TOO_FAR in answer(far, "trace-message") and "0.5 s" in answer(far, "trace-message")
    assert answer(far, "trace") is None or answer(far, "trace").get("candidate") is None


def test_clicks_beyond_the_concurrency_are_told_to_wait(noise_project, monkeypatch):
    store, project_id, meta = noise_project
    monkeypatch.setenv("SNT_WEB_TRACE_CONCURRENCY", "1")
    monkeypatch.setenv("SNT_WEB_TRACE_MAX_SECONDS", "1.5")
    app = create_app(store, project_id)
    far = {}

    def far_click():
        client = app.server.test_client()
        far["answer"] = answer(client.post("/_dash-update-component",
                                           json=_trace_click(app, meta, [0, 0, 0], FAR_XYZ)), "trace-message")

    searcher = threading.Thread(target=far_click)
    searcher.start()
    time.sleep(0.5)
    began = time.perf_counter()
    second = app.server.test_client().post("/_dash-update-component",
                                           json=_trace_click(app, meta, [0, 0, 0], [4, 4, 0]))
    waited = time.perf_counter() - began
    searcher.join()
    assert "busy with other searches" in answer(second, "trace-message") and waited < 0.5
    assert TOO_FAR in far["answer"]
    # Once the search has ended, the next click is served.
    again = app.server.test_client().post("/_dash-update-component",
                                          json=_trace_click(app, meta, [0, 0, 0], [4, 4, 0]))
    assert answer(again, "trace-message").startswith("Candidate:")


def _latencies(base, project_id, go_on, out: list) -> list:
    """Seconds each slice request took, :data:`OTHER_USERS` users asking one after another while ``go_on()``."""
    def user(k):
        n = 0
        while go_on():
            n += 1
            began = time.perf_counter()
            url = f"{base}/slice/{project_id}/1/xy/{(k * 7 + n) % NOISE_SHAPE[0]}.png?lo={n % 50}&hi=255"  # never cached
            with urllib.request.urlopen(url, timeout=30) as response:
                assert response.status == 200 and response.read(8) == b"\x89PNG\r\n\x1a\n"
            out.append(time.perf_counter() - began)

    users = [threading.Thread(target=user, args=(k,)) for k in range(OTHER_USERS)]
    for thread in users:
        thread.start()
    for thread in users:
        thread.join()
    return out


def _gunicorn(data_dir, image, port, env_extra):
    """The Procfile's web command, one process (the strictest case: searches and others share its GIL)."""
    line = _procfile("web").replace("${WEB_CONCURRENCY:-2}", "1").replace("${PORT:-8050}", str(port))
    line = line.replace("0.0.0.0", "127.0.0.1")
    argv = [sys.executable, "-m", "gunicorn", *line.split()[1:]]
    env = dict(os.environ, SNT_WEB_DATA_DIR=str(data_dir), SNT_WEB_IMAGE=str(image), SNT_WEB_AUTH="demo-readonly",
               SNT_WEB_SECURE_COOKIES="0", **env_extra)
    return subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)


def test_others_are_answered_while_a_budget_long_search_runs(tmp_path, noise_project):
    store, project_id, meta = noise_project
    budget_s = 3.0
    port = _free_port()
    proc = _gunicorn(store.data_dir, tmp_path / "noise.tif", port, {"SNT_WEB_TRACE_MAX_SECONDS": str(budget_s),
                                                                   "SNT_WEB_TRACE_MAX_VOXELS": "100000000"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, proc.stdout.read().decode()[-3000:]
                time.sleep(0.2)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(base + "/", timeout=30).read()  # a visitor's page: the session and its CSRF cookie
        token = next(c.value for c in jar if c.name == "_csrf_token")
        app = create_app(store, project_id)  # only to spell the callback's request as the page would

        def click(xyz) -> str:
            body = json.dumps(_trace_click(app, meta, [0, 0, 0], xyz)).encode()
            request = urllib.request.Request(base + "/_dash-update-component", data=body, method="POST",
                                             headers={"Content-Type": "application/json", "X-CSRFToken": token})
            with opener.open(request, timeout=60) as response:
                return json.loads(response.read())["response"]["trace-message"]["children"]

        assert click([4, 4, 0]).startswith("Candidate:")  # the kernel is loaded (compiled) before timing
        baseline = _latencies(base, project_id, lambda: len(baseline) < 2 * OTHER_USERS * 10, baseline := [])
        far = {}

        def far_click():
            began = time.perf_counter()
            far["message"] = click(FAR_XYZ)
            far["seconds"] = time.perf_counter() - began

        searcher = threading.Thread(target=far_click)
        searcher.start()
        time.sleep(0.2)  # the search is under way
        during = _latencies(base, project_id, searcher.is_alive, [])
        searcher.join()
        assert TOO_FAR in far["message"] and budget_s <= far["seconds"] < budget_s + 2.0, far
        assert len(during) >= 20
        p95, calm = float(np.percentile(during, 95)), float(np.percentile(baseline, 95))
        print(f"\np95 latency of {len(during)} slice requests by {OTHER_USERS} other users during a "
              f"{far['seconds']:.1f} s search: {1000 * p95:.0f} ms (max {1000 * max(during):.0f} ms; "
              f"{1000 * calm:.0f} ms without a search)")
        # On an idle machine ``calm`` is a few ms and this is the 250 ms of the issue; a test machine
        # loaded by other work slows every request, and the search takes a core from them too. A search
        # holding the GIL would make them wait for the whole budget (seconds).
        assert p95 <= P95_LIMIT_S + 2 * calm, sorted(during)[-5:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
