"""The project store: server-side state of every project, on disk.

A project is a folder under ``<data_dir>/projects/<id>/`` holding
``project.json`` (metadata and the version counter), the reconstruction as a
gzipped SNT ``.traces`` file (it keeps every path attribute SWC drops), and an
uploaded image when the image was not opened from a file in place.

Every write names the version it was based on and is refused with
:class:`StaleVersionError` when the project moved on since, so that several
users (and several server processes) can share a project without silently
overwriting each other. Writes are atomic (temp file + rename) and serialised
across processes by an ``flock`` on the project's lock file.
"""

from __future__ import annotations

import fcntl
import json
import re
import secrets
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..io.atomic import atomic_write
from ..io.image import Image
from ..io.reconstruction import read_reconstruction, write_reconstruction
from ..io.tiff import read_image
from ..model import Tree

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class StoreError(Exception):
    """A store operation could not be done."""


class ProjectNotFoundError(StoreError, KeyError):
    """No project with that id."""

    def __str__(self):
        return f"no project {self.args[0]!r}"


class ProjectExistsError(StoreError):
    """A project with that id exists already."""


class StaleVersionError(StoreError):
    """A write was based on a version that is no longer current."""

    def __init__(self, project_id: str, base_version: int, current_version: int):
        self.project_id = project_id
        self.base_version = base_version
        self.current_version = current_version
        super().__init__(
            f"project {project_id!r} changed since version {base_version} "
            f"(now version {current_version}); reload and try again"
        )


@dataclass
class ProjectRecord:
    """What ``project.json`` holds."""

    id: str
    name: str
    version: int = 0
    image_path: str | None = None
    image_name: str | None = None
    image_revision: int = 0
    reconstruction_file: str | None = None
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)


