"""Read and write calibrated TIFF images (ImageJ hyperstacks, OME-TIFF, plain TIFF).

Any axis order tifffile reports is mapped to :class:`~snt_web.io.image.Image`'s
``(c, t, z, y, x)`` by views, so an uncompressed file stays memory-mapped.
Calibration is taken, in order of preference, from OME metadata, ImageJ
metadata, or the TIFF resolution tags, and is converted to µm wherever the
unit is a length.

Pixel data that must be decoded into memory (compressed, scattered, or an
upload) are first checked against :func:`snt_web.limits.max_voxels` by the
shape and type the file declares, so a file of a few bytes declaring
100000 x 100000 voxels is refused before anything is allocated; and each
compressed strip or tile is inflated to at most the size it declares, so a
deflate bomb inside a small image cannot grow either.
"""

from __future__ import annotations

import io
import lzma
import re
import zlib
from pathlib import Path as FilePath

import numpy as np
import tifffile
from defusedxml import ElementTree

from ..limits import LimitConfigError, max_image_bytes, max_voxels
from .atomic import atomic_write
from .errors import ImageTooLargeError, UnsupportedImageError
from .image import Image

# Axis letters tifffile uses for "some stack of planes" without saying which:
# 'I' (image sequence, e.g. a plain multi-page TIFF) and 'Q' (other).
_GENERIC_AXES = frozenset("IQ")

# Every spelling of a length unit we have met, mapped to its size in µm.
_UM_PER_UNIT = {
    "µm": 1.0, "μm": 1.0, "um": 1.0, "micron": 1.0, "microns": 1.0, "micrometer": 1.0,
    "nm": 1e-3, "nanometer": 1e-3,
    "å": 1e-4, "a": 1e-4, "angstrom": 1e-4,
    "pm": 1e-6,
    "mm": 1e3, "millimeter": 1e3,
    "cm": 1e4, "centimeter": 1e4,
    "m": 1e6, "meter": 1e6,
    "in": 25400.0, "inch": 25400.0,
}
_NO_UNIT = frozenset({"", "pixel", "pixels", "px"})
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")

# Resolution tags written by image editors and libraries that know nothing of
# the sample: 72 dpi is their default, not a microscope calibration.
_DEFAULT_DPI = 72.0
_UM_PER_RESUNIT = {2: 25400.0, 3: 10000.0}  # TIFF ResolutionUnit: 2 inch, 3 cm
_UNCALIBRATED = ((1.0, 1.0, 1.0), "pixel")

# ImageJ opens 8- and 16-bit unsigned integer and 32-bit float stacks only.
_IMAGEJ_DTYPES = (np.uint8, np.uint16, np.float32)


def read_image(path, *, name: str | None = None, mmap: bool = True) -> Image:
    """Read a TIFF file as a calibrated 5D image.

    Parameters
    ----------
    path : str or os.PathLike
        A TIFF, ImageJ hyperstack or OME-TIFF file. The first series is read.
    name : str, optional
        Name for the image, and for the file in error messages (e.g. the
        original name of an upload stored under another); the file name and
        the full path by default.
    mmap : bool
        Memory-map the pixel data (read-only) when the file stores it
        uncompressed and contiguous; otherwise, and when False, read it into
        memory.

    Returns
    -------
    Image
        Data in ``(c, t, z, y, x)`` order: RGB samples become channels and a
        single unlabelled plane axis (ImageJ 3D stacks, plain multi-page
        files) becomes z. Spacing in µm where the file is calibrated in a
        length unit, else ``(1, 1, 1)`` and units ``"pixel"``.

    Raises
    ------
    UnsupportedImageError
        The file is missing, empty, not a TIFF, truncated or corrupt, or its
        axes cannot be interpreted as channels, time, z, y and x.

    Examples
    --------
    >>> image = read_image("SpotSpine_ImageStack_Test.tif")  # doctest: +SKIP
    >>> image.shape_zyx, image.spacing, image.units  # doctest: +SKIP
    ((41, 157, 116), (0.21, 0.06, 0.06), 'µm')
    """
    path = FilePath(path)
    label = name or path
    return _read(path, label, name or path.name, mmap=mmap, size=_size(path, label))


