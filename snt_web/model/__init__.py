"""Data model: paths and trees in physical units (x, y, z order)."""

from .path import SWC_TYPES, Path
from .tree import Tree

__all__ = ["Path", "Tree", "SWC_TYPES"]
