"""Issue #17, point 1: a TIFF that declares more voxels than the server can hold is refused before decoding.

The bomb is 122 bytes: one deflate page of 100000 x 100000 uint8 whose strip
is empty, which tifffile would happily fill with 10 GB of zeros. Each way in
(the CLI, the Files panel, the Maps panel, the Seeds panel's labels, the
API's probability-map push) must refuse it within a second while the
process's memory grows by less than 50 MB at its peak.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from snt_web.cli import main
from snt_web.io.errors import ImageTooLargeError
from snt_web.io.tiff import read_image, read_image_bytes
from snt_web.limits import machine_memory, max_voxels

from .conftest import As, answer, callback_post
from .hostile import MB, cheaply, data_url, declared_tiff, deflate_bomb

BOMB_SIDE = 100_000
MAX_GROWTH = 50 * MB
MAX_SECONDS = 1.0


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = declared_tiff(BOMB_SIDE, BOMB_SIDE)
    assert len(data) == 122
    return data


def _refused_quickly_and_lightly(call):
    return cheaply(call, seconds=MAX_SECONDS, growth=MAX_GROWTH)


def test_the_default_limit_refuses_more_voxels_than_the_machine_has_bytes(tmp_path):
    # Wider than memory whatever the machine: the default must refuse it from its declaration alone.
    rows = machine_memory() // BOMB_SIDE + 1
    assert BOMB_SIDE * rows > max_voxels()
    path = tmp_path / "huge.tif"
    path.write_bytes(declared_tiff(BOMB_SIDE, rows))
    for read in (lambda: read_image(path), lambda: read_image_bytes(path.read_bytes(), "huge.tif")):
        with pytest.raises(ImageTooLargeError, match="SNT_WEB_MAX_VOXELS") as refused:
            _refused_quickly_and_lightly(read)
        assert "huge.tif" in str(refused.value) and f"{rows} x {BOMB_SIDE} uint8" in str(refused.value)


def test_the_limit_is_set_by_the_environment(monkeypatch, tmp_path):
    path = tmp_path / "small.tif"
    path.write_bytes(declared_tiff(100, 100, pages=3))
    monkeypatch.setenv("SNT_WEB_MAX_VOXELS", str(3 * 100 * 100 - 1))
    with pytest.raises(ImageTooLargeError, match="3 x 100 x 100 uint8"):
        read_image(path)
    monkeypatch.setenv("SNT_WEB_MAX_VOXELS", str(3 * 100 * 100))
    image = read_image(path)
    assert image.shape_zyx == (3, 100, 100) and not image.data.any()


def test_a_deflate_bomb_inside_an_allowed_image_inflates_no_further_than_declared():
    # 4 MB declared, 256 MB inside its one strip: inflating the strip whole would take 256 MB.
    data = declared_tiff(2048, 2048, strip=deflate_bomb(256 * MB))
    assert len(data) < 2 * MB
    image = _refused_quickly_and_lightly(lambda: read_image_bytes(data, "dense.tif"))
    assert image.shape_zyx == (1, 2048, 2048) and not image.data.any()


def test_cli_info_and_seeds_exit_2_with_one_line(bomb, tmp_path, capsys):
    path = tmp_path / "bomb.tif"
    path.write_bytes(bomb)
    for argv in (["info", str(path)], ["seeds", "from-labels", str(path), "-o", str(tmp_path / "seeds.csv")],
                 ["labels", str(tmp_path / "truth.swc"), "--like", str(path), "-o", str(tmp_path / "l.tif")]):
        if argv[0] == "labels":
            (tmp_path / "truth.swc").write_text("1 3 1 1 0 1 -1\n")
        code = _refused_quickly_and_lightly(lambda: main(argv))
        err = capsys.readouterr().err
        assert code == 2, argv
        assert err.count("\n") == 1 and "bomb.tif" in err and "SNT_WEB_MAX_VOXELS" in err, err
    assert not (tmp_path / "seeds.csv").exists() and not (tmp_path / "l.tif").exists()


@pytest.mark.parametrize("component, filename, message", [
    ("upload", "bomb.tif", "files-message"),
    ("map-upload", "bomb.tif", "maps-message"),
    ("seeds-upload", "labels.tif", "seeds-message"),
])
def test_page_uploads_are_refused_with_a_message(single_user_app, store, bomb, component, filename, message):
    client = single_user_app.server.test_client()
    before = store.get("demo")
    meta = {"id": "demo", "version": before.version, "shape": list(store.image("demo").shape_zyx),
            "spacing": list(store.image("demo").spacing)}
    body = callback_post(single_user_app, f"{component}.contents", {
        f"{component}.contents": data_url(bomb), f"{component}.filename": filename, "project.data": meta,
        "seeds-units.value": "physical", "seeds-replace.value": []})
    response = _refused_quickly_and_lightly(lambda: client.post("/_dash-update-component", json=body))
    text = answer(response, message)
    assert "SNT_WEB_MAX_VOXELS" in text and "Nothing was changed" in text, text
    assert store.get("demo").version == before.version
    assert store.get("demo").image_revision == before.image_revision
    assert not list((store.projects_dir / "demo").glob("upload-*"))  # no copy of the bomb left behind


def test_api_push_of_a_probability_map_answers_413(login_app, store, tokens, bomb):
    owner = As(login_app.server.test_client(), tokens["owner"])
    version = store.get("demo").version
    response = _refused_quickly_and_lightly(
        lambda: owner.post(f"/projects/demo/probability-map?base_version={version}&name=bomb.tif", data=bomb))
    assert response.status_code == 413 and "SNT_WEB_MAX_VOXELS" in response.json["error"], response.json
    assert store.get("demo").version == version


def test_uncompressed_images_stay_memory_mapped_whatever_the_limit(monkeypatch, tmp_path):
    import tifffile

    path = tmp_path / "plain.tif"
    tifffile.imwrite(path, np.arange(4 * 64 * 64, dtype=np.uint16).reshape(4, 64, 64), photometric="minisblack")
    monkeypatch.setenv("SNT_WEB_MAX_VOXELS", "1000")
    image = read_image(path)  # nothing is decoded: the file is mapped and read as it is used
    assert isinstance(image.data.base, np.memmap) or isinstance(image.data, np.memmap)
    assert int(image.data[0, 0, 3, 63, 63]) == 4 * 64 * 64 - 1


def test_serve_options_and_bad_values_of_the_limits(monkeypatch, tmp_path, capsys):
    from snt_web.cli import build_parser
    from snt_web.cli.serve import _set_limits
    from snt_web.limits import SERVE_OPTIONS

    for variable, *_ in SERVE_OPTIONS.values():
        monkeypatch.setenv(variable, "1")  # restored after the test, whatever the options set
        monkeypatch.delenv(variable)
    _set_limits(build_parser().parse_args(["serve", "--max-voxels", "1000", "--trace-max-seconds", "0.5"]))
    assert max_voxels() == 1000 and os.environ["SNT_WEB_TRACE_MAX_SECONDS"] == "0.5"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--max-voxels", "-5"])
    # A bad value in the environment: one line, exit 2, naming the variable.
    monkeypatch.setenv("SNT_WEB_MAX_VOXELS", "lots")
    path = tmp_path / "small.tif"
    path.write_bytes(declared_tiff(10, 10))
    capsys.readouterr()
    assert main(["info", str(path)]) == 2
    assert capsys.readouterr().err == "snt-web: SNT_WEB_MAX_VOXELS='lots': expected a positive number\n"