def _size(path: FilePath, label) -> int:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnsupportedImageError(label, f"cannot be read: {exc.strerror or exc}") from exc
    if size == 0:
        raise UnsupportedImageError(label, "the file is empty")
    return size


def read_image_info(path) -> dict:
    """Shape, axes, dtype and calibration of a TIFF file (as :meth:`Image.info`), without reading its pixels.

    Raises
    ------
    UnsupportedImageError
        As :func:`read_image`.
    """
    path = FilePath(path)
    return _read(path, path, path.name, mmap=True, size=_size(path, path), pixels=False).info()


def read_image_bytes(data: bytes, filename: str) -> Image:
    """Read an uploaded TIFF from memory.

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        The upload's name, used as the image name and in error messages.

    Returns
    -------
    Image
        As :func:`read_image`; the pixel data are an in-memory array.

    Raises
    ------
    UnsupportedImageError
        As :func:`read_image`.
    """
    if not data:
        raise UnsupportedImageError(filename, "the file is empty")
    return _read(io.BytesIO(data), filename, filename, mmap=False, size=len(data))


def write_image(path, image: Image) -> None:
    """Write an image as a calibrated ImageJ hyperstack TIFF, atomically.

    Fiji opens the file with its channels, frames, slices and calibration:
    x and y spacing go into the resolution tags (pixels per unit), z spacing
    and the unit into the ImageJ description.

    Parameters
    ----------
    path : str or os.PathLike
        Destination; replaced only once the new file is complete.
    image : Image
        Image to write. ImageJ holds only 8- and 16-bit unsigned integers and
        32-bit floats: booleans are written as 0/255 uint8 and any other type
        as float32.
    """
    data = _imagej_compatible(image.data)
    sz, sy, sx = image.spacing
    metadata = {"axes": "TZCYX"}
    if image.units != "pixel":
        # ImageJ's own spelling: an ASCII description, understood by every version.
        metadata.update(spacing=sz, unit="micron" if image.units == "µm" else image.units)
    with atomic_write(path, "wb") as fh:
        tifffile.imwrite(
            # tifffile wants a file name; the temporary file object has none.
            tifffile.FileHandle(fh, name=FilePath(path).name),
            data.transpose(1, 2, 0, 3, 4),  # (c, t, z, y, x) -> ImageJ's TZCYX
            imagej=True,
            resolution=(1.0 / sx, 1.0 / sy),
            metadata=metadata,
        )


def _imagej_compatible(data: np.ndarray) -> np.ndarray:
    if data.dtype == bool:
        return data.view(np.uint8) * np.uint8(255)
    if data.dtype.type in _IMAGEJ_DTYPES:
        return data
    return data.astype(np.float32)


def _read(source, label, name: str, *, mmap: bool, size: int, pixels: bool = True) -> Image:
    """Open ``source`` (a path or a binary buffer) with tifffile and convert it.

    ``label`` names the file in errors. Without ``pixels`` the image's data
    is a placeholder of the declared shape and type that holds no memory.
    """
    try:
        with tifffile.TiffFile(source) as tif:
            return _from_tiff(tif, label, name, mmap=mmap, size=size, pixels=pixels)
    except (UnsupportedImageError, LimitConfigError):  # the file's problem, or the server's: said as it is
        raise
    except OSError as exc:
        raise UnsupportedImageError(label, f"cannot be read: {exc.strerror or exc}") from exc
    except Exception as exc:  # tifffile reports malformed input with many exception types
        raise UnsupportedImageError(label, f"not a TIFF file, or a corrupt one ({exc})") from exc


