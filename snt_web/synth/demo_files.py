"""The demo dataset on disk: ``image.tif`` (calibrated) and its ground truth ``truth.swc``."""

from __future__ import annotations

from pathlib import Path

from ..io.swc import write_swc
from ..io.tiff import write_image
from . import make_demo

DEFAULT_SHAPE = (48, 256, 256)


def write_demo(outdir, seed: int = 0, shape_zyx=DEFAULT_SHAPE) -> tuple[Path, Path]:
    """Render the demo neuron and write it to ``outdir``.

    Returns
    -------
    image_path, truth_path : Path
        ``outdir/image.tif`` and ``outdir/truth.swc`` (physical µm, matching
        the image's calibration).
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    image, truth = make_demo(seed=seed, shape_zyx=tuple(shape_zyx))
    image_path, truth_path = outdir / "image.tif", outdir / "truth.swc"
    write_image(image_path, image)
    write_swc(truth, truth_path)
    return image_path, truth_path


def ensure_demo(outdir, seed: int = 0) -> tuple[Path, Path]:
    """The demo files in ``outdir``, rendered once and reused afterwards."""
    outdir = Path(outdir)
    image_path, truth_path = outdir / "image.tif", outdir / "truth.swc"
    if image_path.exists() and truth_path.exists():
        return image_path, truth_path
    return write_demo(outdir, seed)
