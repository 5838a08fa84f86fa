"""Reading and writing images (TIFF) and reconstructions (SWC, SNT ``.traces``)."""

from .errors import (
    InvalidSWCError,
    InvalidTracesError,
    SNTWebIOError,
    UnsupportedFormatError,
    UnsupportedImageError,
)
from .image import Image
from .reconstruction import (
    RECONSTRUCTION_EXTENSIONS,
    convert,
    read_reconstruction,
    read_reconstruction_bytes,
    write_reconstruction,
)
from .swc import read_swc, write_swc
from .tiff import read_image, read_image_bytes, write_image
from .traces import read_traces, write_traces

__all__ = [
    "Image",
    "read_image",
    "read_image_bytes",
    "write_image",
    "read_swc",
    "write_swc",
    "read_traces",
    "write_traces",
    "read_reconstruction",
    "read_reconstruction_bytes",
    "write_reconstruction",
    "convert",
    "RECONSTRUCTION_EXTENSIONS",
    "SNTWebIOError",
    "InvalidSWCError",
    "InvalidTracesError",
    "UnsupportedImageError",
    "UnsupportedFormatError",
]
