"""Voxel sets of label images: which voxels lie inside a volume, and painting the unlabelled ones.

Physical positions become voxels by :func:`snt_web.model.physical_to_voxel`
(SNT's convention, halves rounded up), so a node exactly between two voxels
always goes the same way whatever the parity of its index.
"""

from __future__ import annotations

import numpy as np


def inside(voxels: np.ndarray, shape) -> np.ndarray:
    """Boolean mask of the rows of ``voxels`` (n, ndim) that index into ``shape``."""
    return np.all((voxels >= 0) & (voxels < np.asarray(shape)), axis=1)


def paint_unlabelled(labels: np.ndarray, voxels: np.ndarray, label: int) -> None:
    """Give ``label`` to those of ``voxels`` (n, ndim) not labelled yet, in place."""
    free = voxels[labels[tuple(voxels.T)] == 0]
    labels[tuple(free.T)] = label
