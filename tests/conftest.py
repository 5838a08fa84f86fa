"""Fixtures shared by the whole suite: real data beside the repository, demo data, databases of each kind."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

import pytest
from dash.testing.application_runners import BaseDashRunner
from selenium.webdriver.chrome.options import Options

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def pytest_configure(config):
    """dash_duo's servers on ports of this process's own, so that suites run side by side do not collide.

    dash counts up from one fixed port in every process; two test runs on one
    machine (two checkouts, CI beside a developer) would bind the same ports.
    """
    BaseDashRunner._next_port = 20000 + (os.getpid() * 97) % 40000


def pytest_setup_options():
    """Browser options for dash_duo: a window big enough for the 2x2 view grid."""
    options = Options()
    options.add_argument("--window-size=1500,1000")
    return options


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository; tests skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory):
    """A small rendered demo dataset: ``(image_path, truth_path)``."""
    from snt_web.synth.demo_files import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"), seed=1, shape_zyx=(24, 96, 128))


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    return found[-1] if found else None


def _as_postgres() -> dict:
    """Popen arguments to run as the ``postgres`` system user when we are root.

    initdb and postgres refuse to run as root, and CI runs as root. Dropping
    privileges in the child itself (rather than through ``runuser``) makes the
    server our direct child, so a signal to it reaches the server.
    """
    return {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {}


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL on a free loopback port: ``(admin connection, url prefix)``."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries not found (make test installs Debian's postgresql)")
    root = tempfile.mkdtemp(prefix="snt-pg-")
    os.chmod(root, 0o755)
    data = os.path.join(root, "data")
    os.mkdir(data)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    # --no-sync: a throwaway cluster; commits are still fsynced (fsync=on).
    subprocess.run([f"{bin_dir}/initdb", "-D", data, "-U", user, "-A", "trust", "--no-sync"],
                   check=True, capture_output=True, cwd=root, **_as_postgres())
    server = subprocess.Popen(
        [f"{bin_dir}/postgres", "-D", data, "-k", root, "-p", str(port), "-h", "127.0.0.1",
         "-c", "fsync=on", "-c", "max_connections=200"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root, **_as_postgres(),
    )
    try:
        for _ in range(100):
            ready = subprocess.run([f"{bin_dir}/pg_isready", "-h", "127.0.0.1", "-p", str(port)], capture_output=True)
            if ready.returncode == 0:
                break
            time.sleep(0.1)
        else:
            pytest.fail("PostgreSQL did not start")
        prefix = f"postgresql+psycopg://{user}@127.0.0.1:{port}"
        with psycopg.connect(f"host=127.0.0.1 port={port} user={user} dbname=postgres", autocommit=True) as admin:
            yield admin, prefix
    finally:
        # "Immediate" shutdown: no final checkpoint, no waiting for idle
        # clients; the data directory is thrown away anyway.
        server.send_signal(signal.SIGQUIT)
        server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    admin, prefix = request.getfixturevalue("postgres_server")
    name = "t" + uuid.uuid4().hex[:12]
    admin.execute(f"CREATE DATABASE {name}")
    return f"{prefix}/{name}"
