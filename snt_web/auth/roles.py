"""Project roles and what each may do.

Roles are ordered: each can do everything the ones before it can.

========== =====================================================
viewer     look at the project (read-only)
reviewer   tag paths and review warnings; no geometry edits
annotator  trace and edit: reconstruction, image, uploads
owner      all of that, and manage the project's members
========== =====================================================
"""

from __future__ import annotations

ROLES = ("viewer", "reviewer", "annotator", "owner")

#: The least role each action needs.
ACTIONS = {
    "view": "viewer",
    "review": "reviewer",
    "edit": "annotator",
    "manage": "owner",
}


class PermissionDenied(Exception):
    """A user tried an action their role does not allow."""

    def __init__(self, user: str | None, action: str, project_id: str | None = None, role: str | None = None):
        self.user, self.action, self.project_id, self.role = user, action, project_id, role
        who = user or "anonymous"
        as_role = f" as {role}" if role else ""
        where = f" on project {project_id!r}" if project_id else ""
        super().__init__(f"{who}{as_role} may not {action}{where}")


def check_role(role: str) -> str:
    """``role`` if it is a known role, else ValueError naming the known ones."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return role


def allows(role: str | None, action: str) -> bool:
    """Whether ``role`` (None: no access at all) may do ``action``."""
    if role is None:
        return False
    return ROLES.index(role) >= ROLES.index(ACTIONS[action])
