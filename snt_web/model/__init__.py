"""Data model: paths and trees in physical units (x, y, z order)."""

from .coords import physical_to_voxel, voxel_to_physical
from .path import SWC_TYPES, Path, arc_lengths
from .tree import Tree

__all__ = ["Path", "Tree", "SWC_TYPES", "arc_lengths", "physical_to_voxel", "voxel_to_physical"]
