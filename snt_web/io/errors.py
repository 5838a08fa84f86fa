"""Exceptions raised by readers and writers.

Each names the file and the problem, so the CLI and the UI can show one clear
sentence (``str(error)``) without a traceback.
"""

from __future__ import annotations


class SNTWebIOError(ValueError):
    """A file could not be read or written.

    Parameters
    ----------
    path : str
        The file (or upload name) concerned.
    reason : str
        What is wrong, in one sentence.
    line : int, optional
        1-based line number, where the problem is on one line.
    """

    def __init__(self, path, reason: str, line: int | None = None):
        self.path = str(path)
        self.reason = reason
        self.line = line
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


class InvalidSWCError(SNTWebIOError):
    """An SWC file is malformed."""


class InvalidTracesError(SNTWebIOError):
    """An SNT ``.traces`` file is malformed or unsafe."""


class UnsupportedImageError(SNTWebIOError):
    """An image file cannot be read or has a layout we do not handle."""


class ImageTooLargeError(UnsupportedImageError):
    """An image declares more voxels than the server decodes (``SNT_WEB_MAX_VOXELS``); nothing was decoded."""


class UnsupportedFormatError(SNTWebIOError):
    """The file extension names no format we know."""
