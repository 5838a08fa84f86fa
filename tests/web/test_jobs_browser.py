"""The Jobs panel in headless Chromium: a filter job started from the Tracing panel, its progress, its layer."""

from __future__ import annotations

import time

import pytest

from snt_web.jobs import open_queue, start_workers, stop_workers
from snt_web.store import ProjectStore
from snt_web.synth.demo_files import write_demo
from snt_web.web.app import create_app

from .browser import start, wait_until

pytestmark = pytest.mark.browser

#: As many scales as a job takes (8), wide enough that it runs for seconds on this image: long enough
#: to watch its progress.
SCALES = ",".join(f"{2.0 + k:.1f}" for k in range(8))


@pytest.fixture
def worked_app(tmp_path):
    """An app on a mid-sized demo image, and one worker process running its jobs."""
    image_path, _ = write_demo(tmp_path / "demo", seed=2, shape_zyx=(48, 256, 256))
    store = ProjectStore(tmp_path / "data")
    store.create("Demo", project_id="demo", image_path=image_path)
    workers = start_workers(1, store.data_dir, store.database_url)
    yield store, create_app(store, "demo", jobs_queue=open_queue(store.data_dir, store.database_url))
    stop_workers(workers)


def _job_rows(dash_duo):
    return dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('.snt-job')).map(e =>"
        " ({state: e.dataset.state, progress: parseFloat(e.dataset.progress), text: e.innerText}));"
    )


def _layer_labels(dash_duo):
    dash_duo.find_element("#trace-layer").click()
    labels = [e.text for e in dash_duo.find_elements("#trace-layer .dash-dropdown-option, [role=option]")]
    dash_duo.find_element("body").click()
    return labels


def test_filter_job_shows_progress_and_its_layer_becomes_ready(dash_duo, worked_app):
    store, app = worked_app
    start(dash_duo, app)
    dash_duo.wait_for_contains_text("#jobs-summary", "none", timeout=10)
    dash_duo.select_dcc_dropdown("#trace-layer", value="tubeness")
    scales = dash_duo.find_element("#trace-scales")
    scales.send_keys(SCALES)
    scales.send_keys("\t")  # debounce: the value is sent on blur
    dash_duo.find_element("#trace-compute").click()
    wait_until(dash_duo, lambda: "as a job" in dash_duo.find_element("#trace-message").text)

    # The bar moves: progress seen strictly between 0 and 100, more than once, rising.
    seen, deadline = [], time.time() + 120
    while time.time() < deadline:
        rows = _job_rows(dash_duo)
        if rows:
            seen.append((rows[0]["state"], rows[0]["progress"]))
            if rows[0]["state"] == "done":
                break
        time.sleep(0.2)
    middle = sorted({p for state, p in seen if state == "running" and 0 < p < 100})
    assert len(middle) >= 2, seen
    assert seen[-1] == ("done", 100.0), seen
    assert "tubeness" in _job_rows(dash_duo)[0]["text"]
    # The layer is ready for tracing, and the panel says so without a reload.
    wait_until(dash_duo, lambda: "tubeness (ready)" in _layer_labels(dash_duo), timeout=10)
    job = open_queue(store.data_dir, store.database_url).list("demo")[0]
    assert job.kind == "filter-layer" and job.user == "local" and len(job.result["scales"]) == 8
    n_layers = len(list((store.projects_dir / "demo" / "layers").glob("*.npy")))

    # Another job (Frangi this time), cancelled from its row while it runs: no layer is written.
    dash_duo.select_dcc_dropdown("#trace-layer", value="frangi")
    dash_duo.find_element("#trace-compute").click()
    wait_until(dash_duo, lambda: len(_job_rows(dash_duo)) == 2 and _job_rows(dash_duo)[0]["state"] == "running"
               and _job_rows(dash_duo)[0]["progress"] > 0, timeout=20)
    dash_duo.find_element(".snt-job button").click()
    wait_until(dash_duo, lambda: _job_rows(dash_duo)[0]["state"] == "cancelled", timeout=10)
    assert open_queue(store.data_dir, store.database_url).list("demo")[0].state == "cancelled"
    assert len(list((store.projects_dir / "demo" / "layers").glob("*.npy"))) == n_layers
    assert "frangi (ready)" not in _layer_labels(dash_duo)
    assert dash_duo.get_logs() == []