def _from_tiff(tif: tifffile.TiffFile, label, name: str, *, mmap: bool, size: int, pixels: bool) -> Image:
    if not tif.series:
        raise UnsupportedImageError(label, "the TIFF file holds no image")
    series = tif.series[0]
    axes, shape = series.axes, tuple(series.shape)
    _check_imagej_complete(tif, series, label)
    order, squeeze, missing = _axis_plan(axes, shape, label)
    if series.dtype is None or series.dtype.kind == "c":
        raise UnsupportedImageError(label, f"pixel type {series.dtype} is not supported")

    data = _pixels(tif, series, label, mmap=mmap, size=size, decode=pixels)
    if data.dtype == bool:
        # A mask: 0/255 as ImageJ shows binary images.
        data = data.view(np.uint8) * np.uint8(255)
    data = np.squeeze(data, axis=squeeze) if squeeze else data
    data = np.expand_dims(data, axis=missing) if missing else data
    data = data.transpose(order)

    spacing, units = _calibration(tif)
    return Image(data=data, spacing=spacing, units=units, name=name, source_axes=axes)


def _check_imagej_complete(tif: tifffile.TiffFile, series, label) -> None:
    # tifffile quietly falls back to the first page of a truncated ImageJ
    # stack; the header still says how many planes there should be.
    declared = int((tif.imagej_metadata or {}).get("images", 1))
    planes = int(np.prod([n for a, n in zip(series.axes, series.shape) if a not in "YXS"]))
    if tif.is_imagej and declared > max(planes, 1):
        raise UnsupportedImageError(
            label, f"the file is truncated: its ImageJ header declares {declared} images, "
            f"the file holds {planes}"
        )


def _axis_plan(axes: str, shape: tuple, label) -> tuple[tuple, tuple, tuple]:
    """How to turn an array with ``axes`` into (c, t, z, y, x), by views only.

    Returns
    -------
    order : tuple of int
        Transpose order, applied after squeezing and inserting axes.
    squeeze : tuple of int
        Singleton axes of the file's array to drop.
    missing : tuple of int
        Positions at which to insert singleton axes, appended to the end.
    """
    if "Y" not in axes or "X" not in axes:
        raise UnsupportedImageError(label, f"axes {axes!r} have no Y and X image plane")
    squeeze = tuple(i for i, (a, n) in enumerate(zip(axes, shape)) if n == 1 and a not in "YX")
    kept = [a for i, a in enumerate(axes) if i not in squeeze]

    named = {"S": "C"}  # RGB samples are channels
    generic = [a for a in kept if a in _GENERIC_AXES]
    if len(generic) == 1 and "Z" not in kept:
        # ImageJ 3D stacks and plain multi-page files: the planes are slices.
        named[generic[0]] = "Z"
    target = [named.get(a, a) for a in kept]
    if any(a not in "CTZYX" for a in target) or len(set(target)) != len(target):
        raise UnsupportedImageError(
            label, f"cannot interpret axes {axes!r} (shape {shape}) as channel, time, z, y, x"
        )
    absent = [a for a in "CTZYX" if a not in target]
    target += absent
    missing = tuple(range(len(kept), len(target)))
    order = tuple(target.index(a) for a in "CTZYX")
    return order, squeeze, missing


def _pixels(tif: tifffile.TiffFile, series, label, *, mmap: bool, size: int, decode: bool = True) -> np.ndarray:
    """The pixel data: memory-mapped, decoded, or (without ``decode``) a placeholder that holds no memory.

    The checks are the same with and without ``decode``, so ``info`` refuses
    exactly the files that opening would refuse.
    """
    # 1-bit masks are stored bit-packed: their bytes are not the array's.
    offset = series.dataoffset if series.dtype != bool else None
    nbytes = int(np.prod(series.shape)) * series.dtype.itemsize
    if offset is not None and offset + nbytes > size:
        raise UnsupportedImageError(
            label, f"the file is truncated: image data need {offset + nbytes} bytes, "
            f"the file has {size}"
        )
    if mmap and offset is not None and tif.filehandle.is_file:
        dtype = np.dtype(tif.byteorder + series.dtype.char)
        return np.memmap(tif.filehandle.path, dtype=dtype, mode="r", offset=offset,
                         shape=tuple(series.shape))
    _check_declared_size(series, label)
    if not decode:
        # Masks as uint8: the 0/255 conversion of a placeholder must not allocate.
        dtype = np.uint8 if series.dtype == bool else series.dtype
        return np.broadcast_to(np.zeros((), dtype=dtype), tuple(series.shape))
    return series.asarray()


