"""The real SNT reconstruction the label tests draw: CIL #701, a 2D tracing with 83 paths."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.io import read_reconstruction


@pytest.fixture(scope="session")
def cil(shared_data):
    """``(tree, shape_zyx, spacing_zyx)``: the tree, in a volume just holding its bounding box."""
    tree = read_reconstruction(shared_data / "snt" / "CIL_Dataset_#701.traces")
    spacing = tuple(reversed(tree.spacing_xyz))
    _, top = tree.bounding_box()
    shape = tuple(int(n) + 1 for n in np.ceil(top[::-1] / np.asarray(spacing)))
    return tree, shape, spacing
