"""One entry point for reconstruction files, whatever their format.

The format comes from the extension (``.swc``, ``.traces``); for any other
name the content decides: gzip data or XML is a ``.traces`` file, anything
else is tried as SWC. Whatever goes wrong while parsing surfaces as an
:class:`~snt_web.io.errors.SNTWebIOError` subclass naming the file, so the
CLI and the upload panel can show ``str(error)`` as is. (Operating-system
errors such as a missing file are left as :class:`OSError`.)
"""

from __future__ import annotations

import os
from pathlib import PurePath
from xml.etree.ElementTree import ParseError

from ..model.tree import Tree
from .errors import InvalidSWCError, InvalidTracesError, SNTWebIOError, UnsupportedFormatError
from .swc import format_swc, read_swc, write_swc
from .traces import GZIP_MAGIC, read_traces, traces_bytes, write_traces

#: Extensions read and written, lowercase, with their format names.
RECONSTRUCTION_EXTENSIONS = {".swc": "swc", ".traces": "traces"}

_ERRORS = {"swc": InvalidSWCError, "traces": InvalidTracesError}


def reconstruction_format(filename, data: bytes | None = None) -> str:
    """``"swc"`` or ``"traces"``: by extension, else by sniffing ``data``.

    Parameters
    ----------
    filename : str or os.PathLike
    data : bytes, optional
        The file's first bytes (a few hundred are enough).

    Raises
    ------
    UnsupportedFormatError
        The extension is unknown and no ``data`` was given.
    """
    fmt = RECONSTRUCTION_EXTENSIONS.get(PurePath(filename).suffix.lower())
    if fmt is not None:
        return fmt
    if data is None:
        known = ", ".join(RECONSTRUCTION_EXTENSIONS)
        raise UnsupportedFormatError(filename, f"unknown reconstruction format (expected {known})")
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(GZIP_MAGIC) or head.startswith((b"<?xml", b"<tracings", b"<!DOCTYPE")):
        return "traces"
    return "swc"


def read_reconstruction(path, *, name=None, warnings=None) -> Tree:
    """Read an SWC or ``.traces`` file.

    Parameters
    ----------
    path : str or os.PathLike
    name : str, optional
        Name used in messages; defaults to ``path``.
    warnings : list, optional
        Notes about problems that were worked around are appended to it.

    Returns
    -------
    Tree

    Raises
    ------
    SNTWebIOError
        :class:`InvalidSWCError` or :class:`InvalidTracesError` naming the file.
    """
    label = name or os.fspath(path)
    with open(path, "rb") as fh:
        head = fh.read(512)
    return _read(reconstruction_format(path, head), path, label, warnings)


def read_reconstruction_bytes(data: bytes, filename: str, *, warnings=None) -> Tree:
    """Read an uploaded reconstruction from its bytes; ``filename`` picks the format.

    See :func:`read_reconstruction`.
    """
    return _read(reconstruction_format(filename, data), bytes(data), filename, warnings)


def _read(fmt: str, source, label: str, warnings) -> Tree:
    reader = read_traces if fmt == "traces" else read_swc
    try:
        return reader(source, name=label, warnings=warnings)
    except SNTWebIOError:
        raise
    except (ValueError, KeyError, IndexError, ParseError) as error:
        # A safety net: the readers raise their own errors for every problem they know of.
        raise _ERRORS[fmt](label, f"could not be read ({error})") from error


def write_reconstruction(tree: Tree, path, *, image_shape_zyx=None) -> None:
    """Write ``tree`` in the format named by ``path``'s extension, atomically.

    ``image_shape_zyx`` is recorded in ``.traces`` files and ignored for SWC.

    Raises
    ------
    UnsupportedFormatError
        The extension is neither ``.swc`` nor ``.traces``.
    """
    if reconstruction_format(path) == "traces":
        write_traces(tree, path, image_shape_zyx=image_shape_zyx)
    else:
        write_swc(tree, path)


def reconstruction_bytes(tree: Tree, fmt: str, *, compresslevel: int | None = 6) -> bytes:
    """The file content :func:`write_reconstruction` would write, for downloads.

    Parameters
    ----------
    fmt : {'swc', 'traces'}
    compresslevel : int or None
        gzip level of a ``.traces`` file; None for plain XML. Ignored for SWC.
    """
    if fmt == "traces":
        return traces_bytes(tree, compresslevel=compresslevel)
    if fmt == "swc":
        return format_swc(tree).encode("utf-8")
    raise ValueError(f"format must be 'swc' or 'traces', got {fmt!r}")


def convert(in_path, out_path, *, warnings=None) -> Tree:
    """Read ``in_path`` and write it to ``out_path``, formats from their names.

    Returns
    -------
    Tree
        The reconstruction as read.
    """
    tree = read_reconstruction(in_path, warnings=warnings)
    write_reconstruction(tree, out_path)
    return tree