def _check_declared_size(series, label) -> None:
    """Refuse, before decoding, pixel data that would take more than the server's limit.

    A memory-mapped file needs no check: its bytes are on disk and only the
    ones read are paged in. Anything decoded is allocated whole.
    """
    shape = tuple(int(n) for n in series.shape)
    voxels = int(np.prod(shape, dtype=object))
    nbytes = voxels * series.dtype.itemsize
    if voxels > max_voxels() or nbytes > max_image_bytes():
        raise ImageTooLargeError(
            label, f"declares {' x '.join(map(str, shape))} {series.dtype} voxels ({nbytes / 2**20:,.0f} MiB); "
            f"this server decodes at most {max_voxels():,} voxels (SNT_WEB_MAX_VOXELS)"
        )


def _calibration(tif: tifffile.TiffFile) -> tuple[tuple[float, float, float], str]:
    """Spacing (z, y, x) and unit, from OME, ImageJ or resolution-tag metadata."""
    if tif.is_ome and tif.ome_metadata:
        found = _ome_calibration(tif.ome_metadata)
        if found is not None:
            return found
    if tif.is_imagej and tif.imagej_metadata is not None:
        return _imagej_calibration(tif.imagej_metadata, tif.pages.first)
    return _resolution_calibration(tif.pages.first)


def _ome_calibration(xml: str):
    pixels = next(
        (el for el in ElementTree.fromstring(xml).iter() if el.tag.rsplit("}", 1)[-1] == "Pixels"),
        None,
    )
    if pixels is None or pixels.get("PhysicalSizeX") is None:
        return None
    sizes = {}
    for axis in "XYZ":
        value = pixels.get(f"PhysicalSize{axis}")
        if value is not None:
            # The OME schema's default unit is µm.
            sizes[axis] = _in_um(float(value), pixels.get(f"PhysicalSize{axis}Unit", "µm"))
    if any(s is None for s in sizes.values()):
        return None
    sx = sizes["X"]
    # Without a z size (2D or undocumented stacks) voxels are taken as cubes.
    return (sizes.get("Z", sx), sizes.get("Y", sx), sx), "µm"


def _imagej_calibration(meta: dict, page) -> tuple[tuple[float, float, float], str]:
    unit = _normalise_unit(str(meta.get("unit", "")))
    if unit is None:
        return _UNCALIBRATED
    # ImageJ stores x and y as pixels per unit with ResolutionUnit NONE, and z
    # as 'spacing' in the description; a missing value means 1, as in Fiji.
    sx = _pixel_size(page, "XResolution") or 1.0
    sy = _pixel_size(page, "YResolution") or sx
    sz = float(meta.get("spacing", 1.0))
    factor = _UM_PER_UNIT.get(unit)
    if factor is None:
        return (sz, sy, sx), unit
    return (sz * factor, sy * factor, sx * factor), "µm"


def _resolution_calibration(page) -> tuple[tuple[float, float, float], str]:
    tag = page.tags.get("ResolutionUnit")
    um_per_unit = _UM_PER_RESUNIT.get(int(tag.value) if tag is not None else 2)
    x_per_unit = _rational(page, "XResolution")
    if um_per_unit is None or x_per_unit is None:
        return _UNCALIBRATED
    if um_per_unit == _UM_PER_RESUNIT[2] and x_per_unit[0] == _DEFAULT_DPI * x_per_unit[1]:
        return _UNCALIBRATED
    sx = _pixel_size(page, "XResolution")
    sy = _pixel_size(page, "YResolution") or sx
    # Resolution tags do not record z; voxels are taken as cubes.
    return (sx * um_per_unit, sy * um_per_unit, sx * um_per_unit), "µm"


