"""SWC reading and writing, checked against real files and hand-made edge cases."""

import re
import time
from collections import Counter

import numpy as np
import pytest

from snt_web.io.errors import InvalidSWCError
from snt_web.io.swc import format_swc, parse_swc_text, read_swc, swc_table, write_swc
from snt_web.model.path import Path
from snt_web.model.tree import Tree

# Files in the shared data that are broken on purpose, and what is wrong with them.
KNOWN_BAD = {
    "empty_file.swc": ("no nodes", None),
    "sample_no_root.swc": ("no root", 3),
    "repeated_id.swc": ("repeated", 6),
}

COMMA_FILE = "real/morphopy/sm090918b1-3_idA_-_Scale_x1.000_y1.025_z1.000_commata_in_swc.swc"


def _data_lines(path) -> list[list[str]]:
    """Node lines counted independently of the reader: non-blank, not comments."""
    rows = []
    for line in path.read_text(encoding="latin-1").splitlines():
        line = line.split("#")[0].strip()
        if line:
            rows.append(line.split())
    return rows


def _edges(tree: Tree) -> Counter:
    """Multiset of (node, parent node) positions, rounded: the tree's shape, whatever the ids."""
    table = swc_table(tree)
    row_of = {int(i): k for k, i in enumerate(table[:, 0])}
    edges = Counter()
    for row in table:
        parent = tuple(np.round(table[row_of[int(row[6])], 2:5], 4)) if row[6] > 0 else "root"
        edges[tuple(np.round(row[1:6], 4)), parent] += 1
    return edges


# --- every real file -------------------------------------------------------------
def test_every_swc_file_parses_or_fails_clearly(swc_file):
    bad = KNOWN_BAD.get(swc_file.name)
    if bad is None:
        tree = read_swc(swc_file)
        assert tree.n_nodes == len(_data_lines(swc_file))
        assert len(swc_table(tree)) == tree.n_nodes
        return
    words, line = bad
    with pytest.raises(InvalidSWCError) as info:
        read_swc(swc_file)
    assert words in info.value.reason
    assert info.value.line == line
    assert str(swc_file) in str(info.value)


def _sources_table(shared_data) -> dict:
    text = (shared_data / "real" / "SOURCES.md").read_text(encoding="utf-8")
    found = re.findall(r"^\| (\S+\.swc) \| \d+ \| nodes=(\d+)(?: roots=(\d+))?", text, re.MULTILINE)
    return {name: (int(nodes), None if roots == "" else int(roots)) for name, nodes, roots in found}


def test_node_and_root_counts_match_sources_md(shared_data):
    table = _sources_table(shared_data)
    assert len(table) > 40
    # SOURCES.md is wrong about these roots, as checked by hand:
    # the comma file uses decimal commas and has 6 nodes with parent -1 (203 came
    # from splitting at the commas); in Neuron_missing_ids two nodes name the
    # commented-out node 7 as parent, so they become trees of their own.
    corrected_roots = {COMMA_FILE.split("/", 1)[1]: 6, "neurom/Neuron_missing_ids.swc": 3}
    checked = 0
    for name, (nodes, roots) in table.items():
        if name.rsplit("/", 1)[-1] in KNOWN_BAD:
            continue
        # The snt/ section lists files from both real/snt/ and the top-level snt/ folder.
        path = shared_data / "real" / name
        tree = read_swc(path if path.exists() else shared_data / name)
        assert tree.n_nodes == nodes, name
        assert len(tree.roots()) == corrected_roots.get(name, roots), name
        checked += 1
    assert checked >= 40


