"""Synthetic data on disk: ``image.tif`` (calibrated), its ground truth ``truth.swc`` and soma ``seeds.csv``."""

from __future__ import annotations

from pathlib import Path

from ..io.swc import write_swc
from ..io.tiff import write_image
from ..seeds import write_seeds_csv
from .kinds import DEMO_SHAPE, make_volume

DEFAULT_SHAPE = DEMO_SHAPE


def write_volume(outdir, kind: str = "demo", seed: int = 0, shape_zyx=None) -> dict[str, Path]:
    """Render a volume of ``kind`` (:func:`~snt_web.synth.kinds.make_volume`) and write it to ``outdir``.

    Returns
    -------
    dict of str to Path
        ``image``: ``outdir/image.tif``; ``truth``: ``outdir/truth.swc``
        (physical µm, matching the image's calibration, every cell);
        ``seeds``: ``outdir/seeds.csv``, one soma seed per cell in SNT's
        seeds CSV (physical centre and radius).
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    volume = make_volume(kind, seed, shape_zyx)
    files = {"image": outdir / "image.tif", "truth": outdir / "truth.swc", "seeds": outdir / "seeds.csv"}
    write_image(files["image"], volume.image)
    write_swc(volume.truth, files["truth"])
    write_seeds_csv(volume.seeds(), files["seeds"])
    return files


def write_demo(outdir, seed: int = 0, shape_zyx=DEFAULT_SHAPE) -> tuple[Path, Path]:
    """Render the demo neuron (:func:`~snt_web.synth.make_demo`) and write it to ``outdir`` (:func:`write_volume`).

    Returns
    -------
    image_path, truth_path : Path
        ``outdir/image.tif`` and ``outdir/truth.swc``.
    """
    files = write_volume(outdir, "demo", seed, shape_zyx)
    return files["image"], files["truth"]


def ensure_demo(outdir, seed: int = 0) -> tuple[Path, Path]:
    """The demo files in ``outdir``, rendered once and reused afterwards."""
    outdir = Path(outdir)
    image_path, truth_path = outdir / "image.tif", outdir / "truth.swc"
    if image_path.exists() and truth_path.exists():
        return image_path, truth_path
    return write_demo(outdir, seed)