class ProjectStore:
    """Projects under a data directory.

    Parameters
    ----------
    data_dir : path-like
        Root folder (``--data-dir``; ``~/.snt-web`` by default).
    cache_size : int
        Images and reconstructions kept open per process, least recently used
        dropped first. Cache keys include the version, so a cache can never
        serve state that another process has replaced.
    """

    def __init__(self, data_dir, cache_size: int = 4):
        self.data_dir = Path(data_dir).expanduser()
        self.projects_dir = self.data_dir / "projects"
        self.files_dir = self.data_dir / "files"
        self.projects_dir.mkdir(parents=True, exist_ok=True)
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self._cache: OrderedDict = OrderedDict()
        self._cache_size = cache_size

    # --- records ----------------------------------------------------------
    def _dir(self, project_id: str) -> Path:
        if not _ID.match(project_id or ""):
            raise ProjectNotFoundError(project_id)
        return self.projects_dir / project_id

    def get(self, project_id: str) -> ProjectRecord:
        """The current record of a project."""
        try:
            meta = json.loads((self._dir(project_id) / "project.json").read_text("utf-8"))
        except FileNotFoundError:
            raise ProjectNotFoundError(project_id) from None
        return ProjectRecord(**meta)

    def list(self) -> list[ProjectRecord]:
        """All projects, most recently updated first."""
        records = [self.get(d.name) for d in self.projects_dir.iterdir() if (d / "project.json").exists()]
        return sorted(records, key=lambda r: r.updated, reverse=True)

    def _write_record(self, record: ProjectRecord) -> None:
        with atomic_write(self._dir(record.id) / "project.json", "w") as fh:
            json.dump(asdict(record), fh, indent=1)

    @contextmanager
    def _locked(self, project_id: str):
        folder = self._dir(project_id)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield folder
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def _write(self, project_id: str, base_version: int | None):
        """Lock, check the version, yield the record to change, bump and save it."""
        with self._locked(project_id):
            record = self.get(project_id)
            if base_version is not None and base_version != record.version:
                raise StaleVersionError(project_id, base_version, record.version)
            yield record
            record.version += 1
            record.updated = time.time()
            self._write_record(record)

    # --- create -------------------------------------------------------------
    def create(
        self, name: str, *, project_id: str | None = None, image_path=None, tree: Tree | None = None
    ) -> ProjectRecord:
        """Create a project, optionally opening an image file in place.

        Parameters
        ----------
        name : str
            Display name.
        project_id : str, optional
            Lower-case id (letters, digits, ``-``, ``_``); random if omitted.
        image_path : path-like, optional
            An image file to open where it is (it is not copied).
        tree : Tree, optional
            An initial reconstruction.
        """
        project_id = project_id or secrets.token_hex(6)
        with self._locked(project_id) as folder:
            if (folder / "project.json").exists():
                raise ProjectExistsError(f"project {project_id!r} exists already")
            record = ProjectRecord(id=project_id, name=name)
            if image_path is not None:
                record.image_path = str(Path(image_path).resolve())
                record.image_name = Path(image_path).name
                record.image_revision = 1
            self._write_record(record)
        if tree is not None:
            self.set_reconstruction(project_id, tree, base_version=0)
        return self.get(project_id)

    def open_or_create(self, project_id: str, name: str, **kwargs) -> ProjectRecord:
        """The project ``project_id``, created with ``kwargs`` if it does not exist.

        Safe when several server processes start at once: one creates it, the
        others open it.
        """
        try:
            return self.get(project_id)
        except ProjectNotFoundError:
            pass
        try:
            return self.create(name, project_id=project_id, **kwargs)
        except ProjectExistsError:
            return self.get(project_id)

    # --- image ----------------------------------------------------------------
    def image(self, project_id: str) -> Image | None:
        """The project's image (memory-mapped where possible), or None."""
        record = self.get(project_id)
        if record.image_path is None:
            return None
        key = ("image", project_id, record.image_revision)
        path = self._resolve(record, record.image_path)
        return self._cached(key, lambda: read_image(path, name=record.image_name))

    def set_image_path(self, project_id: str, path, *, base_version: int | None) -> ProjectRecord:
        """Make an image file, opened where it is, the project's image."""
        path = Path(path).resolve()
        read_image(path)  # refuse an unreadable file before touching the project
        return self._replace_image(project_id, str(path), base_version)

    def set_image_bytes(self, project_id: str, data: bytes, filename: str, *, base_version: int | None) -> ProjectRecord:
        """Store an uploaded image file in the project and make it current.

        The bytes are kept as uploaded (no re-encoding), under a name of our
        own: the upload's name is only used for its extension and for display.
        A file that does not read as an image raises and changes nothing.
        """
        suffix = ".ome.tif" if filename.lower().endswith((".ome.tif", ".ome.tiff")) else ".tif"
        name = f"upload-{secrets.token_hex(4)}{suffix}"
        target = self._dir(project_id) / name
        with atomic_write(target) as fh:
            fh.write(data)
        try:
            read_image(target, name=filename)
            return self._replace_image(project_id, name, base_version, display_name=filename)
        except BaseException:
            target.unlink(missing_ok=True)
            raise

    def _replace_image(self, project_id, image_path, base_version, display_name=None) -> ProjectRecord:
        with self._write(project_id, base_version) as record:
            previous = record.image_path
            record.image_path = image_path
            record.image_name = display_name or Path(image_path).name
            record.image_revision += 1
        # Only a superseded upload is deleted, never a file opened in place. A
        # process that still maps it keeps reading it until it lets go (POSIX).
        if previous and not Path(previous).is_absolute():
            (self._dir(project_id) / previous).unlink(missing_ok=True)
        return self.get(project_id)

    # --- reconstruction -------------------------------------------------------
    def reconstruction(self, project_id: str) -> Tree:
        """The project's reconstruction (an empty Tree if there is none yet)."""
        record = self.get(project_id)
        if record.reconstruction_file is None:
            return Tree()
        key = ("tree", project_id, record.version, record.reconstruction_file)
        return self._cached(
            key, lambda: read_reconstruction(self._dir(project_id) / record.reconstruction_file)
        )

    def set_reconstruction(self, project_id: str, tree: Tree, *, base_version: int | None) -> ProjectRecord:
        """Replace the reconstruction; ``base_version`` is the version the edit started from."""
        with self._write(project_id, base_version) as record:
            # A new file per version, never overwritten: a reader holding an
            # older record still finds its file, and earlier versions stay
            # available for history and restore.
            name = f"reconstruction-{record.version + 1}.traces"
            write_reconstruction(tree, self._dir(project_id) / name)
            record.reconstruction_file = name
        return self.get(project_id)

    # --- data-directory files -------------------------------------------------
    def list_files(self, extensions) -> list[str]:
        """Names of files in ``<data_dir>/files`` with one of ``extensions``."""
        exts = tuple(e.lower() for e in extensions)
        return sorted(p.name for p in self.files_dir.iterdir() if p.is_file() and p.name.lower().endswith(exts))

    def data_file(self, name: str) -> Path:
        """A file of ``<data_dir>/files`` by bare name; never a path elsewhere."""
        candidate = (self.files_dir / name).resolve()
        if candidate.parent != self.files_dir.resolve() or not candidate.is_file():
            raise StoreError(f"no file {name!r} in the data directory")
        return candidate

    # --- helpers --------------------------------------------------------------
    def _resolve(self, record: ProjectRecord, name: str) -> Path:
        path = Path(name)
        return path if path.is_absolute() else self._dir(record.id) / path

    def _cached(self, key, load):
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = load()
        self._cache[key] = value
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return value
