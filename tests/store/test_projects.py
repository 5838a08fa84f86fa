import json
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from snt_web.io.errors import SNTWebIOError
from snt_web.io.traces import write_traces
from snt_web.model import Path, Tree
from snt_web.store import Accounts, ProjectStore, StaleVersionError, StoreError
from snt_web.store import projects as projects_module


def _tree(n_paths=2):
    paths = [Path(0, np.c_[np.arange(5.0), np.zeros(5), np.zeros(5)], swc_type=3)]
    for k in range(1, n_paths):
        paths.append(Path(k, np.c_[np.full(4, 2.0), np.arange(1.0, 5.0), np.zeros(4)], parent_id=0, branch_index=2))
    return Tree(paths, spacing_xyz=(0.5, 0.5, 2.0))


def test_create_and_read_back_a_reconstruction(store, demo_files):
    image_path, _ = demo_files
    record = store.create("demo", project_id="p1", image_path=image_path)
    assert record.version == 0 and record.image_revision == 1
    assert store.image("p1").shape_zyx == (24, 96, 128)
    record = store._set_reconstruction("p1", _tree(3), base_version=0)
    assert record.version == 1
    tree = store.reconstruction("p1")
    assert len(tree) == 3 and tree.path(2).parent_id == 0 and tree.path(2).branch_index == 2
    assert tree.spacing_xyz == pytest.approx((0.5, 0.5, 2.0))


def test_a_write_from_a_stale_version_is_refused_and_loses_nothing(store):
    store.create("p", project_id="p1")
    store._set_reconstruction("p1", _tree(2), base_version=0)  # user A, from version 0
    with pytest.raises(StaleVersionError) as err:
        store._set_reconstruction("p1", _tree(5), base_version=0)  # user B, also from version 0
    assert err.value.current_version == 1
    assert len(store.reconstruction("p1")) == 2
    assert store.get("p1").version == 1


def test_a_failed_write_keeps_the_previous_version(store, monkeypatch):
    store.create("p", project_id="p1")
    store._set_reconstruction("p1", _tree(2), base_version=0)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(projects_module, "traces_bytes", crash)
    with pytest.raises(OSError):
        store._set_reconstruction("p1", _tree(4), base_version=1)
    fresh = ProjectStore(store.data_dir, database_url=store.database_url)  # as a restarted server sees it
    assert fresh.get("p1").version == 1
    assert len(fresh.reconstruction("p1")) == 2
    assert [h.version for h in fresh.history("p1")] == [1]


def test_corrupt_image_upload_changes_nothing(store, demo_files):
    image_path, _ = demo_files
    store.create("p", project_id="p1", image_path=image_path)
    with pytest.raises(SNTWebIOError) as err:
        store._set_image_bytes("p1", b"II*\x00garbage", "broken.tif", base_version=0)
    assert "broken.tif" in str(err.value)
    record = store.get("p1")
    assert record.version == 0 and record.image_path == str(image_path.resolve())
    assert store.history("p1") == []
    assert [p.name for p in (store.projects_dir / "p1").glob("upload-*")] == []


def test_image_upload_is_kept_and_supersedes_the_previous_upload(store, demo_files):
    image_path, _ = demo_files
    store.create("p", project_id="p1")
    store._set_image_bytes("p1", image_path.read_bytes(), "first.tif", base_version=0)
    first = store.get("p1").image_path
    store._set_image_bytes("p1", image_path.read_bytes(), "second.tif", base_version=1)
    record = store.get("p1")
    assert record.image_revision == 2 and record.image_name == "second.tif"
    assert not (store.projects_dir / "p1" / first).exists()
    assert store.image("p1").name == "second.tif"
    assert image_path.exists()  # a file opened in place is never deleted


def test_data_directory_files_cannot_escape_it(store, tmp_path):
    (store.files_dir / "cell.swc").write_text("1 1 0 0 0 1 -1\n")
    (tmp_path / "secret.swc").write_text("1 1 0 0 0 1 -1\n")
    assert store.list_files([".swc"]) == ["cell.swc"]
    assert store.data_file("cell.swc").name == "cell.swc"
    for name in ("../secret.swc", "../../data/files/../../secret.swc", "/etc/passwd", "missing.swc"):
        with pytest.raises(StoreError):
            store.data_file(name)