@pytest.mark.parametrize(
    "name",
    [
        "real/btmorph_v2/041018-zA.CNG.swc",
        "real/neurom/sample_disordered.swc",
        "real/neurom/Neuron_disconnected_components.swc",
        "real/app2_py/crop1.tif_x109_y200_z12_app2.swc",
        "snt/21dpi_contra_infra_01.swc",
    ],
)
def test_reader_keeps_every_parent_link(shared_data, name):
    rows = np.array(_data_lines(shared_data / name), dtype=float)[:, :7]
    by_id = {int(r[0]): r for r in rows}
    expected = Counter(
        (tuple(np.round(r[1:6], 4)), tuple(np.round(by_id[int(r[6])][2:5], 4)) if r[6] >= 0 else "root")
        for r in rows
    )
    assert _edges(read_swc(shared_data / name)) == expected


def test_treev_has_532_nodes_not_538(shared_data):
    path = shared_data / "snt" / "TreeV.swc"
    assert len(_data_lines(path)) == 532  # the README's 538 is wrong
    tree = read_swc(path)
    assert tree.n_nodes == 532
    assert {p.swc_type for p in tree.paths} == {0}
    assert tree.units == "µm" and tree.spacing_xyz == (1.0, 1.0, 1.0)


def test_large_pyramidal_cell(shared_data):
    tree = read_swc(shared_data / "real" / "btmorph_v2" / "CTh5080306F.CNG.swc")
    assert tree.n_nodes == 14681
    assert len(tree.roots()) == 1
    assert {p.swc_type for p in tree.paths} == {1, 2, 3, 4}
    lo, hi = tree.bounding_box()
    np.testing.assert_allclose(lo, [-421.4, -254.7, -215.5], atol=0.05)
    np.testing.assert_allclose(hi, [243.8, 570.5, 74.9], atol=0.05)


def test_decimal_comma_file(shared_data):
    start = time.perf_counter()
    tree = read_swc(shared_data / COMMA_FILE)
    elapsed = time.perf_counter() - start
    assert tree.n_nodes == 25058
    assert len(tree.roots()) == 6
    soma = tree.paths[0]
    assert soma.swc_type == 1
    np.testing.assert_allclose(soma.radii[0], 20.149)
    second = tree.roots()[1]
    np.testing.assert_allclose(second.points[0], [-3.048, -11.592, -2.512])
    assert elapsed < 2.0  # about 0.1 s on a laptop; the bound only catches a quadratic slip


def test_windows_line_endings_and_trailing_spaces(shared_data):
    tree = read_swc(shared_data / "real" / "morphio" / "simple-windows-eol.swc")
    assert tree.n_nodes == 9
    np.testing.assert_allclose(tree.paths[-1].radii[-1], 2.0)  # the 60-digit radius
    tree = read_swc(shared_data / "real" / "morphio" / "simple-trailing-space.swc")
    assert tree.n_nodes == 3 and len(tree) == 1


def test_disordered_file_matches_the_same_nodes_sorted(shared_data):
    path = shared_data / "real" / "neurom" / "sample_disordered.swc"
    disordered = read_swc(path)
    rows = sorted(_data_lines(path), key=lambda row: int(row[0]))
    ordered = parse_swc_text("\n".join(" ".join(row) for row in rows))
    assert disordered.n_nodes == 53
    assert _edges(disordered) == _edges(ordered)
    table = swc_table(disordered)
    assert np.all(table[1:, 6] < table[1:, 0])  # written parents always come first


def test_custom_types_are_kept(shared_data, tmp_path):
    path = shared_data / "real" / "app2_py" / "crop1.tif_x109_y200_z12_app2.swc"
    tree = read_swc(path)
    originals = {p.extra.get("swc_type_original") for p in tree.paths}
    assert 274 in originals
    assert all(p.swc_type == 0 for p in tree.paths if "swc_type_original" in p.extra)
    write_swc(tree, tmp_path / "out.swc")
    types_in = Counter(int(float(r[1])) for r in _data_lines(path))
    types_out = Counter(int(r[1]) for r in _data_lines(tmp_path / "out.swc"))
    assert types_in == types_out


