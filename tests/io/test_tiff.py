"""TIFF reading and writing: real files from the shared data, synthetic edge cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from snt_web.io.errors import UnsupportedImageError
from snt_web.io.image import Image
from snt_web.io.tiff import read_image, read_image_bytes, write_image

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def shared_file(relative: str) -> Path:
    """A file of the shared real data; skips the test when it is absent."""
    path = DATA / relative
    if not path.is_file():
        pytest.skip(f"shared test data not found: {path}")
    return path


def is_memmap(array: np.ndarray) -> bool:
    return isinstance(array, np.memmap) or isinstance(array.base, np.memmap)


# --- real files ----------------------------------------------------------------


def test_spotspine_stack_is_calibrated_3d():
    image = read_image(shared_file("snt/SpotSpine_ImageStack_Test.tif"))
    assert image.data.shape == (1, 1, 41, 157, 116)
    assert image.dtype == np.uint8
    assert image.spacing == (0.21, 0.06, 0.06)
    assert image.units == "µm"  # written as 'micron'
    assert image.name == "SpotSpine_ImageStack_Test.tif"
    assert is_memmap(image.data)


def test_treev_escaped_micron_unit():
    image = read_image(shared_file("snt/TreeV.tif"))
    assert image.data.shape == (1, 1, 1, 170, 140)
    assert image.spacing == pytest.approx((1.0, 1.0, 1.0))
    assert image.units == "µm"  # written as '\\u00B5m'


def test_ddac_spacing():
    image = read_image(shared_file("snt/ddaC.tif"))
    assert image.shape_zyx == (1, 744, 800)
    assert image.spacing[1:] == (0.835, 0.835)
    assert image.units == "µm"  # written as 'um'


def test_i2k_three_channels():
    image = read_image(shared_file("real/i2k2020/810.tif"))
    assert image.data.shape == (3, 1, 1, 1024, 1280)
    assert image.spacing[1:] == pytest.approx((0.113, 0.113))
    assert image.units == "µm"
    assert image.source_axes == "CYX"
    assert not np.array_equal(image.volume(0), image.volume(1))


def test_plain_multipage_stack_is_z_and_72dpi_is_no_calibration():
    image = read_image(shared_file("real/app2_py/crop1.tif"))
    assert image.shape_zyx == (44, 239, 129)
    assert image.spacing == (1.0, 1.0, 1.0)
    assert image.units == "pixel"


@pytest.mark.parametrize("suffix", ["", ".seg", ".skl"])
def test_snake_synthetic_stacks(suffix):
    image = read_image(
        shared_file(f"real/snake-for-neuron-tracing_SYNTHETIC/single_branch_noise_0{suffix}.tif")
    )
    assert image.data.shape == (1, 1, 65, 65, 65)
    assert image.dtype == np.uint8
    assert image.units == "pixel"


def test_bool_mask_becomes_0_255():
    image = read_image(
        shared_file("real/snake-for-neuron-tracing_SYNTHETIC/single_branch_noise_0.seg.tif")
    )
    assert set(np.unique(image.data).tolist()) == {0, 255}


def test_not_a_tiff_in_the_shared_data():
    path = shared_file("snt/TreeV.swc")
    with pytest.raises(UnsupportedImageError, match="TreeV.swc"):
        read_image(path)


# --- synthetic files -----------------------------------------------------------


def test_imagej_hyperstack_tzcyx(tmp_path):
    rng = np.random.default_rng(0)
    tzcyx = rng.integers(0, 65535, size=(3, 5, 2, 32, 40), dtype=np.uint16)
    path = tmp_path / "hyper.tif"
    tifffile.imwrite(
        path, tzcyx, imagej=True, resolution=(1 / 0.2, 1 / 0.25),
        metadata={"axes": "TZCYX", "spacing": 0.5, "unit": "\\u00B5m"},
    )
    image = read_image(path)
    assert image.data.shape == (2, 3, 5, 32, 40)
    assert image.source_axes == "TZCYX"
    assert image.spacing == pytest.approx((0.5, 0.25, 0.2))
    assert image.units == "µm"
    # channel 1, frame 2, slice 4 is the file's [2, 4, 1]
    np.testing.assert_array_equal(image.data[1, 2, 4], tzcyx[2, 4, 1])
    assert is_memmap(image.data)
    assert not image.data.flags.writeable


def test_ome_tiff_physical_sizes_in_nm(tmp_path):
    tczyx = np.arange(2 * 3 * 4 * 16 * 20, dtype=np.uint16).reshape(2, 3, 4, 16, 20)
    path = tmp_path / "stack.ome.tif"
    tifffile.imwrite(
        path, tczyx,
        metadata={
            "axes": "TCZYX",
            "PhysicalSizeX": 200, "PhysicalSizeXUnit": "nm",
            "PhysicalSizeY": 250, "PhysicalSizeYUnit": "nm",
            "PhysicalSizeZ": 1, "PhysicalSizeZUnit": "µm",
        },
    )
    image = read_image(path)
    assert image.data.shape == (3, 2, 4, 16, 20)
    assert image.spacing == pytest.approx((1.0, 0.25, 0.2))
    assert image.units == "µm"
    np.testing.assert_array_equal(image.data[2, 1], tczyx[1, 2])


def test_float32_stack(tmp_path):
    zyx = np.random.default_rng(1).random((6, 10, 12), dtype=np.float32)
    path = tmp_path / "float.tif"
    tifffile.imwrite(path, zyx, imagej=True, metadata={"axes": "ZYX"})
    image = read_image(path)
    assert image.dtype == np.float32
    np.testing.assert_array_equal(image.volume(), zyx)


def test_resolution_tags_in_cm(tmp_path):
    path = tmp_path / "cm.tif"
    # 40,000 pixels per cm = 0.25 µm per pixel
    tifffile.imwrite(path, np.zeros((8, 9), np.uint8), resolution=(40000, 40000), resolutionunit="CENTIMETER")
    image = read_image(path)
    assert image.spacing == pytest.approx((0.25, 0.25, 0.25))
    assert image.units == "µm"


def test_rgb_samples_are_channels(tmp_path):
    yxs = np.random.default_rng(2).integers(0, 255, size=(10, 12, 3), dtype=np.uint8)
    path = tmp_path / "rgb.tif"
    tifffile.imwrite(path, yxs, photometric="rgb")
    image = read_image(path)
    assert image.data.shape == (3, 1, 1, 10, 12)
    np.testing.assert_array_equal(image.data[2, 0, 0], yxs[..., 2])


def test_compressed_file_is_read_into_memory(tmp_path):
    zyx = np.arange(4 * 8 * 8, dtype=np.uint16).reshape(4, 8, 8)
    path = tmp_path / "zlib.tif"
    tifffile.imwrite(path, zyx, compression="zlib", photometric="minisblack")
    image = read_image(path)
    assert not is_memmap(image.data)
    np.testing.assert_array_equal(image.volume(), zyx)


def test_mmap_false_reads_into_memory(tmp_path):
    path = tmp_path / "plain.tif"
    tifffile.imwrite(path, np.ones((3, 4, 5), np.uint8), photometric="minisblack")
    assert not is_memmap(read_image(path, mmap=False).data)


def test_uncalibrated_file(tmp_path):
    path = tmp_path / "plain.tif"
    tifffile.imwrite(path, np.ones((4, 5), np.uint8))
    image = read_image(path, name="upload")
    assert (image.spacing, image.units, image.name) == ((1.0, 1.0, 1.0), "pixel", "upload")


@pytest.mark.parametrize("axes", ["ZEYX", "IQYX", "HYX"])
def test_uninterpretable_axes_are_rejected(tmp_path, axes):
    shape = {"ZEYX": (2, 3, 4, 5), "IQYX": (2, 3, 4, 5), "HYX": (3, 4, 5)}[axes]
    path = tmp_path / "odd.tif"
    tifffile.imwrite(path, np.zeros(shape, np.uint8), photometric="minisblack", metadata={"axes": axes})
    with tifffile.TiffFile(path) as tif:
        assert tif.series[0].axes == axes  # tifffile's own "shaped" description keeps them
    with pytest.raises(UnsupportedImageError, match=r"odd\.tif.*axes"):
        read_image(path)


def test_singleton_unusual_axes_are_dropped(tmp_path):
    path = tmp_path / "h1.tif"
    tifffile.imwrite(path, np.ones((1, 3, 4, 5), np.uint8), photometric="minisblack", metadata={"axes": "HZYX"})
    assert read_image(path).data.shape == (1, 1, 3, 4, 5)


# --- round trip ------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_write_then_read_round_trip(tmp_path, dtype):
    data = (np.random.default_rng(3).random((2, 3, 4, 10, 12)) * 200).astype(dtype)
    image = Image(data=data, spacing=(0.8, 0.11, 0.12), units="µm", name="x")
    path = tmp_path / "out" / "round.tif"
    write_image(path, image)
    back = read_image(path)
    np.testing.assert_array_equal(back.data, data)
    assert back.dtype == dtype
    assert back.spacing == pytest.approx((0.8, 0.11, 0.12))
    assert back.units == "µm"
    with tifffile.TiffFile(path) as tif:  # as Fiji sees it
        assert tif.is_imagej
        assert tif.imagej_metadata["unit"] == "micron"
        assert tif.imagej_metadata["spacing"] == pytest.approx(0.8)
    assert [p.name for p in path.parent.iterdir()] == ["round.tif"]  # no temp file left


def test_round_trip_uncalibrated_and_bool(tmp_path):
    mask = np.zeros((1, 1, 2, 5, 6), bool)
    mask[0, 0, 1, 2:4, 3] = True
    path = tmp_path / "mask.tif"
    write_image(path, Image(data=mask))
    back = read_image(path)
    assert back.units == "pixel" and back.spacing == (1.0, 1.0, 1.0)
    np.testing.assert_array_equal(back.data, mask * np.uint8(255))


def test_write_replaces_an_existing_file_being_read(tmp_path):
    path = tmp_path / "same.tif"
    write_image(path, Image(data=np.ones((1, 1, 2, 4, 4), np.uint8)))
    mapped = read_image(path)
    write_image(path, Image(data=np.full((1, 1, 2, 4, 4), 7, np.uint8)))
    assert int(mapped.data.max()) == 1  # the old mapping still sees the old file
    assert int(read_image(path).data.max()) == 7


def test_read_image_bytes_matches_read_image(tmp_path):
    path = tmp_path / "hyper.tif"
    data = np.arange(2 * 3 * 6 * 7, dtype=np.uint16).reshape(2, 1, 3, 6, 7)
    write_image(path, Image(data=data, spacing=(2.0, 0.5, 0.5), units="µm"))
    image = read_image_bytes(path.read_bytes(), "upload.tif")
    assert image.name == "upload.tif"
    assert image.spacing == pytest.approx((2.0, 0.5, 0.5))
    np.testing.assert_array_equal(image.data, data)


# --- broken input ----------------------------------------------------------------


def test_text_file(tmp_path):
    path = tmp_path / "notes.tif"
    path.write_text("this is not an image\n")
    with pytest.raises(UnsupportedImageError, match="notes.tif"):
        read_image(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.tif"
    path.write_bytes(b"")
    with pytest.raises(UnsupportedImageError, match="empty.tif.*empty"):
        read_image(path)
    with pytest.raises(UnsupportedImageError, match="up.tif"):
        read_image_bytes(b"", "up.tif")


def test_errors_name_the_given_name(tmp_path):
    path = tmp_path / "upload-1234.tif"
    path.write_bytes(b"II*\x00garbage")
    with pytest.raises(UnsupportedImageError, match="^broken.tif: "):
        read_image(path, name="broken.tif")


def test_missing_file(tmp_path):
    with pytest.raises(UnsupportedImageError, match="absent.tif"):
        read_image(tmp_path / "absent.tif")


@pytest.mark.parametrize("garbage", [b"II*\x00" + bytes(range(256)) * 4, b"MM\x00*\xff\xff\xff\xff", b"\x00" * 64])
def test_corrupt_bytes(tmp_path, garbage):
    path = tmp_path / "corrupt.tif"
    path.write_bytes(garbage)
    with pytest.raises(UnsupportedImageError, match="corrupt.tif"):
        read_image(path)
    with pytest.raises(UnsupportedImageError, match="corrupt-upload.tif"):
        read_image_bytes(garbage, "corrupt-upload.tif")


@pytest.mark.parametrize("imagej", [True, False])
@pytest.mark.parametrize("fraction", [0.02, 0.5, 0.9])
def test_truncated_file(tmp_path, imagej, fraction):
    whole = tmp_path / "whole.tif"
    tifffile.imwrite(whole, np.ones((6, 32, 32), np.uint16), imagej=imagej, photometric="minisblack")
    content = whole.read_bytes()
    path = tmp_path / "truncated.tif"
    path.write_bytes(content[: int(len(content) * fraction)])  # cut inside the pixel data
    with pytest.raises(UnsupportedImageError, match="truncated.tif"):
        read_image(path)
    with pytest.raises(UnsupportedImageError, match="truncated.tif"):
        read_image(path, mmap=False)


def test_lost_trailing_page_headers_keep_complete_pixels(tmp_path):
    zyx = np.arange(6 * 32 * 32, dtype=np.uint16).reshape(6, 32, 32)
    whole = tmp_path / "whole.tif"
    tifffile.imwrite(whole, zyx, photometric="minisblack")
    content = whole.read_bytes()
    path = tmp_path / "cut.tif"
    path.write_bytes(content[: int(len(content) * 0.95)])  # tifffile writes pixels, then headers
    for mmap in (True, False):
        np.testing.assert_array_equal(read_image(path, mmap=mmap).volume(), zyx)


def test_truncated_compressed_file(tmp_path):
    whole = tmp_path / "whole.tif"
    data = np.random.default_rng(4).integers(0, 9, (4, 64, 64), np.uint16)
    tifffile.imwrite(whole, data, compression="zlib", photometric="minisblack")
    path = tmp_path / "cut.tif"
    path.write_bytes(whole.read_bytes()[:-300])
    with pytest.raises(UnsupportedImageError, match="cut.tif"):
        read_image(path)
