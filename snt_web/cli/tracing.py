"""``snt-web trace | fit | autotrace``: a path between two points, Refine/Fit, whole neurons from seeds or somata."""

from __future__ import annotations

import json

import numpy as np

from ..io.reconstruction import read_reconstruction, write_reconstruction
from ..io.tiff import read_image
from .arguments import CLIError, at_least, channel_volume, existing_file, non_negative, physical_scales, xyz_point


def _to_voxel(xyz, image, units: str, label: str) -> tuple[int, int, int]:
    """X,Y,Z in µm or voxels -> a (z, y, x) voxel index inside the image."""
    from ..model import physical_to_voxel

    index = physical_to_voxel(xyz, image.spacing if units == "um" else (1.0, 1.0, 1.0))
    if np.any(index < 0) or np.any(index >= image.shape_zyx):
        raise CLIError(f"{label} {','.join(f'{v:g}' for v in xyz)} ({units}) lies outside the image")
    return tuple(int(v) for v in index)


def _secondary_volume(path: str, image) -> np.ndarray:
    """The first volume of the TIFF at ``path`` (a probability map), which must have ``image``'s shape."""
    secondary = read_image(existing_file(path))
    if secondary.shape_zyx != image.shape_zyx:
        raise CLIError(f"{path}: shape (z, y, x) {secondary.shape_zyx} differs from the image's {image.shape_zyx}")
    return secondary.volume()


def cmd_trace(args) -> int:
    from ..model import Path as TracedPath
    from ..model import Tree, voxel_to_physical
    from ..tracing import trace_path
    from ..tracing.layers import LAYERS, default_cost, filtered_layer, value_kind

    image = read_image(existing_file(args.image))
    volume = image.volume(args.channel - 1, args.frame - 1)
    if args.layer in LAYERS:
        layer, values = filtered_layer(volume, args.layer, image.spacing, args.scales), "image"
    else:
        layer = _secondary_volume(args.layer, image)
        values = value_kind(layer)
    start = _to_voxel(args.start, image, args.units, "--from")
    goal = _to_voxel(args.goal, image, args.units, "--to")
    cost = args.cost or default_cost(values)
    result = trace_path(layer, start, goal, spacing=image.spacing, cost=cost)
    path = TracedPath(0, voxel_to_physical(result.path_zyx, image.spacing), channel=args.channel, frame=args.frame)
    tree = Tree([path], spacing_xyz=tuple(image.spacing[::-1]), units=image.units)
    write_reconstruction(tree, args.output)
    print(json.dumps({"length": round(path.length, 6), "units": image.units, "n_nodes": len(path),
                      "cost": result.cost, "cost_function": cost, "layer_values": values, "n_visited": result.n_visited, "search_s": round(result.search_s, 6),
                      "output": str(args.output)}))
    return 0




def add_trace_command(sub) -> None:
    """``trace`` on the subparsers ``sub``."""
    trace = sub.add_parser("trace", help="trace the least-cost path between two points (A*, SNT's costs)")
    trace.add_argument("image")
    trace.add_argument("--from", dest="start", type=xyz_point, required=True, help="start X,Y,Z")
    trace.add_argument("--to", dest="goal", type=xyz_point, required=True, help="end X,Y,Z")
    trace.add_argument("--units", choices=("um", "voxel"), default="um",
                       help="units of --from/--to: physical (default, the image's unit) or voxel indices")
    trace.add_argument("--cost", choices=("reciprocal", "difference", "difference-squared", "probability"),
                       help="SNT's cost function (default: probability on a probability map, a TIFF of values in "
                            "[0, 1]; reciprocal otherwise)")
    trace.add_argument("--layer", default="raw",
                       help="raw (default), tubeness, frangi, gaussian, or a same-shaped TIFF (a probability map)")
    trace.add_argument("--scales", type=physical_scales, help="filter scales in physical units, e.g. 0.6,1.2")
    trace.add_argument("--channel", type=int, default=1, help="1-based channel")
    trace.add_argument("--frame", type=int, default=1, help="1-based time frame")
    trace.add_argument("-o", "--output", required=True, help="OUT.swc or OUT.traces")
    trace.set_defaults(func=cmd_trace)


