"""What every command family shares: the one-line error, argument types, and checks of what arguments name.

An argument that argparse can check alone (a number, a list of scales) has a
type here, and argparse answers a bad one with its usage and exit code 2. An
argument that names something (a file, a channel of an image, a data
directory) is checked when the command runs, by the helpers here that raise
:class:`CLIError`: :func:`snt_web.cli.main` prints it as one line and exits 2.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

DEFAULT_DATA_DIR = "~/.snt-web"


class CLIError(Exception):
    """A problem to report in one line, with exit code 2."""


# --- checks of what arguments name ------------------------------------------------------------------
def existing_file(path: str) -> Path:
    """``path`` as a Path, or CLIError if it names no file."""
    p = Path(path)
    if not p.is_file():
        raise CLIError(f"{path}: no such file")
    return p


def open_store(args):
    """The project store in ``args.data_dir`` (or the database ``SNT_WEB_DATABASE_URL`` names)."""
    from ..store import ProjectStore

    return ProjectStore(Path(args.data_dir).expanduser(), os.environ.get("SNT_WEB_DATABASE_URL") or None)


def channel_volume(image, path, channel: int, frame: int) -> np.ndarray:
    """The 1-based ``channel`` and ``frame`` of ``image`` (read from ``path``), (z, y, x)."""
    if not (1 <= channel <= image.n_channels and 1 <= frame <= image.n_frames):
        raise CLIError(f"{path}: no channel {channel}, frame {frame} (it has {image.n_channels} channel(s), "
                       f"{image.n_frames} frame(s))")
    return image.volume(channel - 1, frame - 1)


# --- argument types -----------------------------------------------------------------------------------
def at_least(minimum: int):
    """An argparse type: an integer no smaller than ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected at least {minimum}, got {value}")
        return value

    return parse


def positive_number(kind):
    """An argparse type: a positive ``kind`` (int or float)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    return parse


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def finite(text: str) -> float:
    """An argparse type: a finite number."""
    value = _number(text)
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text}")
    return value


def positive(text: str) -> float:
    """An argparse type: a finite number above zero."""
    value = finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def non_negative(text: str) -> float:
    """An argparse type: a finite number, zero or more."""
    value = finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected zero or more, got {text}")
    return value


def unit_interval(text: str) -> float:
    """An argparse type: a number in [0, 1]."""
    value = _number(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {value}")
    return value


def zyx_shape(text: str) -> tuple[int, int, int]:
    """An argparse type: a volume's shape as ``Z,Y,X`` positive integers."""
    return _three(text, int, "Z,Y,X", "integers", positive=True)


def xyz_point(text: str) -> tuple[float, float, float]:
    """An argparse type: a point as ``X,Y,Z`` numbers (their units are another option's)."""
    return _three(text, float, "X,Y,Z", "numbers")


def _three(text: str, kind, axes: str, what: str, positive: bool = False) -> tuple:
    """Three comma-separated ``kind`` values named ``axes``; ``positive``: each at least 1."""
    try:
        values = tuple(kind(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {axes} {what}, got {text!r}") from None
    if len(values) != 3 or (positive and min(values) < 1):
        raise argparse.ArgumentTypeError(f"expected three {'positive ' if positive else ''}{what} {axes}, "
                                         f"got {text!r}")
    return values


def physical_scales(text: str) -> tuple[float, ...] | None:
    """An argparse type: filter or feature scales in physical units, e.g. ``0.6,1.2``."""
    from ..tracing.layers import parse_scales

    try:
        return parse_scales(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def class_weights(text: str):
    """An argparse type: a classifier's class weights (``balanced``, ``none`` or ``CLASS=W,...``)."""
    from ..classify import parse_class_weights

    try:
        return parse_class_weights(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
