"""Server-side state: projects, their images and reconstructions, versioned."""

from .projects import (
    ProjectNotFoundError,
    ProjectRecord,
    ProjectStore,
    StaleVersionError,
    StoreError,
)
from .startup import DEMO_PROJECT, open_startup_project

__all__ = ["ProjectStore", "ProjectRecord", "StoreError", "StaleVersionError", "ProjectNotFoundError",
           "open_startup_project", "DEMO_PROJECT"]
