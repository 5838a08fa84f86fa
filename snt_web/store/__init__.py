"""Server-side state: projects, reconstructions and history, accounts, in a database."""

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

__all__ = [
    "ProjectStore", "ProjectRecord", "HistoryEntry", "StoreError", "StaleVersionError", "ProjectNotFoundError",
    "ProjectExistsError", "Accounts", "User", "LOCAL_USER", "open_startup_project", "DEMO_PROJECT",
]