def cmd_fit(args) -> int:
    from ..fitting import apply_fits, fit_params, fit_tree

    # Checked before the files are read: a typo should not cost the read of a large image.
    if args.max_radius is not None and not 0 < args.max_radius < np.inf:
        raise CLIError(f"--max-radius must be a positive number, got {args.max_radius:g}")
    tree = read_reconstruction(existing_file(args.recon))
    image = read_image(existing_file(args.image))
    volume = channel_volume(image, args.image, args.channel, args.frame)
    if args.layer is not None:
        volume = _secondary_volume(args.layer, image)
    if not tree.n_nodes:
        raise CLIError(f"{args.recon}: the reconstruction has no nodes to fit")
    extent = (np.asarray(image.shape_zyx) - 1) * np.asarray(image.spacing)
    nodes = np.concatenate([p.points for p in tree.paths])[:, ::-1]
    if not np.any(np.all((nodes >= 0) & (nodes <= extent), axis=1)):
        raise CLIError(f"{args.recon}: no node lies inside {args.image} (0-{extent[::-1].round(3).tolist()} "
                       f"{image.units}, x, y, z); are the coordinates in the image's units?")
    fitted = fit_tree(volume, image.spacing, tree, scope=args.scope, max_radius=args.max_radius)
    result = apply_fits(tree, fit_params(fitted), replace=args.replace)
    write_reconstruction(result, args.output, image_shape_zyx=image.shape_zyx)
    shifts = np.concatenate([np.linalg.norm(f.points - tree.path(f.id).points, axis=1) for f in fitted])
    radii = np.concatenate([f.radii for f in fitted if f.radii is not None] or [np.empty(0)])
    print(json.dumps({
        "n_paths": len(fitted), "n_nodes": int(shifts.size), "scope": args.scope, "replaced": args.replace,
        "units": image.units, "median_radius": round(float(np.median(radii)), 6) if radii.size else None,
        "median_shift": round(float(np.median(shifts)), 6), "max_shift": round(float(shifts.max()), 6),
        "output": str(args.output),
    }, ensure_ascii=False))
    return 0


def add_fit_command(sub) -> None:
    """``fit`` on the subparsers ``sub``."""
    from ..fitting import SCOPES

    fit = sub.add_parser("fit", help="Refine/Fit: centre paths on their neurites and fit radii (SNT's PathFitter)")
    fit.add_argument("recon", metavar="RECON", help="reconstruction (.swc or .traces), physical units")
    fit.add_argument("image", metavar="IMAGE", help="the TIFF it was traced on")
    fit.add_argument("--scope", choices=SCOPES, default="radii",
                     help="what the fit changes: radii (default, as SNT), positions (node centring), or both")
    fit.add_argument("--max-radius", type=float, metavar="UM",
                     help="search radius in the image's units (default 10 of its finest voxels)")
    fit.add_argument("--replace", action="store_true",
                     help="overwrite the nodes (default: keep them and add linked fitted versions, as SNT does; "
                          "SWC export writes the fitted nodes either way)")
    fit.add_argument("--layer", metavar="LAYER.tif", help="fit on this same-shaped TIFF (a probability map) instead")
    fit.add_argument("--channel", type=at_least(1), default=1, help="1-based channel (default 1)")
    fit.add_argument("--frame", type=at_least(1), default=1, help="1-based time frame (default 1)")
    fit.add_argument("-o", "--output", required=True, metavar="OUT.traces|OUT.swc")
    fit.set_defaults(func=cmd_fit)


