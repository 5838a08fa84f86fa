"""Store tests run on SQLite and on a private PostgreSQL server."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import pytest

from snt_web.store import ProjectStore


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    return found[-1] if found else None


def _as_postgres(argv):
    # initdb and postgres refuse to run as root; CI runs as root.
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL on a free loopback port: ``(host, port, superuser)``."""
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
    subprocess.run(_as_postgres([f"{bin_dir}/initdb", "-D", data, "-U", user, "-A", "trust"]),
                   check=True, capture_output=True)
    server = subprocess.Popen(
        _as_postgres([f"{bin_dir}/postgres", "-D", data, "-k", root, "-p", str(port), "-h", "127.0.0.1",
                      "-c", "fsync=on", "-c", "max_connections=200"]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            ready = subprocess.run([f"{bin_dir}/pg_isready", "-h", "127.0.0.1", "-p", str(port)], capture_output=True)
            if ready.returncode == 0:
                break
            time.sleep(0.1)
        else:
            pytest.fail("PostgreSQL did not start")
        yield "127.0.0.1", port, user, bin_dir
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    host, port, user, bin_dir = request.getfixturevalue("postgres_server")
    name = "t" + uuid.uuid4().hex[:12]
    subprocess.run([f"{bin_dir}/createdb", "-h", host, "-p", str(port), "-U", user, name], check=True)
    return f"postgresql+psycopg://{user}@{host}:{port}/{name}"


@pytest.fixture
def store(tmp_path, database_url):
    return ProjectStore(tmp_path / "data", database_url=database_url)
