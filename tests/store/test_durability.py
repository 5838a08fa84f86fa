"""Acknowledged writes survive SIGKILL; concurrent writers never lose or duplicate one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from snt_web.model import Path, Tree
from snt_web.store import ProjectStore

WRITER = textwrap.dedent(
    """
    import sys, time
    from snt_web.store import ProjectStore, StaleVersionError
    from snt_web.store.commands import RenamePath, apply
    data_dir, url, tag, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    store = ProjectStore(data_dir, database_url=url)
    stop, n = time.time() + seconds, 0
    while time.time() < stop:
        base = store.get("p1").version
        try:
            record = apply(store, "p1", "local", RenamePath(0, f"{tag}-{n}"), base)
        except StaleVersionError:
            continue
        print(record.version, f"{tag}-{n}", flush=True)  # acknowledged
        n += 1
    """
)


def _project(tmp_path, database_url) -> ProjectStore:
    store = ProjectStore(tmp_path / "data", database_url=database_url)
    store.create("p", project_id="p1", tree=Tree([Path(0, np.zeros((2, 3)))]))
    return store


def _writer(tmp_path, database_url, tag, seconds):
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path / "data"), database_url, tag, str(seconds)],
        stdout=subprocess.PIPE, text=True,
    )


def _acknowledged(lines):
    return [(int(v), name) for v, name in (line.split() for line in lines if line.strip())]


def test_acknowledged_writes_survive_sigkill(tmp_path, database_url):
    _project(tmp_path, database_url)
    proc = _writer(tmp_path, database_url, "w", 60)
    lines = []
    deadline = time.time() + 30
    while len(lines) < 15 and time.time() < deadline:
        lines.append(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    acked = _acknowledged(lines)
    assert len(acked) >= 15
    store = ProjectStore(tmp_path / "data", database_url=database_url)  # a restarted server
    assert store.get("p1").version >= acked[-1][0]
    history = {h.version: h for h in store.history("p1")}
    for version, name in acked:
        assert history[version].action == "rename path"
        assert store.reconstruction("p1", version).path(0).name == name


def test_eight_concurrent_writers_keep_a_contiguous_history(tmp_path, database_url):
    _project(tmp_path, database_url)
    procs = [_writer(tmp_path, database_url, f"w{k}", 2.0) for k in range(8)]
    acked = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        acked += _acknowledged(out.splitlines())
    store = ProjectStore(tmp_path / "data", database_url=database_url)
    versions = sorted(v for v, _ in acked)
    assert len(versions) > 8 and len(set(versions)) == len(versions)
    assert versions == list(range(2, 2 + len(versions)))  # version 1 created the project
    assert store.get("p1").version == versions[-1]
    assert sorted(h.version for h in store.history("p1") if h.action == "rename path") == versions
    last = max(acked)
    assert store.reconstruction("p1").path(0).name == last[1]


def test_many_servers_starting_on_a_fresh_database_at_once_all_start(tmp_path, database_url):
    barrier = threading.Barrier(8)

    def start(k):
        barrier.wait()  # each makes its engine, and so the tables, at the same moment
        store = ProjectStore(tmp_path / f"data{k}", database_url=database_url)
        try:
            return store.open_or_create("demo", "Demo").version
        finally:
            store.engine.dispose()

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(start, range(8))) == [0] * 8