def cmd_autotrace(args) -> int:
    from ..autotrace import AutotraceSettings, autotrace
    from ..seeds import read_seeds_csv

    from ..tracing.layers import value_kind

    image = read_image(existing_file(args.image))
    volume = channel_volume(image, args.image, args.channel, args.frame)
    probability = False
    if args.layer:
        volume = _secondary_volume(args.layer, image)
        probability = value_kind(volume) == "probability"
    score_map = None if args.score_map == "none" else args.score_map
    if score_map not in (None, "auto", "tubeness", "frangi"):
        score_map = _secondary_volume(score_map, image)
    xyz = confidence = read = None
    if args.seeds:
        read = read_seeds_csv(existing_file(args.seeds), units=args.seed_units,
                              spacing_xyz=tuple(image.spacing[::-1]), shape_zyx=image.shape_zyx)
        if not len(read.seeds):
            raise CLIError(f"{args.seeds}: no usable seeds ({read.report()})")
        xyz, confidence = read.seeds.xyz, read.seeds.confidence
    elif args.role != "root":
        raise CLIError(f"--role {args.role} needs --seeds")
    gap = {} if args.gap_penalty is None else {"gap_penalty": args.gap_penalty}
    try:
        result = autotrace(volume, image.spacing, seeds_xyz=xyz, confidence=confidence, role=args.role,
                           multi_cell=args.multi_cell, score_map=score_map,
                           settings=AutotraceSettings(threshold=args.threshold, connectivity=args.connectivity,
                                                      centre=not args.no_centre, **gap),
                           units=image.units, probability_map=probability,
                           source=f"autotrace:{args.role}", channel=args.channel, frame=args.frame)
    except ValueError as err:  # nothing above the threshold
        raise CLIError(f"{args.image}: {err}") from None
    write_reconstruction(result.tree, args.output)
    facts = {"n_trees": len(result.tree.roots()), "n_paths": len(result.tree.paths), "n_nodes": result.tree.n_nodes,
             "elapsed_s": round(result.elapsed_s, 3), "threshold": round(result.threshold, 6),
             "threshold_reason": result.threshold_reason, "warnings": result.warnings, "output": str(args.output)}
    if read is not None:
        facts["seeds"] = read.report()
    print(json.dumps(facts, ensure_ascii=False))
    return 0


def add_autotrace_command(sub) -> None:
    """``autotrace`` on the subparsers ``sub``."""
    auto = sub.add_parser("autotrace", help="trace whole neurons automatically (APP2/GWDT, SNT's defaults)")
    auto.add_argument("image", metavar="IMAGE", help="a TIFF image")
    auto.add_argument("--seeds", metavar="SEEDS.csv", help="seeds CSV (x,y,z,confidence,radius); default: "
                                                           "detect the soma(s)")
    auto.add_argument("--seed-units", choices=("physical", "voxel"), default="physical",
                      help="units of the seeds' x, y, z (default physical, the image's unit)")
    auto.add_argument("--role", choices=("root", "tip", "waypoint"), default="root",
                      help="root: one tree per seed (default); tip: routes from the soma to each seed; "
                           "waypoint: routes pulled through the seeds and never pruned")
    auto.add_argument("--layer", metavar="FILE.tif",
                      help="trace this same-shaped TIFF instead; a probability map (values in [0, 1]) is traced at "
                           "a probability threshold estimated from it (0.1-0.5) and scores its own nodes")
    auto.add_argument("--score-map", default="auto", metavar="auto|tubeness|frangi|none|FILE.tif",
                      help="branch scores: a filter of the traced volume, none, or a TIFF (default auto: the "
                           "probability map traced, else tubeness)")
    auto.add_argument("--multi-cell", action="store_true",
                      help="several cells that must not overlap (territory limits, exclusion buffer)")
    auto.add_argument("--threshold", type=float,
                      help="background grey level or probability (default: estimated, for a probability map as one)")
    auto.add_argument("--connectivity", type=int, choices=(6, 18, 26), default=18,
                      help="fast marching's neighbourhood (default 18, SNT's; 26 keeps thin oblique neurites)")
    auto.add_argument("--gap-penalty", type=non_negative,
                      help="extra cost of each dark voxel bridged, 0 to 1 being the range of a foreground voxel's "
                           "(default 1, ours; 0: SNT's, whose routes jump between neighbouring neurites)")
    auto.add_argument("--no-centre", action="store_true",
                      help="SNT's geometry: no one-node soma, centring, straight forks or dropping of branches "
                           "inside other paths (ours)")
    auto.add_argument("--channel", type=at_least(1), default=1, help="1-based channel")
    auto.add_argument("--frame", type=at_least(1), default=1, help="1-based time frame")
    auto.add_argument("-o", "--output", required=True, metavar="OUT.traces", help="OUT.traces or OUT.swc")
    auto.set_defaults(func=cmd_autotrace)
