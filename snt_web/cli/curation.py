"""``snt-web check | crossovers | curation-export | calibrate``: the Curation Assistant on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from ..io.reconstruction import read_reconstruction
from ..io.tiff import read_image
from .arguments import DEFAULT_DATA_DIR, CLIError, at_least, existing_file, open_store, positive


def _curation_settings(args):
    from ..curation import CurationSettings, read_preset

    return read_preset(existing_file(args.preset))[0] if args.preset else CurationSettings()


def cmd_check(args) -> int:
    from ..curation import full_scan, write_warnings_csv
    from ..curation.warnings import severity_counts

    tree = read_reconstruction(existing_file(args.recon))
    image = read_image(existing_file(args.image)) if args.image else None
    result = full_scan(tree, _curation_settings(args), image)
    write_warnings_csv(result.warnings, args.output)
    print(json.dumps({"warnings": len(result.warnings), "by_severity": severity_counts(result.warnings),
                      "image_checks": image is not None, "units": tree.units, "output": str(args.output)},
                     ensure_ascii=False))
    return 0


def cmd_crossovers(args) -> int:
    from ..curation import find_bundles, find_crossovers
    from ..io.atomic import atomic_write
    from ..io.csv_safe import csv_writer

    tree = read_reconstruction(existing_file(args.recon))
    # Unset options keep each detector's own (SNT's) defaults.
    given = {name: value for name, value in (("proximity", args.proximity), ("min_run", args.min_run))
             if value is not None}
    if args.bundles:
        events = find_bundles(tree, max_angle=args.max_angle, include_self=args.include_self, **given)
    else:
        events = find_crossovers(tree, include_self=args.include_self, **given)
    with atomic_write(args.output, "w") as fh:
        writer = csv_writer(fh, lineterminator="\n")
        writer.writerow(("x", "y", "z", "distance", "angle", "paths"))
        for e in events:
            writer.writerow([f"{v:.6g}" for v in (*e.location, e.distance, e.angle)] + [";".join(map(str, e.paths))])
    print(json.dumps({"events": len(events), "units": tree.units, "output": str(args.output)}, ensure_ascii=False))
    return 0


def cmd_curation_export(args) -> int:
    from ..curation import write_partitions, write_warnings_csv

    if bool(args.recon) == bool(args.project):
        raise CLIError("give a reconstruction file or --project (one of them, not both)")
    facts = {}
    if args.project:
        from ..store import StoreError
        from ..store.curation import warnings_and_reviews

        store = open_store(args)
        try:
            tree = store.reconstruction(args.project)
        except StoreError as error:
            raise CLIError(f"{args.data_dir}: {error}") from None
        # The command line reads the database directly, as the owner of the data directory.
        warnings, reviews = warnings_and_reviews(store, args.project, check_role=False)
        target = Path(args.output) / "warnings-reviewed.csv"
        write_warnings_csv(warnings, target, reviews, reviewed_only=True)
        facts["warnings_csv"] = str(target)
        facts["reviewed_warnings"] = sum(1 for r in reviews.values() if r["decision"])
        stem = args.project
    else:
        tree = read_reconstruction(existing_file(args.recon))
        stem = Path(args.recon).stem
    written = write_partitions(tree, args.output, args.format, stem=stem)
    print(json.dumps({**facts, "partitions": written}, ensure_ascii=False))
    return 0


def cmd_calibrate(args) -> int:
    from ..curation import calibrate, write_preset

    trees = [read_reconstruction(existing_file(f)) for f in args.recons]
    try:
        settings = calibrate(trees, lower=args.lower, upper=args.upper)
    except ValueError as error:
        raise CLIError(str(error)) from None
    names = ", ".join(Path(f).name for f in args.recons)
    write_preset(settings, args.output, [Path(args.output).name, f"Calibrated from {len(trees)} reconstructions: "
                                         f"{names}", f"percentiles {args.lower:g} / {args.upper:g}"])
    print(json.dumps({"output": str(args.output), "reconstructions": len(trees)}, ensure_ascii=False))
    return 0


def add_commands(sub) -> None:
    """``check``, ``crossovers``, ``curation-export`` and ``calibrate`` on the subparsers ``sub``."""
    check = sub.add_parser("check", help="run the Curation Assistant's plausibility checks: a warnings CSV")
    check.add_argument("recon", metavar="RECON", help="reconstruction (.swc or .traces), physical units")
    check.add_argument("--image", metavar="IMAGE", help="the traced TIFF: adds the signal checks")
    check.add_argument("--preset", metavar="FILE.curation", help="thresholds (SNT's .curation); SNT's defaults if "
                                                                 "omitted")
    check.add_argument("-o", "--output", required=True, metavar="warnings.csv")
    check.set_defaults(func=cmd_check)

    cross = sub.add_parser("crossovers", help="where unjoined paths cross or touch: an events CSV (x, y, z physical)")
    cross.add_argument("recon", metavar="RECON")
    cross.add_argument("--proximity", type=positive, help="how close counts, physical units (default 2; bundles 3)")
    cross.add_argument("--min-run", type=at_least(1), help="nodes a run needs (default 2; bundles 10)")
    cross.add_argument("--include-self", action="store_true", help="also paths crossing themselves")
    cross.add_argument("--bundles", action="store_true", help="find near-parallel runs instead")
    cross.add_argument("--max-angle", type=positive, default=20.0, help="bundles: largest angle, degrees (default 20)")
    cross.add_argument("-o", "--output", required=True, metavar="events.csv")
    cross.set_defaults(func=cmd_crossovers)

    export = sub.add_parser("curation-export",
                            help="training data: the paths by review tag (positive, negative, unsure, unreviewed)")
    export.add_argument("recon", metavar="RECON", nargs="?", help="a reconstruction with {cur:...} tags")
    export.add_argument("--project", help="a project of DATA_DIR instead: also its reviewed warnings as a CSV")
    export.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    export.add_argument("--format", choices=("swc", "traces"), default="swc")
    export.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    export.set_defaults(func=cmd_curation_export)

    cal = sub.add_parser("calibrate", help="learn check thresholds from reference reconstructions: a .curation preset")
    cal.add_argument("recons", metavar="RECON", nargs="+")
    cal.add_argument("--lower", type=float, default=5.0, help="percentile for lower thresholds (default 5)")
    cal.add_argument("--upper", type=float, default=95.0, help="percentile for upper thresholds (default 95)")
    cal.add_argument("-o", "--output", required=True, metavar="FILE.curation")
    cal.set_defaults(func=cmd_calibrate)
