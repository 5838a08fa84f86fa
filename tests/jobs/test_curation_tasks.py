"""The Curation Assistant's full scan as a job, by a real worker of each backend."""

from __future__ import annotations

from snt_web.curation import CurationSettings, full_scan
from snt_web.store import LOCAL_USER
from snt_web.store.curation import list_warnings, scan_measurements


def test_scan_job_stores_the_same_warnings_as_a_direct_scan(jobs):
    store = jobs.store
    expected = full_scan(store.reconstruction("demo"), image=store.image("demo")).warnings
    record = jobs.wait(jobs.queue.submit("curation-scan", "demo", LOCAL_USER, {}).id, timeout=120.0)
    assert record.state == "done", record.error
    assert record.result["warnings"] == len(expected)
    assert sorted(r["key"] for r in list_warnings(store, "demo", LOCAL_USER)) == sorted(w.key for w in expected)
    assert "Path signal quality" in scan_measurements(store, "demo")["measurements"]  # the image was used

    # Settings travel as a dict: with every check off there is nothing to find.
    off = {name: False for name, value in CurationSettings().to_dict().items() if isinstance(value, bool)}
    record = jobs.wait(jobs.queue.submit("curation-scan", "demo", LOCAL_USER, {"settings": off}).id, timeout=120.0)
    assert record.state == "done", record.error
    assert record.result["warnings"] == 0 and list_warnings(store, "demo", LOCAL_USER) == []
