"""Command line: ``snt-web serve | info | convert | demo-data``.

Bad input ends with exit code 2 and one line on stderr naming the file and the
problem, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .io.errors import SNTWebIOError
from .io.reconstruction import convert, read_reconstruction
from .io.tiff import read_image

DEFAULT_DATA_DIR = "~/.snt-web"
IMAGE_SUFFIXES = (".tif", ".tiff")


class CLIError(Exception):
    """A problem to report in one line, with exit code 2."""


def _shape(text: str) -> tuple[int, int, int]:
    try:
        shape = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected Z,Y,X integers, got {text!r}") from None
    if len(shape) != 3 or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"expected three positive integers Z,Y,X, got {text!r}")
    return shape


def _existing_file(path: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise CLIError(f"{path}: no such file")
    return p


def cmd_info(args) -> int:
    path = _existing_file(args.file)
    if path.name.lower().endswith(IMAGE_SUFFIXES):
        info = read_image(path).info()
    else:
        info = read_reconstruction(path).summary()
    print(json.dumps(info, indent=2, ensure_ascii=False))
    return 0


def cmd_convert(args) -> int:
    convert(_existing_file(args.input), args.output)
    return 0


def cmd_demo_data(args) -> int:
    from .synth.demo_files import write_demo

    try:
        image_path, truth_path = write_demo(args.outdir, seed=args.seed, shape_zyx=args.shape)
    except ValueError as err:  # a shape too small to hold a neuron
        raise CLIError(f"--shape {','.join(map(str, args.shape))}: {err}") from None
    print(json.dumps({"image": str(image_path), "truth": str(truth_path)}))
    return 0


def cmd_serve(args) -> int:
    from .store import ProjectStore, open_startup_project
    from .web.app import create_app

    if args.image is not None:
        _existing_file(args.image)
    data_dir = Path(args.data_dir).expanduser()
    store = ProjectStore(data_dir)
    project_id = open_startup_project(store, args.image)
    app = create_app(store, project_id)
    print(f"SNT Web: http://{args.host}:{args.port}  (data in {data_dir})", flush=True)
    app.run(host=args.host, port=args.port, debug=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="snt-web", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the app (the demo dataset when no IMAGE is given)")
    serve.add_argument("image", nargs="?", help="a TIFF image to open")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="where projects live (default ~/.snt-web)")
    serve.set_defaults(func=cmd_serve)

    info = sub.add_parser("info", help="print JSON facts about an image or a reconstruction")
    info.add_argument("file")
    info.set_defaults(func=cmd_info)

    conv = sub.add_parser("convert", help="convert SWC <-> .traces by extension")
    conv.add_argument("input")
    conv.add_argument("output")
    conv.set_defaults(func=cmd_convert)

    demo = sub.add_parser("demo-data", help="render the synthetic demo neuron: image.tif + truth.swc")
    demo.add_argument("outdir")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--shape", type=_shape, default=(48, 256, 256), help="Z,Y,X (default 48,256,256)")
    demo.set_defaults(func=cmd_demo_data)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (SNTWebIOError, CLIError) as err:
        print(f"snt-web: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        name = err.filename or getattr(args, "file", None) or ""
        print(f"snt-web: {name}: {err.strerror or err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
