"""``snt-web info | convert | demo-data``: facts about a file, SWC <-> .traces, a synthetic stack with its truth."""

from __future__ import annotations

import json

from ..io.reconstruction import convert, read_reconstruction
from ..io.tiff import read_image_info
from .arguments import CLIError, existing_file, zyx_shape

IMAGE_SUFFIXES = (".tif", ".tiff")


def cmd_info(args) -> int:
    path = existing_file(args.file)
    if path.name.lower().endswith(IMAGE_SUFFIXES):
        info = read_image_info(path)
    else:
        warnings = []  # what the reader worked around (a parent id naming no node), line by line
        info = read_reconstruction(path, warnings=warnings).summary()
        if warnings:
            info["warnings"] = warnings
    print(json.dumps(info, indent=2, ensure_ascii=False))
    return 0


def cmd_convert(args) -> int:
    convert(existing_file(args.input), args.output)
    return 0


def cmd_demo_data(args) -> int:
    from ..synth.demo_files import write_volume

    try:
        files = write_volume(args.outdir, kind=args.kind, seed=args.seed, shape_zyx=args.shape)
    except ValueError as err:  # a shape too small to hold a neuron
        raise CLIError(f"--shape {','.join(map(str, args.shape or ()))}: {err}") from None
    print(json.dumps({name: str(path) for name, path in files.items()}))
    return 0


def add_commands(sub) -> None:
    """``info``, ``convert`` and ``demo-data`` on the subparsers ``sub``."""
    from ..synth.kinds import KINDS

    info = sub.add_parser("info", help="print JSON facts about an image or a reconstruction")
    info.add_argument("file")
    info.set_defaults(func=cmd_info)

    conv = sub.add_parser("convert", help="convert SWC <-> .traces by extension")
    conv.add_argument("input")
    conv.add_argument("output")
    conv.set_defaults(func=cmd_convert)

    demo = sub.add_parser("demo-data", help="render a synthetic stack: image.tif + truth.swc + seeds.csv")
    demo.add_argument("outdir")
    demo.add_argument("--kind", choices=tuple(KINDS), default="demo",
                      help="kind of data (default demo, the served demo's neuron); see snt_web.synth.kinds")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--shape", type=zyx_shape, help="Z,Y,X (default the kind's: 48,256,256, anisotropic adapts Z)")
    demo.set_defaults(func=cmd_demo_data)