# --- structure rules -------------------------------------------------------------
SIMPLE = """\
# id type x y z r parent
1 1 0 0 0 1 -1
2 3 0 1 0 1 1
3 3 0 5 0 1 2
4 3 -5 5 0 0.5 3
5 3 6 5 0 0.5 3
6 2 0 -1 0 1 1
7 2 0 -4 0 1 6
8 2 6 -4 0 nan 7
9 2 -5 -4 0 0.5 7
"""


def test_paths_follow_first_same_type_child():
    tree = parse_swc_text(SIMPLE)
    assert [len(p) for p in tree.paths] == [1, 3, 3, 1, 1]
    soma, dendrite, axon = tree.paths[0], tree.paths[1], tree.paths[2]
    assert (soma.swc_type, dendrite.swc_type, axon.swc_type) == (1, 3, 2)
    assert dendrite.parent_id == soma.id and dendrite.branch_index == 0
    np.testing.assert_array_equal(dendrite.points[0], [0, 1, 0])  # fork node not duplicated
    side = tree.paths[3]
    np.testing.assert_array_equal(side.points[0], [6, 5, 0])
    assert side.parent_id == dendrite.id and side.branch_index == 1
    assert tree.paths[4].parent_id == tree.paths[2].id
    assert tree.paths[2].radii[-1] == 0.0  # NaN radius reads as 0


def test_order_of_lines_does_not_matter():
    lines = SIMPLE.splitlines()
    shuffled = "\n".join([lines[0]] + lines[1:][::-1])
    assert _edges(parse_swc_text(shuffled)) == _edges(parse_swc_text(SIMPLE))


def test_comma_separated_fields():
    text = "1,1,0.5,0,0,2,-1\n2, 3, 1.5, 0, 0, 1, 1\n"
    tree = parse_swc_text(text)
    points = np.concatenate([p.points for p in tree.paths])
    np.testing.assert_allclose(points, [[0.5, 0, 0], [1.5, 0, 0]])


def test_inline_comments_and_extra_columns():
    tree = parse_swc_text("1 1 0 0 0 1 -1 extra columns # comment\n2 1 1 0 0 1 1#c\n")
    assert tree.n_nodes == 2 and len(tree) == 1


def test_voxel_coordinates_are_scaled():
    tree = parse_swc_text("1 3 10 20 3 2 -1\n2 3 11 20 3 2 1\n", voxel_spacing_xyz=(0.5, 0.25, 2.0))
    np.testing.assert_allclose(tree.paths[0].points[0], [5.0, 5.0, 6.0])
    np.testing.assert_allclose(tree.paths[0].radii, [0.5, 0.5])
    assert tree.spacing_xyz == (0.5, 0.25, 2.0)


def test_dangling_parent_becomes_a_root_with_a_warning():
    warnings = []
    tree = parse_swc_text("1 1 0 0 0 1 -1\n2 3 1 0 0 1 1\n3 3 5 5 5 1 42\n", "f.swc", warnings=warnings)
    assert len(tree.roots()) == 2
    assert warnings == [
        "f.swc, line 3: parent id 42 of node 3 does not exist; the node starts a new tree"
    ]


# --- errors --------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, line, words",
    [
        ("1 1 0 0 0 1 -1\n2 3 0 abc 0 1 1\n", 2, "field 'y' is not a number: 'abc'"),
        ("# header\n1 1 0 0 0 1\n", 2, "expected 7 fields"),
        ("1 1 0 0 0 1 -1\n2.5 3 0 0 0 1 1\n", 2, "field 'id' must be an integer"),
        ("1 1 0 0 0 1 -1\n2 3 inf 0 0 1 1\n", 2, "coordinates must be finite"),
        ("1 1 0 0 0 1 2\n2 3 0 0 0 1 1\n", 1, "no root"),
        ("1 1 0 0 0 1 -1\n2 3 0 0 0 1 3\n3 3 0 0 0 1 2\n", 2, "cycle"),
        ("# nothing\n\n", None, "no nodes"),
    ],
)
def test_errors_name_file_and_line(text, line, words):
    with pytest.raises(InvalidSWCError) as info:
        parse_swc_text(text, "bad.swc")
    assert info.value.line == line
    assert words in str(info.value)
    assert str(info.value).startswith("bad.swc")


