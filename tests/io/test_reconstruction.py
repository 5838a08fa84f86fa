"""Format dispatch, uploads and conversion; no raw parser exception may escape."""

import gzip
import random

import numpy as np
import pytest

from snt_web.io.errors import InvalidSWCError, InvalidTracesError, SNTWebIOError, UnsupportedFormatError
from snt_web.io.reconstruction import (
    RECONSTRUCTION_EXTENSIONS,
    convert,
    read_reconstruction,
    read_reconstruction_bytes,
    reconstruction_format,
    write_reconstruction,
)
from snt_web.io.swc import read_swc, swc_table
from snt_web.io.traces import read_traces

SWC_TEXT = b"1 1 0 0 0 1 -1\n2 3 0 1 0 1 1\n3 3 0 2 0 1 2\n"


def test_extensions():
    assert RECONSTRUCTION_EXTENSIONS == {".swc": "swc", ".traces": "traces"}
    assert reconstruction_format("a/B.SWC") == "swc"
    assert reconstruction_format("cell.traces") == "traces"
    with pytest.raises(UnsupportedFormatError, match="unknown reconstruction format"):
        reconstruction_format("cell.obj")


@pytest.mark.parametrize(
    "head, expected",
    [
        (b"\x1f\x8b\x08\x00", "traces"),
        (b'\xef\xbb\xbf  <?xml version="1.0"?>', "traces"),
        (b"<tracings>", "traces"),
        (b"# comment\n1 1 0 0 0 1 -1", "swc"),
    ],
)
def test_content_sniffing_for_unknown_extensions(head, expected):
    assert reconstruction_format("upload.bin", head) == expected


def test_reads_both_formats_by_name_and_by_content(shared_data, tmp_path):
    cil = shared_data / "snt" / "CIL_Dataset_#701.traces"
    assert len(read_reconstruction(cil)) == 83
    (tmp_path / "cil.dat").write_bytes(cil.read_bytes())
    assert len(read_reconstruction(tmp_path / "cil.dat")) == 83
    (tmp_path / "cell").write_bytes(SWC_TEXT)
    assert read_reconstruction(tmp_path / "cell").n_nodes == 3


def test_upload_bytes(shared_data):
    data = (shared_data / "real" / "nat" / "fitted.traces").read_bytes()
    tree = read_reconstruction_bytes(data, "fitted.traces")
    assert tree.path(1).fitted_of == 0
    assert read_reconstruction_bytes(SWC_TEXT, "cell.swc").n_nodes == 3
    warnings = []
    read_reconstruction_bytes(SWC_TEXT + b"4 3 0 3 0 1 99\n", "cell.swc", warnings=warnings)
    assert "cell.swc, line 4" in warnings[0]


@pytest.mark.parametrize(
    "data, filename, error",
    [
        (b"\xff\xfe\x00garbage\x00\x80", "x.swc", InvalidSWCError),
        (b"\xff\xfe\x00garbage\x00\x80", "x.traces", InvalidTracesError),
        (b"\x1f\x8b\x08\x00\x00", "x.dat", InvalidTracesError),
        (b"<tracings><path", "x", InvalidTracesError),
        (b"", "empty.swc", InvalidSWCError),
        (b"", "empty.traces", InvalidTracesError),
    ],
)
def test_upload_errors_name_the_file(data, filename, error):
    with pytest.raises(error) as info:
        read_reconstruction_bytes(data, filename)
    assert str(info.value).startswith(filename)


def test_random_corruption_only_raises_io_errors(shared_data):
    """Flip, cut and splice bytes of real files: every failure must be an SNTWebIOError."""
    rng = random.Random(7)
    sources = {
        "cell.swc": (shared_data / "real" / "neurom" / "simple.swc").read_bytes(),
        "cell.traces": gzip.decompress((shared_data / "real" / "nat" / "fitted.traces").read_bytes()),
        "cell.traces.gz.traces": (shared_data / "real" / "nat" / "SinglePath.traces").read_bytes(),
    }
    for filename, original in sources.items():
        for _ in range(150):
            data = bytearray(original)
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(data))
                noise = bytes(rng.randrange(256) for _ in range(rng.randint(0, 8)))
                data[i:i + rng.randint(1, 8)] = noise
            try:
                read_reconstruction_bytes(bytes(data), filename)
            except SNTWebIOError as error:
                assert str(error).startswith(filename)


def test_write_by_extension(tmp_path):
    tree = read_reconstruction_bytes(SWC_TEXT, "cell.swc")
    write_reconstruction(tree, tmp_path / "a.swc")
    write_reconstruction(tree, tmp_path / "a.traces", image_shape_zyx=(1, 10, 10))
    assert (tmp_path / "a.swc").read_text().startswith("# Exported from snt-web")
    assert (tmp_path / "a.traces").read_bytes()[:2] == b"\x1f\x8b"
    with pytest.raises(UnsupportedFormatError):
        write_reconstruction(tree, tmp_path / "a.obj")
    assert not (tmp_path / "a.obj").exists()


def test_convert_swc_to_traces_and_back(shared_data, tmp_path):
    name = "sm090918b1-3_idA_-_Scale_x1.000_y1.025_z1.000_commata_in_swc.swc"
    source = shared_data / "real" / "morphopy" / name
    tree = convert(source, tmp_path / "cell.traces")
    assert read_traces(tmp_path / "cell.traces").n_nodes == 25058
    convert(tmp_path / "cell.traces", tmp_path / "cell.swc")
    back = read_swc(tmp_path / "cell.swc")
    np.testing.assert_allclose(swc_table(back), swc_table(tree), atol=5e-7)
    assert len(back.roots()) == 6


def _cable_length(table: np.ndarray) -> float:
    """Summed length of every node-to-parent segment of an SWC table."""
    row_of = {int(i): k for k, i in enumerate(table[:, 0])}
    linked = table[table[:, 6] > 0]
    parents = table[[row_of[int(i)] for i in linked[:, 6]], 2:5]
    return float(np.linalg.norm(linked[:, 2:5] - parents, axis=1).sum())


def test_convert_traces_to_swc_keeps_topology(shared_data, tmp_path):
    tree = convert(shared_data / "snt" / "CIL_Dataset_#701.traces", tmp_path / "cil.swc")
    back = read_swc(tmp_path / "cil.swc")
    assert back.n_nodes == tree.n_nodes == 5308
    assert len(back.roots()) == 7
    # SNT 4 repeated the fork node at the start of each child path, so the
    # segments joining paths have zero length and the cable equals the paths' length.
    assert _cable_length(swc_table(back)) == pytest.approx(tree.total_length, rel=1e-6)
