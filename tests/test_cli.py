import json
import subprocess
import sys

import pytest

from snt_web.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_info_on_a_reconstruction(capsys, shared_data):
    code, out, _ = run(capsys, "info", str(shared_data / "snt" / "CIL_Dataset_#701.traces"))
    info = json.loads(out)
    assert code == 0
    assert (info["n_paths"], info["n_nodes"], info["n_trees"]) == (83, 5308, 7)
    assert info["units"] == "µm" and info["total_length"] > 0
    assert set(info) >= {"n_branch_points", "n_tips", "bounding_box"}


def test_info_on_an_image(capsys, shared_data):
    code, out, _ = run(capsys, "info", str(shared_data / "snt" / "SpotSpine_ImageStack_Test.tif"))
    info = json.loads(out)
    assert code == 0
    assert info["shape"]["z"] == 41 and info["shape"]["y"] == 157 and info["shape"]["x"] == 116
    assert info["spacing"]["x"] == pytest.approx(0.06) and info["spacing"]["z"] == pytest.approx(0.21)
    assert info["units"] == "µm" and info["dtype"] == "uint8"


def test_demo_data_then_convert_round_trip(capsys, tmp_path):
    code, out, _ = run(capsys, "demo-data", str(tmp_path / "d"), "--seed", "3", "--shape", "16,64,64")
    assert code == 0
    paths = json.loads(out)
    code, out, _ = run(capsys, "info", paths["image"])
    assert json.loads(out)["shape"] == {"c": 1, "t": 1, "z": 16, "y": 64, "x": 64}
    assert run(capsys, "convert", paths["truth"], str(tmp_path / "t.traces"))[0] == 0
    assert run(capsys, "convert", str(tmp_path / "t.traces"), str(tmp_path / "t.swc"))[0] == 0
    a = json.loads(run(capsys, "info", paths["truth"])[1])
    b = json.loads(run(capsys, "info", str(tmp_path / "t.swc"))[1])
    assert a["n_nodes"] == b["n_nodes"] and a["total_length"] == pytest.approx(b["total_length"], rel=1e-5)


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["info", "{tmp}/missing.swc"], "missing.swc: no such file"),
        (["info", "{tmp}/bad.swc"], "bad.swc"),
        (["info", "{tmp}/bad.tif"], "bad.tif"),
        (["convert", "{tmp}/bad.swc", "{tmp}/out.traces"], "bad.swc"),
        (["convert", "{tmp}/good.swc", "{tmp}/out.xyz"], "out.xyz"),
        (["demo-data", "{tmp}/d", "--shape", "4,8,8"], "--shape 4,8,8"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_file(capsys, tmp_path, argv, needle):
    (tmp_path / "bad.swc").write_text("1 3 0 0 zero 1 -1\n")
    (tmp_path / "good.swc").write_text("1 1 0 0 0 1 -1\n2 3 1 0 0 1 1\n")
    (tmp_path / "bad.tif").write_bytes(b"not a tiff at all")
    code, out, err = run(capsys, *[a.format(tmp=tmp_path) for a in argv])
    assert code == 2 and out == ""
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_console_script_reports_without_traceback(tmp_path):
    bad = tmp_path / "broken.traces"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    proc = subprocess.run([sys.executable, "-m", "snt_web", "info", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "broken.traces" in proc.stderr and "Traceback" not in proc.stderr


def test_the_package_docstring_names_every_command_under_the_module_that_runs_it():
    import argparse
    import re

    import snt_web.cli as cli

    def leaves(parser, path):
        """(command path, handler) for every runnable command below ``parser``."""
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            yield path, parser.get_default("func")
        for action in subs:
            for name, sub in action.choices.items():
                yield from leaves(sub, (*path, name))

    # ":mod:`.serve`" followed by its commands, up to the next module's entry.
    entries = dict(re.findall(r":mod:`\.(\w+)`\n(.*?)(?=\n:mod:`|\n\n)", cli.__doc__, re.S))
    found = list(leaves(cli.build_parser(), ()))
    assert len(found) >= 25
    for path, handler in found:
        module = handler.__module__.rsplit(".", 1)[-1]
        assert module in entries, f"{' '.join(path)}: its module {handler.__module__} is not in the docstring"
        listed = entries[module]
        assert f"``{path[0]}" in listed and all(re.search(rf"\b{re.escape(p)}\b", listed) for p in path[1:]), (
            f"snt-web {' '.join(path)} is not listed under :mod:`.{module}`")
