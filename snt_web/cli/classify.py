"""``snt-web labels | classify``: traced paths as a label image, and a pixel classifier trained and applied.

Paths become training labels as SNT hands them to Labkit and Trainable Weka
Segmentation (``labels``), or train a random forest directly (``classify
train``) whose probability map (``classify apply``) can be traced on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ..io.reconstruction import read_reconstruction
from ..io.tiff import read_image
from .arguments import CLIError, at_least, class_weights, existing_file, physical_scales


def cmd_labels(args) -> int:
    from ..labels import class_names, labkit_labels, render_labels, tws_labels, write_label_image, write_points_csv

    if args.convention != "snt" and (args.mode or args.classes):
        raise CLIError(f"--mode and --classes apply to --convention snt, not {args.convention}")
    recon = existing_file(args.recon)
    tree = read_reconstruction(recon)
    like = read_image(existing_file(args.like))
    try:
        if args.convention == "snt":
            classes = args.classes or "binary"
            labels = render_labels(tree, like.shape_zyx, like.spacing, mode=args.mode or "skeleton", classes=classes)
            names = class_names(tree, classes, n_channels=like.n_channels)
        else:
            convention = labkit_labels if args.convention == "labkit" else tws_labels
            labels, names = convention(tree, like.shape_zyx, like.spacing, n_channels=like.n_channels)
    except ValueError as err:  # a path's label does not fit the label image
        raise CLIError(f"{args.recon}: {err}") from None
    write_label_image(args.output, labels, like.spacing, like.units, names)
    facts = {"labels": int(np.unique(labels[labels > 0]).size), "labelled_voxels": int(np.count_nonzero(labels)),
             "shape": list(labels.shape), "classes": names, "output": str(args.output)}
    if args.points:
        facts["points"] = write_points_csv(tree, args.points, name=recon.name)
    print(json.dumps(facts, ensure_ascii=False))
    return 0


def add_labels_command(sub) -> None:
    """``labels`` on the subparsers ``sub``."""
    from ..labels import CLASS_SCHEMES, MODES

    labels = sub.add_parser("labels", help="draw a reconstruction as a label image for a pixel classifier")
    labels.add_argument("recon", metavar="RECON", help="reconstruction (.swc or .traces)")
    labels.add_argument("--like", required=True, metavar="IMAGE",
                        help="the TIFF the labels are for: its shape, calibration and channel count")
    labels.add_argument("-o", "--output", required=True, metavar="LABELS.tif",
                        help="label TIFF; class names go to LABELS.tif.classes.json")
    labels.add_argument("--convention", choices=("snt", "labkit", "tws"), default="snt",
                        help="snt (default): skeleton or volume labels; labkit: node voxels per channel; "
                             "tws: per-plane strokes per channel, as SNT sends paths to Labkit and TWS")
    labels.add_argument("--mode", choices=MODES, help="snt convention: skeleton (default) or volume")
    labels.add_argument("--classes", choices=CLASS_SCHEMES,
                        help="snt convention: one label for all paths (binary, default), per channel or per path")
    labels.add_argument("--points", metavar="POINTS.csv",
                        help="also write tips, branch points and roots as a seeds CSV")
    labels.set_defaults(func=cmd_labels)


def cmd_classify_train(args) -> int:
    import time

    from ..classify import FeatureSettings, default_scales, samples_from_paths, save_classifier, train

    image = read_image(existing_file(args.image))
    tree = read_reconstruction(existing_file(args.paths))
    background = None
    if args.background is not None:
        marked = read_image(existing_file(args.background))
        if marked.shape_zyx != image.shape_zyx:
            raise CLIError(f"{args.background}: shape (z, y, x) {marked.shape_zyx} differs from the image's "
                           f"{image.shape_zyx}")
        background = marked.volume()
    try:
        samples = samples_from_paths(tree, image.shape_zyx, image.spacing, mode=args.mode, background=background)
    except ValueError as err:  # no path in the image, or no background to sample
        raise CLIError(f"{args.paths}: {err}") from None
    settings = FeatureSettings(args.scales or default_scales(image.spacing))
    began = time.perf_counter()
    try:
        classifier = train(_frame(image, args), image.spacing, samples, settings, n_estimators=args.trees,
                           max_depth=args.depth, class_weight=args.class_weight)
    except ValueError as err:  # a class weight for a class the paths do not make
        raise CLIError(f"--class-weight: {err}") from None
    train_s = time.perf_counter() - began
    save_classifier(classifier, args.output)
    print(json.dumps({"oob_accuracy": round(classifier.oob_accuracy, 6), "class_counts": classifier.class_counts,
                      "background_counts": classifier.background_counts,
                      "expected_fraction": round(samples.expected.fraction, 6), "scales": list(settings.scales), "n_features": classifier.n_features,
                      "train_s": round(train_s, 3), "output": str(args.output)}, ensure_ascii=False))
    return 0


def cmd_classify_apply(args) -> int:
    import tempfile
    import time

    from ..classify import apply, load_classifier
    from ..io.image import Image
    from ..io.tiff import write_image

    image = read_image(existing_file(args.image))
    classifier = load_classifier(existing_file(args.model))
    if image.n_channels != classifier.n_channels:
        raise CLIError(f"{args.image}: {image.n_channels} channel(s), but the model {args.model} was trained on "
                       f"{classifier.n_channels}")
    names = list(classifier.class_names)
    classes = names if args.class_ is None else [_class_name(args.class_, names, args.model)]
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=output.parent) as scratch:
        # Probabilities go to a memory map laid out as ImageJ's TZCYX, so
        # that neither classifying nor writing holds the map in memory.
        z, y, x = image.shape_zyx
        stack = np.memmap(scratch, dtype=np.float32, mode="w+", shape=(1, z, len(classes), y, x))
        probabilities = stack[0].transpose(1, 0, 2, 3)
        began = time.perf_counter()
        apply(classifier, _frame(image, args), image.spacing, memory_budget_bytes=args.memory_budget * 2**20,
              out=probabilities, classes=classes)
        elapsed = time.perf_counter() - began
        write_image(output, Image(data=probabilities[:, None], spacing=image.spacing, units=image.units,
                                  name=output.name, source_axes="CZYX"))
    print(json.dumps({"classes": classes, "elapsed_s": round(elapsed, 3),
                      "mvox_per_s": round(z * y * x / elapsed / 1e6, 3), "output": str(output)},
                     ensure_ascii=False))
    return 0


def _frame(image, args) -> np.ndarray:
    """All channels of the 1-based ``--frame``, (c, z, y, x)."""
    if not 1 <= args.frame <= image.n_frames:
        raise CLIError(f"{args.image}: no frame {args.frame} (it has {image.n_frames})")
    return image.data[:, args.frame - 1]


def _class_name(choice: str, names: list[str], model) -> str:
    """A class given by name or 1-based position."""
    if choice in names:
        return choice
    if choice.isdigit() and 1 <= int(choice) <= len(names):
        return names[int(choice) - 1]
    raise CLIError(f"{model}: no class {choice!r}; its classes are {', '.join(names)} (or 1-{len(names)})")


def add_classify_commands(sub) -> None:
    """``classify train`` and ``classify apply`` on the subparsers ``sub``."""
    from ..labels import MODES

    classify = sub.add_parser("classify", help="pixel classification from traced paths (Labkit/TWS-style)")
    commands = classify.add_subparsers(dest="classify_command", required=True)
    frame = argparse.ArgumentParser(add_help=False)
    frame.add_argument("--frame", type=at_least(1), default=1, help="1-based time frame (default 1)")

    train = commands.add_parser("train", parents=[frame],
                                help="train a random forest: one class per traced channel, and the background")
    train.add_argument("image", metavar="IMAGE", help="the TIFF the paths were traced on")
    train.add_argument("--paths", required=True, metavar="RECON", help="reconstruction (.swc or .traces)")
    train.add_argument("--background", metavar="LABELS.tif",
                       help="voxels marked as background (non-zero), added to those drawn beside and away from "
                            "the paths")
    train.add_argument("--mode", choices=MODES, default="skeleton",
                       help="label the paths' centrelines (skeleton, default) or their volumes from node radii")
    train.add_argument("--scales", type=physical_scales,
                       help="feature scales in physical units, e.g. 0.3,0.6,1.2 (default 1, 2, 4, 8 lateral voxels)")
    train.add_argument("--trees", type=at_least(1), default=100, help="trees in the forest (default 100)")
    train.add_argument("--depth", type=at_least(1), help="largest tree depth (default unlimited)")
    train.add_argument("--class-weight", type=class_weights, default="balanced", metavar="WEIGHTS",
                       help="'balanced' (default: each class inversely to its samples), 'none', or "
                            "'CLASS=W,...' by class name, e.g. 'background=0.5'")
    train.add_argument("-o", "--output", required=True, metavar="MODEL", help="model file (e.g. model.sntclf)")
    train.set_defaults(func=cmd_classify_train)

    apply = commands.add_parser("apply", parents=[frame], help="write a probability map (float32 TIFF)")
    apply.add_argument("image", metavar="IMAGE", help="a TIFF with the model's number of channels")
    apply.add_argument("--model", required=True, metavar="MODEL", help="a model from snt-web classify train")
    apply.add_argument("-o", "--output", required=True, metavar="PMAP.tif",
                       help="probability map, one channel per class")
    apply.add_argument("--class", dest="class_", metavar="NAME|INDEX",
                       help="write only this class (a name, or its 1-based position)")
    apply.add_argument("--memory-budget", type=at_least(1), default=1024, metavar="MB",
                       help="working memory in MiB (default 1024); the map itself goes to disk")
    apply.set_defaults(func=cmd_classify_apply)