def test_project_ids_are_validated(store):
    with pytest.raises(StoreError):
        store.get("../../etc")
    with pytest.raises(StoreError):
        store.create("x", project_id="p1") and store.create("x", project_id="p1")


def test_open_or_create_is_idempotent(store):
    a = store.open_or_create("demo", "Demo")
    b = store.open_or_create("demo", "Other name")
    assert a.id == b.id == "demo" and b.name == "Demo"
    assert [r.id for r in store.list()] == ["demo"]


def test_a_project_created_with_a_reconstruction_is_one_recorded_version(store):
    record = store.create("p", project_id="p1", tree=_tree(3), user="ann")
    assert record.version == 1 and len(store.reconstruction("p1")) == 3
    entry = store.history("p1")[0]
    assert (entry.version, entry.user, entry.action) == (1, "ann", "create")
    accounts = Accounts(store)
    accounts.add_user("ann", "correct horse", role="viewer")
    assert accounts.members("p1") == {"ann": "owner"} and accounts.role_of("p1", "ann") == "owner"
    store.create("q", project_id="p2")
    assert [r.id for r in store.list(user="ann")] == ["p2", "p1"]  # her site role sees every project
    accounts.remove_user("ann")
    assert store.list(user="ann") == [] and len(store.list()) == 2


def test_open_or_create_from_many_workers_at_once_creates_one_project(store):
    barrier = threading.Barrier(6)

    def open_it(_):
        barrier.wait()
        return store.open_or_create("demo", "Demo", tree=_tree(2))

    with ThreadPoolExecutor(6) as pool:
        records = list(pool.map(open_it, range(6)))
    assert {r.version for r in records} == {1}
    assert [h.action for h in store.history("demo")] == ["create"]


def test_the_default_database_is_sqlite_in_the_data_directory_in_wal_mode(tmp_path):
    store = ProjectStore(tmp_path / "data")
    assert store.database_url == f"sqlite:///{tmp_path / 'data' / 'snt-web.db'}"
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL: fsync at every commit
    store.create("p", project_id="p1")
    assert ProjectStore(tmp_path / "data").get("p1").name == "p"


def test_projects_of_the_file_based_store_are_imported_once(tmp_path, database_url, demo_files):
    folder = tmp_path / "data" / "projects" / "old1"
    folder.mkdir(parents=True)
    shutil.copy(demo_files[0], folder / "upload-0a1b2c3d.tif")
    write_traces(_tree(3), folder / "reconstruction-4.traces")
    (folder / "project.json").write_text(json.dumps({
        "id": "old1", "name": "Old", "version": 4, "image_path": "upload-0a1b2c3d.tif", "image_name": "cell.tif",
        "image_revision": 2, "reconstruction_file": "reconstruction-4.traces", "created": 1.0, "updated": 2.0,
    }))
    store = ProjectStore(tmp_path / "data", database_url=database_url)
    record = store.get("old1")
    assert (record.name, record.version, record.image_revision, record.image_name) == ("Old", 4, 2, "cell.tif")
    assert store.image("old1").shape_zyx == (24, 96, 128)
    assert len(store.reconstruction("old1")) == 3
    assert [(h.version, h.action, h.summary) for h in store.history("old1")] == [
        (4, "import", f"imported from project.json: 3 paths, {_tree(3).n_nodes} nodes")]
    store._set_reconstruction("old1", _tree(1), base_version=4, user="ann")
    store._undo("old1", "ann", base_version=5)
    assert len(store.reconstruction("old1")) == 3
    again = ProjectStore(tmp_path / "data", database_url=database_url)  # the next start imports nothing
    assert again.get("old1").version == 6 and len(again.history("old1")) == 3
    for s in (store, again):
        s.engine.dispose()
