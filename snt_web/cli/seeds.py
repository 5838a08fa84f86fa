"""``snt-web seeds``: seeds (soma centres, tips) for autotracing, as SNT's seeds CSV, in files and in projects."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..io.tiff import read_image
from .arguments import DEFAULT_DATA_DIR, CLIError, at_least, channel_volume, existing_file, open_store, unit_interval


def _seeds_read(args, image=None, no_image: str = "--like IMAGE"):
    """Read ``args.input`` as a seeds CSV in ``args.units``, calibrated by ``image`` when given.

    ``no_image`` says, in the error for ``--units voxel`` without an image, where the voxel size would come from.
    """
    from ..seeds import read_seeds_csv

    if args.units == "voxel" and image is None:
        raise CLIError(f"{args.input}: --units voxel needs the image's voxel size ({no_image})")
    spacing = (1.0, 1.0, 1.0) if image is None else tuple(image.spacing[::-1])
    shape = None if image is None else image.shape_zyx
    return read_seeds_csv(existing_file(args.input), units=args.units, spacing_xyz=spacing, shape_zyx=shape)


def _seeds_facts(read) -> dict:
    return {"n_seeds": len(read.seeds), "skipped": read.skipped,
            "problems": [{"line": line, "reason": why} for line, why in read.problems],
            "clamped": read.clamped, "out_of_bounds": read.out_of_bounds}


def cmd_seeds_from_labels(args) -> int:
    from ..seeds import seeds_from_label_image, write_seeds_csv

    image = read_image(existing_file(args.labels))
    volume = channel_volume(image, args.labels, args.channel, args.frame)
    try:
        seeds = seeds_from_label_image(volume, image.spacing,
                                       name=image.name, binary=args.binary, min_confidence=args.min_confidence,
                                       channel=args.channel, frame=args.frame, seed_type=args.type)
    except ValueError as err:  # not integer labels
        raise CLIError(f"{args.labels}: {err}") from None
    write_seeds_csv(seeds, args.output)
    print(json.dumps({**seeds.summary(), "units": image.units, "output": str(args.output)}, ensure_ascii=False))
    return 0


def cmd_seeds_convert(args) -> int:
    from ..seeds import write_seeds_csv

    read = _seeds_read(args, read_image(existing_file(args.like)) if args.like else None)
    write_seeds_csv(read.seeds, args.output)
    print(json.dumps({**_seeds_facts(read), "output": str(args.output)}, ensure_ascii=False))
    return 0


def cmd_seeds_import(args) -> int:
    from ..auth.roles import PermissionDenied
    from ..store import StoreError
    from ..store.seeds import add_seeds

    store = open_store(args)
    try:
        read = _seeds_read(args, store.image(args.project), f"project {args.project!r} has no image")
        record = add_seeds(store, args.project, args.user, read.seeds, replace=args.replace,
                           origin=Path(args.input).name)
    except (StoreError, PermissionDenied) as err:
        raise CLIError(str(err)) from None
    print(json.dumps({**_seeds_facts(read), "project": args.project, "version": record.version}, ensure_ascii=False))
    return 0


def cmd_seeds_export(args) -> int:
    from ..seeds import write_seeds_csv
    from ..store import StoreError
    from ..store.seeds import load_seeds

    try:
        seeds = load_seeds(open_store(args), args.project)
    except StoreError as err:
        raise CLIError(str(err)) from None
    write_seeds_csv(seeds, args.output)
    print(json.dumps({**seeds.summary(), "output": str(args.output)}, ensure_ascii=False))
    return 0


def add_commands(sub) -> None:
    """``seeds from-labels | convert | import | export`` on the subparsers ``sub``."""
    from ..store.accounts import LOCAL_USER

    seeds = sub.add_parser("seeds", help="seeds (soma centres, tips) for autotracing: SNT's seeds CSV")
    commands = seeds.add_subparsers(dest="seeds_command", required=True)
    labels = commands.add_parser("from-labels", help="one seed per label of a labels image (cellpose, StarDist)")
    labels.add_argument("labels", metavar="LABELS.tif", help="a labels image, or a binary mask")
    labels.add_argument("-o", "--output", required=True, metavar="SEEDS.csv")
    labels.add_argument("--min-confidence", type=unit_interval, default=0.1,
                        help="confidence of the smallest label (default 0.1); the largest gets 1.0")
    labels.add_argument("--type", default="soma", help="the seeds' type (default soma)")
    labels.add_argument("--binary", choices=("components", "single"), default="components",
                        help="a binary mask: one seed per 26-connected component (default) or one in all")
    labels.add_argument("--channel", type=at_least(1), default=1, help="1-based channel (default 1)")
    labels.add_argument("--frame", type=at_least(1), default=1, help="1-based time frame (default 1)")
    labels.set_defaults(func=cmd_seeds_from_labels)

    units = argparse.ArgumentParser(add_help=False)
    units.add_argument("--units", choices=("physical", "voxel"), default="physical",
                       help="x, y, z and radius of the CSV: physical (default) or voxel indices")
    convert = commands.add_parser("convert", parents=[units],
                                  help="check a seeds CSV and write it as SNT does (physical units)")
    convert.add_argument("input", metavar="SEEDS.csv")
    convert.add_argument("-o", "--output", required=True, metavar="OUT.csv")
    convert.add_argument("--like", metavar="IMAGE", help="the image: voxel size for --units voxel, bounds")
    convert.set_defaults(func=cmd_seeds_convert)

    project = argparse.ArgumentParser(add_help=False)
    project.add_argument("--project", required=True, help="project id")
    project.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="where projects live (default ~/.snt-web)")
    load = commands.add_parser("import", parents=[units, project], help="add a seeds CSV to a project")
    load.add_argument("input", metavar="SEEDS.csv")
    load.add_argument("--replace", action="store_true", help="replace the project's seeds (default: add)")
    load.add_argument("--user", default=LOCAL_USER, help="who makes the change (default: the local owner)")
    load.set_defaults(func=cmd_seeds_import)
    export = commands.add_parser("export", parents=[project], help="write a project's seeds as a CSV")
    export.add_argument("-o", "--output", required=True, metavar="SEEDS.csv")
    export.set_defaults(func=cmd_seeds_export)
