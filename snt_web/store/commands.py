"""The one door for edits: ``apply(store, project_id, user, command, base_version)``.

Every panel, API endpoint and script writes through here, so the role check,
the length of every text field (:mod:`.text`), the version check and the
history record happen where the data is stored and no new panel can forget
them (CATMAID's habit).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, fields

from ..auth.roles import PermissionDenied, allows
from ..fitting.apply import apply_fits
from ..model import SWC_TYPES, Tree, edit, graft
from .accounts import Accounts
from .records import ProjectRecord, StoreError
from .text import check_text

_CUR_TAG = re.compile(r" ?\{cur:[^}]*\}")
#: SNT's CurationTags: a path carries at most one of these.
CURATION_TAGS = ("cur:accept", "cur:reject", "cur:unsure")


@dataclass(frozen=True)
class SetReconstruction:
    tree: Tree
    summary: str = ""
    action = "edit"

    def run(self, store, project_id, user, base_version):
        return store._set_reconstruction(project_id, self.tree, base_version=base_version, user=user,
                                        summary=self.summary)


@dataclass(frozen=True)
class SetImageBytes:
    data: bytes
    filename: str
    action = "edit"

    def run(self, store, project_id, user, base_version):
        return store._set_image_bytes(project_id, self.data, self.filename, base_version=base_version, user=user)


@dataclass(frozen=True)
class SetImagePath:
    path: str
    action = "edit"

    def run(self, store, project_id, user, base_version):
        return store._set_image_path(project_id, self.path, base_version=base_version, user=user)


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
    return store._set_reconstruction(project_id, new_tree, base_version=base_version, user=user, action=action,
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
        return store._restore(project_id, self.version, base_version=base_version, user=user)


@dataclass(frozen=True)
class Undo:
    action = "edit"

    def run(self, store, project_id, user, base_version):
        return store._undo(project_id, user, base_version=base_version)


@dataclass(frozen=True)
class Redo:
    action = "edit"

    def run(self, store, project_id, user, base_version):
        return store._redo(project_id, user, base_version=base_version)


#: The tree edits :class:`EditTree` runs, by name.
TREE_EDITS = {
    "add_path": edit.add_path,
    "extend_path": edit.extend_path,
    "delete_paths": edit.delete_paths,
    "set_path_properties": edit.set_path_properties,
    "merge_paths": edit.merge_paths,
    "split_path": edit.split_path,
    "move_node": edit.move_node,
    "insert_node": edit.insert_node,
    "delete_node": edit.delete_node,
    "apply_fits": apply_fits,
    "add_trees": graft.add_trees,
}


@dataclass(frozen=True)
class EditTree:
    """Run ``TREE_EDITS[op](tree, **params)`` on the reconstruction and save the result.

    ``params`` are the edit's keyword arguments as JSON gives them (lists for
    points), so an API can pass a request body through. The history records
    the edit as ``op`` in words (``"add path"``) with a summary of what it did.
    """

    op: str
    params: dict
    action = "edit"

    def run(self, store, project_id, user, base_version):
        if self.op not in TREE_EDITS:
            raise StoreError(f"unknown tree edit {self.op!r}; one of {', '.join(TREE_EDITS)}")
        # The edit must be saved over the tree it was made to: without a base
        # version, pin the current one, so a write in between is refused
        # rather than silently overwritten.
        base = store.get(project_id).version if base_version is None else base_version
        before = store.reconstruction(project_id, base)
        after, new_id = _run_edit(project_id, self.op, before, self.params)
        summary = _EDIT_SUMMARIES[self.op](before, after, self.params, new_id)
        return store._set_reconstruction(project_id, after, base_version=base, user=user,
                                        action=self.op.replace("_", " "), summary=summary)


def edit_tree(store, project_id: str, user: str | None, op: str, params: dict,
              base_version: int | None) -> tuple[ProjectRecord, int | None]:
    """Apply ``EditTree(op, params)``; also say which path it created, if any.

    Returns
    -------
    record : ProjectRecord
    new_path_id : int or None
        The path ``add_path`` or ``split_path`` created; None for other edits.

    Raises
    ------
    PermissionDenied, StaleVersionError, StoreError
        As :func:`apply`.
    """
    # Pinned here too, so that the version before the new one is the tree the
    # edit was made to, and comparing the two names what it added.
    base = store.get(project_id).version if base_version is None else base_version
    record = apply(store, project_id, user, EditTree(op, params), base)
    before = {p.id for p in store.reconstruction(project_id, base)}
    added = [p.id for p in store.reconstruction(project_id, record.version) if p.id not in before]
    return record, (added[0] if added else None)


def _run_edit(project_id, op, tree, params) -> tuple[Tree, int | None]:
    """``(new tree, new path id or None)``; what the edit refuses becomes a StoreError."""
    function = TREE_EDITS[op]
    try:
        inspect.signature(function).bind(tree, **params)
    except TypeError as error:
        raise StoreError(f"{op}: {error}") from None
    try:
        result = function(tree, **params)
    except KeyError as error:
        raise StoreError(f"project {project_id!r} has no path {error.args[0]}") from None
    except ValueError as error:
        raise StoreError(str(error)) from None
    return result if isinstance(result, tuple) else (result, None)


def _label(path) -> str:
    return f"path {path.id} {path.name!r}"


def _added_summary(before, after, params, new_id):
    path = after.path(new_id)
    where = "" if path.parent_id is None else f", branch of path {path.parent_id} at node {path.branch_index}"
    return f"added {_label(path)} ({len(path)} nodes{where})"


def _extended_summary(before, after, params, new_id):
    old, new = before.path(params["path_id"]), after.path(params["path_id"])
    return f"extended {_label(old)} by {len(new) - len(old)} nodes (now {len(new)})"


def _deleted_summary(before, after, params, new_id):
    removed = [before.path(i) for i in dict.fromkeys(params["path_ids"])]
    gone = {p.id for p in removed}
    orphans = sum(1 for p in after.paths if p.parent_id is None and before.path(p.id).parent_id in gone)
    nodes = sum(len(p) for p in removed)
    what = _label(removed[0]) if len(removed) == 1 else f"{len(removed)} paths"
    freed = {0: "", 1: "; a branch is now a primary path"}.get(orphans, f"; {orphans} branches are now primary paths")
    return f"deleted {what} ({nodes} nodes{freed})"


def _properties_summary(before, after, params, new_id):
    old, new = before.path(params["path_id"]), after.path(params["path_id"])
    changes = [
        f"{what} {was} -> {now}"
        for what, was, now in (
            ("name", repr(old.name), repr(new.name)),
            ("type", SWC_TYPES[old.swc_type], SWC_TYPES[new.swc_type]),
            ("colour", old.color or "none", new.color or "none"),
            ("channel", old.channel, new.channel),
        )
        if was != now
    ]
    return f"{_label(old)}: {', '.join(changes) or 'no change'}"


def _merged_summary(before, after, params, new_id):
    path, other = before.path(params["path_id"]), before.path(params["other_id"])
    return f"merged {_label(other)} onto the end of {_label(path)} (now {len(after.path(path.id))} nodes)"


def _split_summary(before, after, params, new_id):
    path, index = before.path(params["path_id"]), params["index"]
    moved = f"node {index + 1} is" if index + 2 == len(path) else f"nodes {index + 1}-{len(path) - 1} are"
    return f"split {_label(path)} after node {index}: {moved} now path {new_id}"


def _fits_summary(before, after, params, new_id):
    fits = params["fits"]
    nodes = sum(len(fit["points"]) for fit in fits)
    what = f"path {fits[0]['path_id']}" if len(fits) == 1 else f"{len(fits)} paths"
    how = "replaced their nodes" if params.get("replace") else "kept as fitted versions"
    return f"fitted {what} ({nodes} nodes; {how})"


def _trees_summary(before, after, params, new_id):
    added = [p for p in after.paths if p.id >= new_id]
    arbors = sum(1 for p in added if p.parent_id is None)
    return f"added {len(added)} paths in {arbors} trees ({sum(len(p) for p in added)} nodes)"


def _node_summary(verb):
    def summary(before, after, params, new_id):
        return f"{verb} node {params['index']} of {_label(before.path(params['path_id']))}"
    return summary


_EDIT_SUMMARIES = {
    "add_path": _added_summary,
    "extend_path": _extended_summary,
    "delete_paths": _deleted_summary,
    "set_path_properties": _properties_summary,
    "merge_paths": _merged_summary,
    "split_path": _split_summary,
    "move_node": _node_summary("moved"),
    "insert_node": _node_summary("inserted"),
    "delete_node": _node_summary("deleted"),
    "apply_fits": _fits_summary,
    "add_trees": _trees_summary,
}


@dataclass(frozen=True)
class PutAttachment:
    kind: str
    name: str
    data: bytes
    action = "edit"

    def run(self, store, project_id, user, base_version):
        return store._put_attachment(project_id, self.kind, self.name, self.data, base_version=base_version,
                                    user=user)


@dataclass(frozen=True)
class SetMember:
    name: str
    role: str | None
    action = "manage"

    def run(self, store, project_id, user, base_version):
        return Accounts(store).set_member(project_id, self.name, self.role, base_version=base_version, by=user)


def require(store, project_id: str, user: str | None, action: str) -> str | None:
    """``user``'s role on the project, if it allows ``action``: the store's one role check.

    :func:`apply` runs it for every command; readers that hold back project
    data (curation warnings) and the job queue's submissions run it too.

    Raises
    ------
    PermissionDenied
        The role does not allow ``action``.
    """
    role = Accounts(store).role_of(project_id, user)
    if not allows(role, action):
        raise PermissionDenied(user, action, project_id, role)
    return role


def apply(store, project_id: str, user: str | None, command, base_version: int | None):
    """Check ``user``'s role for ``command``, then run it from ``base_version``.

    Returns
    -------
    object
        What the command's ``run`` returns: the project after the change for
        the commands here (None for a review that changed no path); see each
        command of :mod:`.curation` for its own.

    Raises
    ------
    PermissionDenied
        The user's role on the project does not allow the command.
    StaleVersionError
        The project changed since ``base_version``.
    TextTooLongError
        A name, tag, message or other text field of the command is longer
        than :func:`snt_web.limits.max_text` (a :class:`StoreError`).
    StoreError, SNTWebIOError
        The command itself is invalid (unknown path, unreadable file...).
    """
    require(store, project_id, user, command.action)
    for field in fields(command):
        check_text(getattr(command, field.name), field.name)
    return command.run(store, project_id, user, base_version)
