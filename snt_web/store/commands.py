"""The one door for edits: ``apply(store, project_id, user, command, base_version)``.

Every panel, API endpoint and script writes through here, so the role check,
the version check and the history record happen where the data is stored and
no new panel can forget them (CATMAID's habit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..auth.roles import PermissionDenied, allows
from ..model import SWC_TYPES, Tree
from .accounts import Accounts
from .records import ProjectRecord, StoreError

_CUR_TAG = re.compile(r" ?\{cur:[^}]*\}")
#: SNT's CurationTags: a path carries at most one of these.
CURATION_TAGS = ("cur:accept", "cur:reject", "cur:unsure")


@dataclass(frozen=True)
class SetReconstruction:
    tree: Tree
    summary: str = ""
    action = "edit"

    def run(self, store, project_id, user, base_version):
        return store.set_reconstruction(project_id, self.tree, base_version=base_version, user=user,
                                        summary=self.summary)


@dataclass(frozen=True)
class SetImageBytes:
    data: bytes
    filename: str
    action = "edit"

    def run(self, store, project_id, user, base_version):
        return store.set_image_bytes(project_id, self.data, self.filename, base_version=base_version, user=user)


@dataclass(frozen=True)
class SetImagePath:
    path: str
    action = "edit"

    def run(self, store, project_id, user, base_version):
        return store.set_image_path(project_id, self.path, base_version=base_version, user=user)


def _edit_path(store, project_id, user, base_version, path_id, change, action, summary):
    """Apply ``change(path)`` to a copy of one path and save the tree as a new version."""
    tree = store.reconstruction(project_id, base_version)
    try:
        original = tree.path(path_id)
    except KeyError:
        raise StoreError(f"project {project_id!r} has no path {path_id}") from None
    edited = original.copy()
    change(edited)
    paths = [edited if p.id == path_id else p for p in tree.paths]
    new_tree = Tree(paths, spacing_xyz=tree.spacing_xyz, units=tree.units)
    return store.set_reconstruction(project_id, new_tree, base_version=base_version, user=user, action=action,
                                    summary=summary(original, edited))


@dataclass(frozen=True)
class RenamePath:
    path_id: int
    name: str
    action = "edit"

    def run(self, store, project_id, user, base_version):
        if not self.name.strip():
            raise StoreError("a path name cannot be empty")

        def change(p):
            p.name = self.name

        return _edit_path(store, project_id, user, base_version, self.path_id, change, "rename path",
                          lambda a, b: f"renamed path {a.id} {a.name!r} -> {b.name!r}")


@dataclass(frozen=True)
class SetPathType:
    path_id: int
    swc_type: int
    action = "edit"

    def run(self, store, project_id, user, base_version):
        if self.swc_type not in SWC_TYPES:
            raise StoreError(f"SWC type must be 0-7, got {self.swc_type}")

        def change(p):
            p.swc_type = int(self.swc_type)

        return _edit_path(store, project_id, user, base_version, self.path_id, change, "set path type",
                          lambda a, b: f"path {a.id} type {SWC_TYPES[a.swc_type]} -> {SWC_TYPES[b.swc_type]}")


@dataclass(frozen=True)
class TagPath:
    """Add a ``{tag}`` to a path's name; a ``cur:*`` review tag replaces the previous one (SNT's CurationTags)."""

    path_id: int
    tag: str
    action = "review"

    def run(self, store, project_id, user, base_version):
        if not re.fullmatch(r"[^{}]{1,64}", self.tag or ""):
            raise StoreError(f"tag {self.tag!r}: 1-64 characters, no braces")
        if self.tag.startswith("cur:") and self.tag not in CURATION_TAGS:
            raise StoreError(f"review tag {self.tag!r}: one of {', '.join(CURATION_TAGS)}")

        def change(p):
            name = _CUR_TAG.sub("", p.name) if self.tag.startswith("cur:") else p.name
            p.name = f"{name}{{{self.tag}}}"

        return _edit_path(store, project_id, user, base_version, self.path_id, change, "tag path",
                          lambda a, b: f"tagged path {a.id} {{{self.tag}}}")


@dataclass(frozen=True)
class Restore:
    version: int
    action = "edit"

    def run(self, store, project_id, user, base_version):
        return store.restore(project_id, self.version, base_version=base_version, user=user)


@dataclass(frozen=True)
class Undo:
    action = "edit"

    def run(self, store, project_id, user, base_version):
        return store.undo(project_id, user, base_version=base_version)


@dataclass(frozen=True)
class PutAttachment:
    kind: str
    name: str
    data: bytes
    action = "edit"

    def run(self, store, project_id, user, base_version):
        return store.put_attachment(project_id, self.kind, self.name, self.data, base_version=base_version,
                                    user=user)


@dataclass(frozen=True)
class SetMember:
    name: str
    role: str | None
    action = "manage"

    def run(self, store, project_id, user, base_version):
        return Accounts(store).set_member(project_id, self.name, self.role, base_version=base_version, by=user)


def apply(store, project_id: str, user: str | None, command, base_version: int | None) -> ProjectRecord:
    """Check ``user``'s role for ``command``, then run it from ``base_version``.

    Raises
    ------
    PermissionDenied
        The user's role on the project does not allow the command.
    StaleVersionError
        The project changed since ``base_version``.
    StoreError, SNTWebIOError
        The command itself is invalid (unknown path, unreadable file...).
    """
    role = Accounts(store).role_of(project_id, user)
    if not allows(role, command.action):
        raise PermissionDenied(user, command.action, project_id, role)
    return command.run(store, project_id, user, base_version)
