"""What the store hands out (records, history entries) and what it raises."""

from __future__ import annotations

from dataclasses import dataclass


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
    """A project's current state, as the ``snt_projects`` row holds it."""

    id: str
    name: str
    version: int
    image_path: str | None
    image_name: str | None
    image_revision: int
    created: float
    updated: float


@dataclass(frozen=True)
class HistoryEntry:
    """One change: the version it made, who, when, what."""

    version: int
    user: str | None
    time: float
    action: str
    summary: str
    undoes: int | None = None