def _rational(page, tag_name: str) -> tuple[int, int] | None:
    """A resolution tag (pixels per unit) as ``(numerator, denominator)``."""
    tag = page.tags.get(tag_name)
    if tag is None:
        return None
    numerator, denominator = tag.value if isinstance(tag.value, tuple) else (tag.value, 1)
    return (numerator, denominator) if numerator > 0 and denominator > 0 else None


def _pixel_size(page, tag_name: str) -> float | None:
    """Pixel size in the file's unit: the shortest decimal the tag stands for.

    Writers store ``1 / size`` as a rational, rounded or truncated to its
    denominator (ImageJ: 10**6), so 0.06 comes back as 0.0600000024; the
    shortest decimal that would have been stored as the same rational is the
    size that was meant.
    """
    rational = _rational(page, tag_name)
    if rational is None:
        return None
    numerator, denominator = rational
    exact = denominator / numerator
    for digits in range(1, 16):
        size = float(f"{exact:.{digits}g}")
        if numerator - 0.5 <= denominator / size < numerator + 1:
            return size
    return exact


def _normalise_unit(unit: str) -> str | None:
    """Canonical unit name: ``'µm'`` for any spelling of micron, None for no unit."""
    unit = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), unit).strip()
    if unit.lower() in _NO_UNIT:
        return None
    key = unit if unit in _UM_PER_UNIT else unit.lower()
    if _UM_PER_UNIT.get(key) == 1.0:
        return "µm"
    return key if key in _UM_PER_UNIT else unit


def _in_um(value: float, unit: str) -> float | None:
    factor = _UM_PER_UNIT.get(_normalise_unit(unit) or "")
    return None if factor is None else value * factor


# --- bounded decompression -------------------------------------------------------------------
# tifffile inflates each strip or tile whole (zlib.decompress without imagecodecs), whatever size the
# file declares for it: a small strip may hold a deflate stream of gigabytes. These decoders stop at
# the size tifffile asks for (``out``, the segment's bytes), or at the server's image limit.


def _limit(out) -> int:
    return out if isinstance(out, int) and out > 0 else max_image_bytes()


def _inflate(data, out=None) -> bytes:
    try:
        return zlib.decompressobj().decompress(bytes(data), _limit(out))
    except zlib.error as exc:
        raise ValueError(f"corrupt deflate data ({exc})") from None


def _unxz(data, out=None) -> bytes:
    try:
        return lzma.LZMADecompressor().decompress(bytes(data), _limit(out))
    except lzma.LZMAError as exc:
        raise ValueError(f"corrupt LZMA data ({exc})") from None


def _unpackbits(data, out=None) -> bytes:
    """PackBits (TIFF compression 32773), stopping at the segment's size."""
    data, limit = bytes(data), _limit(out)
    result = bytearray()
    i = 0
    while i < len(data) and len(result) < limit:
        n = data[i]
        i += 1
        if n < 128:  # a literal run of n + 1 bytes
            result += data[i:i + n + 1]
            i += n + 1
        elif n > 128:  # the next byte, 257 - n times
            result += data[i:i + 1] * (257 - n)
            i += 1
    return bytes(result[:limit])


_BOUNDED_DECODERS = {8: _inflate, 32946: _inflate, 50013: _inflate, 34925: _unxz, 32773: _unpackbits}
# tifffile keeps its decoders in a per-process table it fills on first use; entries put there first win.
tifffile.TIFF.DECOMPRESSORS._codecs.update(_BOUNDED_DECODERS)
