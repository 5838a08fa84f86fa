import numpy as np

from snt_web.imaging.surface import isosurface


def test_sphere_surface_lies_at_its_radius_in_physical_units():
    spacing = (2.0, 0.5, 0.5)  # anisotropic, z coarser
    z, y, x = np.meshgrid(np.arange(40) * 2.0, np.arange(160) * 0.5, np.arange(160) * 0.5, indexing="ij")
    centre = np.array([40.0, 40.0, 40.0])
    vol = ((z - centre[0]) ** 2 + (y - centre[1]) ** 2 + (x - centre[2]) ** 2 < 20.0**2).astype(np.float32)
    verts, faces = isosurface(vol, spacing, level=0.5, max_size=48)
    assert len(faces) > 100 and faces.max() < len(verts)
    r = np.linalg.norm(verts - centre[::-1], axis=1)  # verts are x, y, z
    assert abs(np.median(r) - 20.0) < 1.5


def test_flat_volume_has_no_surface():
    verts, faces = isosurface(np.zeros((4, 8, 8)), (1, 1, 1))
    assert verts.shape == (0, 3) and faces.shape == (0, 3)


def test_default_level_finds_the_demo_neuron_not_the_noise():
    from scipy import ndimage

    from snt_web.synth import make_demo
    from snt_web.synth.render import render_tree

    image, truth = make_demo(seed=2)
    verts, faces = isosurface(image.volume(), image.spacing)
    assert len(faces) > 200
    # Distance (µm) from every voxel to the rendered neuron, sampled at the vertices.
    outside = render_tree(truth, image.shape_zyx, image.spacing) < 0.5
    distance = ndimage.distance_transform_edt(outside, sampling=image.spacing)
    idx = np.rint(verts[:, ::-1] / np.asarray(image.spacing)).astype(int)
    idx = np.clip(idx, 0, np.asarray(image.shape_zyx) - 1)
    near = distance[tuple(idx.T)] < 2.0
    assert near.mean() > 0.8
