"""Server-side state: projects, reconstructions and history, accounts, in a database.

The public face for changes is :func:`apply` and its commands: every write to a
project (reconstruction, image, undo, restore, attachments, seeds, curation
reviews, members) is a command that ``apply`` runs after checking the user's
role and the length of its text. :class:`ProjectStore`'s own methods only read
(and create projects).
"""

import importlib

from .accounts import LOCAL_USER, Accounts, User
from .projects import ProjectStore
from .records import (
    HistoryEntry,
    ProjectExistsError,
    ProjectNotFoundError,
    ProjectRecord,
    StaleVersionError,
    StoreError,
)
from .startup import DEMO_PROJECT, open_startup_project

#: The door and its commands, by the module that defines them. Imported on
#: first use (PEP 562): the commands pull in the fitting and curation code,
#: seconds of imports that the CLI's commands which only open a store skip.
_COMMANDS = {
    "commands": ("apply", "require", "edit_tree", "SetReconstruction", "SetImageBytes", "SetImagePath", "RenamePath",
                 "SetPathType", "TagPath", "Restore", "Undo", "Redo", "EditTree", "PutAttachment", "SetMember"),
    "seeds": ("AddSeeds", "UpdateSeeds", "DeleteSeeds"),
    "curation": ("AddWarnings", "ReplaceScan", "ClearWarnings", "Decide", "ReviewPaths", "SetCurationSettings",
                 "ScanProject"),
}
_MODULE_OF = {name: module for module, names in _COMMANDS.items() for name in names}


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)


__all__ = [
    "ProjectStore", "ProjectRecord", "HistoryEntry", "StoreError", "StaleVersionError", "ProjectNotFoundError",
    "ProjectExistsError", "Accounts", "User", "LOCAL_USER", "open_startup_project", "DEMO_PROJECT",
    *_MODULE_OF,
]
