"""The autotracer on a real confocal crop (rivuletpy/app2_py ``crop1.tif``), which has no gold standard.

What can be asserted without one: the tree stays on the neuron (the largest
foreground component) and covers that component's skeleton.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree
from skimage.morphology import skeletonize

from snt_web.autotrace import AutotraceSettings, autotrace, resampled_nodes
from snt_web.autotrace.tracer import traced_image
from snt_web.io.tiff import read_image


def test_the_tree_follows_the_neuron_of_a_real_stack(shared_data):
    image = read_image(shared_data / "real" / "app2_py" / "crop1.tif")
    volume = image.volume()
    result = autotrace(volume, image.spacing)
    assert len(result.tree.roots()) == 1 and len(result.tree.paths) > 10
    traced, threshold, _, _ = traced_image(volume, image.spacing, AutotraceSettings(), probability_map=False)
    assert threshold == result.threshold  # of the image traced: smoothed, background subtracted
    labels, _ = ndimage.label(traced > threshold, structure=np.ones((3, 3, 3)))
    sizes = np.bincount(labels.reshape(-1))
    sizes[0] = 0
    neuron = labels == int(np.argmax(sizes))
    nodes = resampled_nodes(result.tree, image.spacing[::-1])  # voxel units, x, y, z
    on_neuron = neuron[tuple(np.rint(nodes[:, ::-1]).astype(int).T)]
    assert on_neuron.mean() >= 0.9
    skeleton = np.argwhere(skeletonize(neuron))[:, ::-1]
    covered = cKDTree(nodes).query(skeleton)[0] <= 3
    assert covered.mean() >= 0.9