def test_latin1_file_reads(tmp_path):
    path = tmp_path / "old.swc"
    path.write_bytes("# All positions and radii in µm\n1 1 0 0 0 1 -1\n".encode("latin-1"))
    assert read_swc(path).units == "µm"


# --- writing ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "real/btmorph_v2/CTh5080306F.CNG.swc",
        "real/neurom/sample_disordered.swc",
        "real/neurom/Neuron_disconnected_components.swc",
        "real/morphio/simple-all-types.swc",
        "snt/TreeV.swc",
        COMMA_FILE,
    ],
)
def test_swc_round_trip(shared_data, tmp_path, name):
    first = read_swc(shared_data / name)
    write_swc(first, tmp_path / "out.swc")
    second = read_swc(tmp_path / "out.swc")
    assert second.n_nodes == first.n_nodes
    assert len(second.roots()) == len(first.roots())
    np.testing.assert_allclose(second.total_length, first.total_length, rtol=1e-6)
    before, after = swc_table(first), swc_table(second)
    np.testing.assert_array_equal(after[:, [0, 1, 6]], before[:, [0, 1, 6]])  # ids, types, parents
    np.testing.assert_allclose(after[:, 2:6], before[:, 2:6], atol=5e-7)  # written with %.6f


def test_written_header_and_lines(tmp_path):
    tree = parse_swc_text(SIMPLE)
    tree.spacing_xyz, tree.units = (0.5, 0.5, 2.0), "nm"
    write_swc(tree, tmp_path / "t.swc", comment="line one\nline two")
    text = (tmp_path / "t.swc").read_text(encoding="utf-8")
    assert text.startswith("# Exported from snt-web")
    assert "# All positions and radii in nm\n" in text
    assert "# Voxel separation (x,y,z): 0.5, 0.5, 2.0\n" in text
    assert "# line one\n# line two\n" in text
    assert "\n1 1 0.000000 0.000000 0.000000 1.000000 -1\n" in text
    again = read_swc(tmp_path / "t.swc")
    assert again.spacing_xyz == (0.5, 0.5, 2.0) and again.units == "nm"


def test_fitted_versions_replace_their_originals():
    main = Path(0, [[0, 0, 0], [1, 0, 0], [2, 0, 0]], swc_type=3, fitted_id=1, use_fitted=True)
    fitted = Path(1, [[0, 0.1, 0], [1, 0.1, 0], [2, 0.1, 0]], radii=[1, 2, 3], fitted_of=0)
    child = Path(2, [[1, 1, 0], [1, 2, 0]], swc_type=3, parent_id=0, branch_index=1)
    table = swc_table(Tree([main, fitted, child]))
    assert len(table) == 5  # the fitted copy is not written twice
    np.testing.assert_allclose(table[:3, 3], 0.1)
    np.testing.assert_allclose(table[:3, 5], [1, 2, 3])
    np.testing.assert_allclose(table[3], [4, 3, 1, 1, 0, 0, 2])  # child hangs from node 2
    assert table[4, 6] == 4


def test_unknown_branch_index_uses_nearest_node_and_missing_radii_are_zero():
    main = Path(0, [[0, 0, 0], [5, 0, 0], [10, 0, 0]])
    child = Path(1, [[9, 1, 0], [9, 5, 0]], parent_id=0)
    orphan = Path(2, [[50, 0, 0]], parent_id=99)
    table = swc_table(Tree([main, child, orphan]))
    assert table[3, 6] == 3
    assert np.all(table[:, 5] == 0)
    assert list(table[:, 6]).count(-1) == 2  # the orphan starts its own tree


def test_empty_tree_writes_header_only():
    assert all(line.startswith("#") for line in format_swc(Tree()).splitlines())
