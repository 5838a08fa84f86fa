"""Draw docs/img/autotrace-hard.png: one volume of the corpus's ``hard`` kind and its default autotrace.

Usage: ``.venv/bin/python docs/make_accuracy_figure.py [KIND [SEED]]`` (``hard 101`` by default: the
first volume :mod:`benchmarks.bench_accuracy` scores for the kind). Three maximum-intensity projections
along z, side by side: the image as loaded, the truth it was rendered from (green), the autotrace
from the soma seeds with the panel's defaults (magenta), and the autotrace through the loop (a
classifier trained with the panel's defaults on another volume of the kind, its map traced as the app
does) over the image, each with its node F1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import TRAIN_SEED, neurite_probability, node_score, synthetic_case, train_classifier  # noqa: E402
from snt_web.autotrace import autotrace  # noqa: E402
from snt_web.autotrace.metrics import resampled_nodes  # noqa: E402
from snt_web.imaging.slices import window_to_uint8  # noqa: E402

OUT = Path(__file__).with_name("img") / "autotrace-hard.png"
GREEN, MAGENTA = (60, 220, 90), (255, 70, 230)
#: Screen pixels per lateral voxel: the corpus's volumes are 256 voxels wide.
ZOOM = 2


def _projection(volume: np.ndarray) -> np.ndarray:
    """The maximum along z as 8-bit grey, contrast from the 1st to the 99.9th percentile."""
    mip = volume.max(axis=0)
    return window_to_uint8(mip, *np.percentile(mip, [1, 99.9]))


def _panel(grey: np.ndarray, tree, spacing_xyz, colour, title: str) -> Image.Image:
    """``grey`` enlarged, with ``tree``'s centrelines (resampled every half voxel) drawn in ``colour``."""
    image = Image.fromarray(grey).convert("RGB").resize((grey.shape[1] * ZOOM, grey.shape[0] * ZOOM), Image.NEAREST)
    if tree is not None:
        pixels = np.asarray(image).copy()
        xyz = resampled_nodes(tree, spacing_xyz, step_voxels=0.5)  # voxel units, (x, y, z)
        x = np.clip(np.round(xyz[:, 0] * ZOOM).astype(int), 0, pixels.shape[1] - 1)
        y = np.clip(np.round(xyz[:, 1] * ZOOM).astype(int), 0, pixels.shape[0] - 1)
        pixels[y, x] = colour
        image = Image.fromarray(pixels)
    ImageDraw.Draw(image).text((6, 4), title, fill=(255, 255, 255))
    return image


def main(kind: str = "hard", seed: int = 101) -> Path:
    case = synthetic_case(kind, seed)
    raw = autotrace(case.volume, case.spacing, seeds_xyz=case.seeds_xyz).tree
    probability = neurite_probability(train_classifier(synthetic_case(kind, TRAIN_SEED)), case)
    loop = autotrace(probability, case.spacing, seeds_xyz=case.seeds_xyz, probability_map=True).tree
    scores = {"raw": node_score(raw, case), "loop": node_score(loop, case)}
    grey = _projection(case.volume)
    panels = [_panel(grey, None, case.spacing_xyz, None, f"{case.name}: SNR {case.synthetic.snr:.1f}"),
              _panel(grey, case.truth, case.spacing_xyz, GREEN, "truth"),
              _panel(grey, raw, case.spacing_xyz, MAGENTA, f"autotrace on the image: node F1 {scores['raw']['f1']:.2f}"),
              _panel(grey, loop, case.spacing_xyz, MAGENTA, f"through the loop (map): node F1 {scores['loop']['f1']:.2f}")]
    figure = Image.new("RGB", (sum(p.width for p in panels) + 8 * (len(panels) - 1), panels[0].height), "black")
    left = 0
    for panel in panels:
        figure.paste(panel, (left, 0))
        left += panel.width + 8
    figure.save(OUT)
    for name, score in scores.items():
        print(f"{OUT}: {case.name}, {name}: node F1 {score['f1']:.3f} (precision {score['precision']:.3f}, "
              f"recall {score['recall']:.3f})")
    return OUT


if __name__ == "__main__":
    main(*(sys.argv[1:2] or ["hard"]), *(int(a) for a in sys.argv[2:3]))
