"""An image volume with its calibration, held in (c, t, z, y, x) order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(eq=False)
class Image:
    """A calibrated image.

    Parameters
    ----------
    data : ndarray, shape (c, t, z, y, x)
        Pixel data, possibly a read-only memory map. 2D images have z = 1.
    spacing : tuple of float
        Physical voxel size in array order ``(z, y, x)``, in ``units``.
    units : str
        Physical unit of ``spacing``, e.g. ``"µm"``; ``"pixel"`` when the file
        carries no calibration.
    name : str
        File name (or upload name) the image came from.
    source_axes : str
        Axis letters of the file as read (e.g. ``"TZCYX"``), for ``info``.
    """

    data: np.ndarray
    spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)
    units: str = "pixel"
    name: str = ""
    source_axes: str = "CTZYX"

    def __post_init__(self):
        if self.data.ndim != 5:
            raise ValueError(f"image data must be 5D (c, t, z, y, x), got {self.data.shape}")
        self.spacing = tuple(float(s) for s in self.spacing)
        if len(self.spacing) != 3 or not all(np.isfinite(self.spacing)) or min(self.spacing) <= 0:
            raise ValueError(f"spacing must be three positive numbers, got {self.spacing}")

    @property
    def shape_zyx(self) -> tuple[int, int, int]:
        return tuple(int(n) for n in self.data.shape[2:])

    @property
    def n_channels(self) -> int:
        return int(self.data.shape[0])

    @property
    def n_frames(self) -> int:
        return int(self.data.shape[1])

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def volume(self, channel: int = 0, frame: int = 0) -> np.ndarray:
        """The 3D (z, y, x) volume of one channel and frame (0-based)."""
        return self.data[channel, frame]

    def info(self) -> dict:
        """Shape, axes, dtype and calibration, as ``snt-web info`` prints them."""
        c, t, z, y, x = self.data.shape
        return {
            "name": self.name,
            "shape": {"c": c, "t": t, "z": z, "y": y, "x": x},
            "axes": "CTZYX",
            "source_axes": self.source_axes,
            "dtype": str(self.data.dtype),
            "spacing": {"z": self.spacing[0], "y": self.spacing[1], "x": self.spacing[2]},
            "units": self.units,
        }
