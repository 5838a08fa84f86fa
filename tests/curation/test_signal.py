"""Image checks on a rendered demo stack: traced neurites stand out, a path through background does not."""

from __future__ import annotations

import numpy as np

from snt_web.curation import CurationSettings, Severity, full_scan
from snt_web.curation.scan import SIGNAL, SIGNAL_DIPS, TIP_SIGNAL
from snt_web.curation.signal import contrast, signal_dips
from snt_web.io.reconstruction import read_reconstruction
from snt_web.io.tiff import read_image
from snt_web.model import Path, Tree


def _background_path(tree: Tree, image, length: int = 6) -> Path:
    """A straight path along x, ``length`` µm, placed where it is farthest from every traced node (> 3 µm)."""
    nodes = np.concatenate([p.points for p in tree.paths])
    (nz, ny, nx), (sz, sy, sx) = image.shape_zyx, image.spacing
    best, best_clearance = None, 0.0
    for z in np.arange(2, nz - 2) * sz:
        for y in np.arange(2, ny * sy - 2, 1.0):
            for x0 in np.arange(2, nx * sx - length - 2, 1.0):
                pts = np.c_[np.arange(x0, x0 + length, 1.0), np.full(length, y), np.full(length, z)]
                clearance = np.min(np.linalg.norm(nodes[:, None] - pts[None], axis=2))
                if clearance > best_clearance:
                    best, best_clearance = pts, clearance
    assert best_clearance > 3, "no empty background in the demo stack"
    return Path(tree.next_id(), best, radii=np.full(length, 0.5))


def test_signal_quality_flags_only_the_path_through_background(demo_files):
    image_path, truth_path = demo_files
    image, truth = read_image(image_path), read_reconstruction(truth_path)
    stray = _background_path(truth, image)
    tree = Tree(truth.paths + [stray], spacing_xyz=truth.spacing_xyz)
    result = full_scan(tree, image=image)
    flagged = [w for w in result.warnings if w.check == SIGNAL]
    assert [(w.paths, w.severity) for w in flagged] == [((stray.id,), Severity.WARNING)]
    threshold = flagged[0].threshold
    truth_contrasts = sorted(result.measurements[SIGNAL]["values"])[1:]  # all but the stray path
    assert min(truth_contrasts) > threshold > flagged[0].value
    # Its tip fades too (it is terminal): an advisory note.
    assert any(w.check == TIP_SIGNAL and w.paths == (stray.id,) and w.severity is Severity.INFO
               for w in result.warnings)
    # Without an image the image checks are skipped.
    assert not [w for w in full_scan(tree).warnings if w.check in (SIGNAL, TIP_SIGNAL)]
    # A preset threshold replaces the automatic one.
    strict = full_scan(tree, CurationSettings(signal_min_contrast=1e6, tip_signal_enabled=False), image=image)
    assert len([w for w in strict.warnings if w.check == SIGNAL]) == len([p for p in tree.paths if len(p) >= 2])


def test_contrast_and_dips():
    values = np.r_[np.full(50, 10.0), np.full(50, 100.0)]
    assert contrast(values) == (100 + 1) / (10 + 1)
    profile = np.r_[np.full(10, 100.0), 40.0, np.full(10, 100.0), 90.0, np.full(5, 100.0)]
    found, prominence = signal_dips(profile, 0.3)
    assert found.tolist() == [10] and prominence[0] == 0.6


def test_signal_dips_check_when_enabled(demo_files):
    image_path, truth_path = demo_files
    image, truth = read_image(image_path), read_reconstruction(truth_path)
    longest = max(truth.paths, key=len)
    # Bridge two stretches of a real path with a detour through the background: the signal dips there.
    stray = _background_path(truth, image).points
    detour = np.r_[longest.points[:10], stray, longest.points[10:20]]
    tree = Tree([Path(0, detour)], spacing_xyz=truth.spacing_xyz)
    result = full_scan(tree, CurationSettings(signal_dips_enabled=True), image=image)
    dips = [w for w in result.warnings if w.check == SIGNAL_DIPS]
    assert dips and all(10 <= int(w.message.split("node ")[1].split(" ")[0]) < 10 + len(stray) for w in dips)
