"""Import projects kept by the file-based store (``project.json`` folders).

That store kept ``<data_dir>/projects/<id>/project.json`` and one gzipped
``.traces`` file per version. A project found there with no database row gets
one: its current record, and its current reconstruction as the one recorded
version. Images stay where they are (uploads were already in the project's
folder, which is where the database store keeps them too); the old files are
left alone.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from sqlalchemy import exc, insert, select

from ..io.traces import parse_traces_bytes
from . import database as db


def import_legacy_projects(engine, projects_dir: Path) -> list[str]:
    """Give every ``project.json`` folder without a database row one.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        The store's database.
    projects_dir : Path
        ``<data_dir>/projects``.

    Returns
    -------
    list of str
        The ids imported by this call (a project another process imports at
        the same time is counted by that process).

    Raises
    ------
    SNTWebIOError
        A project's reconstruction file cannot be read; nothing of that
        project is imported.
    """
    with engine.connect() as conn:
        known = set(conn.execute(select(db.projects.c.id)).scalars())
    imported = []
    for meta_file in sorted(projects_dir.glob("*/project.json")):
        if meta_file.parent.name in known:
            continue
        meta = json.loads(meta_file.read_text("utf-8"))
        try:
            with db.transaction(engine) as conn:
                _import(conn, meta, meta_file.parent)
        except exc.IntegrityError:
            continue  # another server process imported it first
        imported.append(meta_file.parent.name)
    return imported


def _import(conn, meta: dict, folder: Path) -> None:
    # ``meta`` is the old ProjectRecord, written whole by ``dataclasses.asdict``.
    project_id, version = folder.name, int(meta["version"])
    conn.execute(insert(db.projects).values(
        id=project_id, name=meta["name"], version=version, image_path=meta["image_path"],
        image_name=meta["image_name"], image_revision=int(meta["image_revision"]),
        created=float(meta["created"]), updated=float(meta["updated"]),
    ))
    if version == 0:
        return  # nothing ever happened to it
    summary, blob = "imported from project.json", None
    if meta["reconstruction_file"]:
        source = folder / Path(meta["reconstruction_file"]).name
        data = source.read_bytes()
        tree = parse_traces_bytes(data, str(source))
        summary += f": {len(tree)} paths, {tree.n_nodes} nodes"
        # The old store wrote gzipped files; compress anything else, as the database keeps them all.
        blob = data if data[:2] == b"\x1f\x8b" else gzip.compress(data, mtime=0)
    # The newest history row is the project's version, as for every other project (undo relies on it).
    conn.execute(insert(db.history).values(
        project_id=project_id, version=version, user=None, time=float(meta["updated"]), action="import",
        summary=summary, changed_tree=int(blob is not None),
    ))
    if blob is not None:
        conn.execute(insert(db.trees).values(project_id=project_id, version=version, data=blob))
