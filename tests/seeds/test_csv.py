"""Seeds CSV: SNT's columns and rules, bad rows reported by line, what we write SNT reads."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.io import read_reconstruction
from snt_web.labels import write_points_csv
from snt_web.seeds import InvalidSeedsError, Seeds, edited, read_seeds_csv, seeds_csv_text, write_seeds_csv

SNT_EXAMPLE = "x,y,z,confidence,radius,channel,frame,type,source\n" \
              "12.500000,40.250000,3.000000,0.930000,2.100000,1,1,soma,dl-detected\n"


def test_snts_example_reads_and_writes_back_byte_for_byte():
    read = read_seeds_csv(SNT_EXAMPLE, name="seeds.csv")
    rec = read.seeds.to_records()[0]
    assert (rec["x"], rec["y"], rec["z"], rec["confidence"], rec["radius"]) == (12.5, 40.25, 3.0, 0.93, 2.1)
    assert (rec["channel"], rec["frame"], rec["type"], rec["source"]) == (1, 1, "soma", "dl-detected")
    assert seeds_csv_text(read.seeds) == SNT_EXAMPLE


def test_headers_are_case_insensitive_in_any_order_and_ints_tolerate_decimals():
    text = " Radius ,Z,CONFIDENCE,y,x,Frame,channel\n1,3,0.5,2,1,2.0,1.0\n"
    seeds = read_seeds_csv(text, name="odd.csv").seeds
    np.testing.assert_array_equal(seeds.xyz, [[1, 2, 3]])
    assert (seeds.radius[0], seeds.channel[0], seeds.frame[0]) == (1.0, 1, 2)


def test_bad_rows_are_skipped_with_line_numbers_and_counted():
    text = ("x,y,z,confidence,radius,type\n"
            "1,2,3,0.5,1,soma\n"
            "nan,2,3,0.5,1,soma\n"  # line 3: non-finite
            "1,2\n"  # line 4: short
            "1,two,3,0.5,1,tip\n"  # line 5: not a number
            "\n"
            "4,5,6,1.7,-2,\"tip, maybe\"\n")  # clamped, quoted
    read = read_seeds_csv(text, name="bad.csv")
    assert len(read.seeds) == 2 and read.skipped == 3 and read.clamped == 1
    assert [line for line, _ in read.problems] == [3, 4, 5]
    assert "y 'two' is not a number" in read.problems[2][1]
    assert read.seeds.type.tolist() == ["soma", "tip, maybe"]
    assert (read.seeds.confidence[1], read.seeds.radius[1]) == (1.0, 0.0)
    assert "3 rows skipped (line 3" in read.report() and "1 confidences or radii clamped" in read.report()


def test_a_channel_or_frame_that_is_not_a_whole_number_skips_the_row():
    text = "x,y,z,confidence,radius,channel,frame\n1,2,3,1,0,1.5,1\n1,2,3,1,0,1,inf\n1,2,3,1,0,2.0,3\n"
    read = read_seeds_csv(text, name="ct.csv")
    assert read.problems == [(2, "channel '1.5' is not a whole number"), (3, "frame 'inf' is not a whole number")]
    assert (read.seeds.channel.tolist(), read.seeds.frame.tolist()) == ([2], [3])


@pytest.mark.parametrize("text, problem", [
    ("", "empty file"),
    ("x,y,z,radius\n1,2,3,4\n", "missing column(s) confidence"),
    ("x,y,z,confidence,radius,X\n1,2,3,1,0,9\n", "column(s) x appear more than once"),
    (b"\xff\xfe\x00x", "not a text"),
])
def test_unreadable_files_raise_naming_the_file(text, problem):
    with pytest.raises(InvalidSeedsError, match="upload.csv") as err:
        read_seeds_csv(text, name="upload.csv")
    assert problem in str(err.value)


def test_voxel_units_are_scaled_and_out_of_bounds_seeds_counted():
    text = "x,y,z,confidence,radius\n10,20,3,1,2\n200,0,0,1,0\n"
    read = read_seeds_csv(text, name="v.csv", units="voxel", spacing_xyz=(0.5, 0.25, 2.0), shape_zyx=(10, 100, 100))
    np.testing.assert_allclose(read.seeds.xyz[0], [5.0, 5.0, 6.0])
    assert read.seeds.radius[0] == pytest.approx(0.5)  # radius x min(sx, sy)
    assert read.out_of_bounds == 1


def test_writer_adds_optional_columns_only_when_used_and_round_trips(tmp_path):
    plain = Seeds.from_columns([[1, 2, 3]], confidence=[0.25])
    assert seeds_csv_text(plain).splitlines()[0] == "x,y,z,confidence,radius"
    marked = edited(Seeds.from_columns(np.arange(9.0).reshape(3, 3), source=["a", "b,c", 'say "hi"'],
                                       frame=[-1, 2, -1]), [2], {"mark": "accept"})
    path = tmp_path / "out.csv"
    assert write_seeds_csv(marked, path) == 3
    assert path.read_text().splitlines()[0] == "x,y,z,confidence,radius,channel,frame,source,mark"
    back = read_seeds_csv(path).seeds
    for column in ("xyz", "confidence", "radius", "channel", "frame", "type", "source", "mark"):
        np.testing.assert_array_equal(getattr(back, column), getattr(marked, column), err_msg=column)


def test_the_landmarks_csv_of_a_real_reconstruction_reads_as_seeds(shared_data, tmp_path):
    tree = read_reconstruction(shared_data / "snt" / "CIL_Dataset_#701.traces")
    path = tmp_path / "points.csv"
    n = write_points_csv(tree, path, name="cil")
    read = read_seeds_csv(path)
    assert len(read.seeds) == n and read.skipped == 0
    assert set(read.seeds.type) == {"tip", "branch-point", "root"}
    roots = read.seeds.xyz[read.seeds.type == "root"]
    np.testing.assert_allclose(roots, np.array([p.points[0] for p in tree.roots()]), atol=1e-6)
