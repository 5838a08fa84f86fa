"""Command line: ``snt-web serve | worker | info | convert | demo-data | user | member``.

Bad input ends with exit code 2 and one line on stderr naming the file and the
problem, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path

import numpy as np

from .io.errors import SNTWebIOError
from .io.reconstruction import convert, read_reconstruction, write_reconstruction
from .io.tiff import read_image, read_image_info
from .limits import SERVE_OPTIONS, LimitConfigError, current_limits
from .jobs import BACKENDS, configured_backend, run_workers, start_workers, stop_workers
from .jobs.worker import supervise_in_background
from .jobs.worker import LOG_FORMAT

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


def _at_least(minimum: int):
    """An argparse type: an integer no smaller than ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected at least {minimum}, got {value}")
        return value

    return parse


def _positive_number(kind):
    """An argparse type: a positive ``kind`` (int or float)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    return parse


def _existing_file(path: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise CLIError(f"{path}: no such file")
    return p


def cmd_info(args) -> int:
    path = _existing_file(args.file)
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
    convert(_existing_file(args.input), args.output)
    return 0


def cmd_demo_data(args) -> int:
    from .synth.demo_files import write_volume

    try:
        files = write_volume(args.outdir, kind=args.kind, seed=args.seed, shape_zyx=args.shape)
    except ValueError as err:  # a shape too small to hold a neuron
        raise CLIError(f"--shape {','.join(map(str, args.shape or ()))}: {err}") from None
    print(json.dumps({name: str(path) for name, path in files.items()}))
    return 0


def _store(args):
    from .store import ProjectStore

    return ProjectStore(Path(args.data_dir).expanduser(), os.environ.get("SNT_WEB_DATABASE_URL") or None)


def _set_limits(args) -> None:
    """Limits given as options become the environment of the server and of the workers it starts."""
    for option, (variable, _, _, _) in SERVE_OPTIONS.items():
        value = getattr(args, option.lstrip("-").replace("-", "_"))
        if value is not None:
            os.environ[variable] = str(value)


def cmd_serve(args) -> int:
    from .store import Accounts, open_startup_project
    from .web.app import create_app
    from .web.auth import AuthConfig, auth_mode_for
    from .web.proxies import TrustedProxies

    _set_limits(args)

    if args.image is not None:
        _existing_file(args.image)
    store = _store(args)
    try:
        mode = auth_mode_for(args.host, Accounts(store).has_users(), args.demo_readonly)
        proxies = TrustedProxies.from_env()
    except ValueError as err:  # AuthConfigError included
        raise CLIError(str(err)) from None
    project_id = open_startup_project(store, args.image)
    auth = AuthConfig(mode=mode, secure_cookies=args.secure_cookies, trusted_proxies=proxies)
    app = create_app(store, project_id, auth=auth)
    workers, jobs = _start_job_workers(args, store)
    # A worker that dies (killed, out of memory) is replaced: the server keeps --workers of them.
    supervisor = supervise_in_background(workers, store.data_dir, store.database_url)
    print(f"SNT Web: http://{args.host}:{args.port}  ({mode}; data in {store.data_dir}; {jobs})", flush=True)
    try:
        app.run(host=args.host, port=args.port, debug=False)
    finally:
        supervisor.set()
        stop_workers(workers)
    return 0


def _start_job_workers(args, store):
    """Disk-backend job workers beside the app: ``(processes, a phrase for the startup line)``."""
    if _jobs_backend() == "celery":
        return [], "jobs: celery, start workers with snt-web worker --backend celery"
    if args.workers == 0:
        return [], "no job workers, start them with snt-web worker"
    workers = start_workers(args.workers, store.data_dir, store.database_url)
    return workers, f"{args.workers} job worker{'s' if args.workers > 1 else ''}"


def _jobs_backend(name: str | None = None) -> str:
    try:
        return configured_backend(name)
    except ValueError as err:
        raise CLIError(f"SNT_WEB_JOBS: {err}") from None


def cmd_worker(args) -> int:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    current_limits()  # a limit set to nonsense stops the worker now, in one line
    store = _store(args)
    backend = _jobs_backend(args.backend)
    print(f"SNT Web worker: {backend} backend, {args.concurrency} at a time; data in {store.data_dir}", flush=True)
    try:
        return run_workers(store.data_dir, store.database_url, backend, concurrency=args.concurrency)
    except KeyboardInterrupt:
        return 130


def _read_password(args, prompt: str = "Password: ") -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(prompt)
        if getpass.getpass("Repeat: ") != password:
            raise CLIError("the passwords differ")
    return password


def _accounts(args):
    from .store import Accounts

    return Accounts(_store(args))


def cmd_user_add(args) -> int:
    accounts = _accounts(args)
    try:
        user = accounts.add_user(args.name, _read_password(args), role=args.role)
    except ValueError as err:
        raise CLIError(str(err)) from None
    print(f"added {user.name} ({user.role})")
    return 0


def cmd_user_passwd(args) -> int:
    accounts = _accounts(args)
    if accounts.user(args.name) is None:
        raise CLIError(f"no user {args.name!r}")
    password = _read_password(args, "New password: ")
    revoke = args.revoke_tokens
    tokens = len(accounts.tokens(args.name))
    if revoke is None and tokens and not args.password_stdin:
        answer = input(f"{args.name} has {tokens} API token{'s' if tokens > 1 else ''}: revoke them too? [y/N] ")
        revoke = answer.strip().lower() in ("y", "yes")
    try:
        ended = accounts.set_password(args.name, password, revoke_tokens=bool(revoke))
    except ValueError as err:
        raise CLIError(str(err)) from None
    print(f"password of {args.name} changed; {ended['sessions']} browser sessions ended; "
          f"{ended['tokens']} API tokens revoked, {ended['tokens_kept']} kept")
    return 0


def cmd_user_token_add(args) -> int:
    from .store.accounts import token_id

    try:
        token = _accounts(args).create_token(args.name, args.label)
    except ValueError as err:
        raise CLIError(str(err)) from None
    print(token)
    print(f"Keep this token: it is shown only once (its id, to revoke it: {token_id(token)}).", file=sys.stderr)
    return 0


def _when(seconds: float | None) -> str:
    return "never" if seconds is None else datetime.fromtimestamp(seconds).isoformat(" ", "minutes")


def cmd_user_token_list(args) -> int:
    accounts = _accounts(args)
    if args.name is not None and accounts.user(args.name) is None:
        raise CLIError(f"no user {args.name!r}")
    print("id\tuser\tlabel\tcreated\tlast used")
    for t in accounts.tokens(args.name):
        print(f"{t.id}\t{t.user}\t{t.label}\t{_when(t.created)}\t{_when(t.last_used)}")
    return 0


def cmd_user_token_revoke(args) -> int:
    accounts = _accounts(args)
    for token_id in args.ids:
        try:
            token = accounts.revoke_token(token_id)
        except ValueError as err:
            raise CLIError(str(err)) from None
        print(f"revoked token {token.id} of {token.user}" + (f" ({token.label})" if token.label else ""))
    return 0


def cmd_user_list(args) -> int:
    for user in _accounts(args).users():
        print(f"{user.name}\t{user.role}")
    return 0


def cmd_user_remove(args) -> int:
    try:
        _accounts(args).remove_user(args.name)
    except ValueError as err:
        raise CLIError(str(err)) from None
    print(f"removed {args.name}")
    return 0


def cmd_member_set(args) -> int:
    from .store import StoreError

    role = None if args.role == "none" else args.role
    accounts = _accounts(args)
    try:
        accounts.store.get(args.project)
        accounts.set_member(args.project, args.name, role)
    except (ValueError, StoreError) as err:
        raise CLIError(str(err)) from None
    print(f"{args.name} is {role} of {args.project}" if role else f"{args.name} removed from {args.project}")
    return 0


def _add_account_commands(sub) -> None:
    from .auth.roles import ROLES

    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                          help="where projects live (default ~/.snt-web; SNT_WEB_DATABASE_URL names another database)")
    password = argparse.ArgumentParser(add_help=False)
    password.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")

    user = sub.add_parser("user", help="manage accounts").add_subparsers(dest="user_command", required=True)
    add = user.add_parser("add", parents=[data_dir, password], help="add an account")
    add.add_argument("name")
    add.add_argument("--role", default="annotator", choices=ROLES,
                     help="site role, for projects the user is not a member of (default annotator)")
    add.set_defaults(func=cmd_user_add)
    passwd = user.add_parser("passwd", parents=[data_dir, password],
                             help="change a password (ends the user's browser sessions)")
    passwd.add_argument("name")
    revoke = passwd.add_mutually_exclusive_group()
    revoke.add_argument("--revoke-tokens", action="store_true", default=None,
                        help="revoke the user's API tokens too (asked when the password is typed)")
    revoke.add_argument("--keep-tokens", action="store_false", dest="revoke_tokens", help="keep their API tokens")
    passwd.set_defaults(func=cmd_user_passwd)
    token = user.add_parser("token", help="API tokens").add_subparsers(dest="token_command", required=True)
    token_add = token.add_parser("add", parents=[data_dir], help="make an API token (printed once)")
    token_add.add_argument("name")
    token_add.add_argument("--label", default="")
    token_add.set_defaults(func=cmd_user_token_add)
    token_list = token.add_parser("list", parents=[data_dir], help="list API tokens: id, user, label, created, "
                                                                   "last used (never the tokens themselves)")
    token_list.add_argument("name", nargs="?", help="only this user's")
    token_list.set_defaults(func=cmd_user_token_list)
    token_revoke = token.add_parser("revoke", parents=[data_dir], help="revoke API tokens by id")
    token_revoke.add_argument("ids", nargs="+", metavar="ID")
    token_revoke.set_defaults(func=cmd_user_token_revoke)
    user.add_parser("list", parents=[data_dir], help="list accounts").set_defaults(func=cmd_user_list)
    remove = user.add_parser("remove", parents=[data_dir], help="remove an account, its sessions and tokens")
    remove.add_argument("name")
    remove.set_defaults(func=cmd_user_remove)

    member = sub.add_parser("member", help="project membership").add_subparsers(dest="member_command", required=True)
    mset = member.add_parser("set", parents=[data_dir], help="give a user a role on a project ('none' removes)")
    mset.add_argument("project")
    mset.add_argument("name")
    mset.add_argument("role", choices=[*ROLES, "none"])
    mset.set_defaults(func=cmd_member_set)


def _triple(text: str) -> tuple[float, float, float]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected X,Y,Z numbers, got {text!r}") from None
    if len(values) != 3:
        raise argparse.ArgumentTypeError(f"expected three numbers X,Y,Z, got {text!r}")
    return values


def _scales(text: str) -> tuple[float, ...] | None:
    from .tracing.layers import parse_scales

    try:
        return parse_scales(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _to_voxel(xyz, image, units: str, label: str) -> tuple[int, int, int]:
    """X,Y,Z in µm or voxels -> a (z, y, x) voxel index inside the image."""
    zyx = np.asarray(xyz[::-1], dtype=float)
    if units == "um":
        zyx = zyx / np.asarray(image.spacing)
    index = np.rint(zyx).astype(int)
    if np.any(index < 0) or np.any(index >= image.shape_zyx):
        raise CLIError(f"{label} {','.join(f'{v:g}' for v in xyz)} ({units}) lies outside the image")
    return tuple(int(v) for v in index)


def _channel_volume(image, path, channel: int, frame: int) -> np.ndarray:
    """The 1-based ``channel`` and ``frame`` of ``image`` (read from ``path``), (z, y, x)."""
    if not (1 <= channel <= image.n_channels and 1 <= frame <= image.n_frames):
        raise CLIError(f"{path}: no channel {channel}, frame {frame} (it has {image.n_channels} channel(s), "
                       f"{image.n_frames} frame(s))")
    return image.volume(channel - 1, frame - 1)


def _secondary_volume(path: str, image) -> np.ndarray:
    """The first volume of the TIFF at ``path`` (a probability map), which must have ``image``'s shape."""
    secondary = read_image(_existing_file(path))
    if secondary.shape_zyx != image.shape_zyx:
        raise CLIError(f"{path}: shape (z, y, x) {secondary.shape_zyx} differs from the image's {image.shape_zyx}")
    return secondary.volume()


def cmd_trace(args) -> int:
    from .model import Path as TracedPath
    from .model import Tree
    from .tracing import trace_path, voxels_to_points
    from .tracing.layers import LAYERS, default_cost, filtered_layer, value_kind

    image = read_image(_existing_file(args.image))
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
    path = TracedPath(0, voxels_to_points(result.path_zyx, image.spacing), channel=args.channel, frame=args.frame)
    tree = Tree([path], spacing_xyz=tuple(image.spacing[::-1]), units=image.units)
    write_reconstruction(tree, args.output)
    print(json.dumps({"length": round(path.length, 6), "units": image.units, "n_nodes": len(path),
                      "cost": result.cost, "cost_function": cost, "layer_values": values, "n_visited": result.n_visited, "search_s": round(result.search_s, 6),
                      "output": str(args.output)}))
    return 0


def cmd_labels(args) -> int:
    from .labels import class_names, labkit_labels, render_labels, tws_labels, write_label_image, write_points_csv

    if args.convention != "snt" and (args.mode or args.classes):
        raise CLIError(f"--mode and --classes apply to --convention snt, not {args.convention}")
    recon = _existing_file(args.recon)
    tree = read_reconstruction(recon)
    like = read_image(_existing_file(args.like))
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


def _add_labels_command(sub) -> None:
    from .labels import CLASS_SCHEMES, MODES

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

    from .classify import FeatureSettings, default_scales, samples_from_paths, save_classifier, train

    image = read_image(_existing_file(args.image))
    tree = read_reconstruction(_existing_file(args.paths))
    background = None
    if args.background is not None:
        marked = read_image(_existing_file(args.background))
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

    from .classify import apply, load_classifier
    from .io.image import Image
    from .io.tiff import write_image

    image = read_image(_existing_file(args.image))
    classifier = load_classifier(_existing_file(args.model))
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


def _class_weights(text: str):
    from .classify import parse_class_weights

    try:
        return parse_class_weights(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _add_classify_commands(sub) -> None:
    from .labels import MODES

    classify = sub.add_parser("classify", help="pixel classification from traced paths (Labkit/TWS-style)")
    commands = classify.add_subparsers(dest="classify_command", required=True)
    frame = argparse.ArgumentParser(add_help=False)
    frame.add_argument("--frame", type=_at_least(1), default=1, help="1-based time frame (default 1)")

    train = commands.add_parser("train", parents=[frame],
                                help="train a random forest: one class per traced channel, and the background")
    train.add_argument("image", metavar="IMAGE", help="the TIFF the paths were traced on")
    train.add_argument("--paths", required=True, metavar="RECON", help="reconstruction (.swc or .traces)")
    train.add_argument("--background", metavar="LABELS.tif",
                       help="voxels marked as background (non-zero), added to those drawn beside and away from "
                            "the paths")
    train.add_argument("--mode", choices=MODES, default="skeleton",
                       help="label the paths' centrelines (skeleton, default) or their volumes from node radii")
    train.add_argument("--scales", type=_scales,
                       help="feature scales in physical units, e.g. 0.3,0.6,1.2 (default 1, 2, 4, 8 lateral voxels)")
    train.add_argument("--trees", type=_at_least(1), default=100, help="trees in the forest (default 100)")
    train.add_argument("--depth", type=_at_least(1), help="largest tree depth (default unlimited)")
    train.add_argument("--class-weight", type=_class_weights, default="balanced", metavar="WEIGHTS",
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
    apply.add_argument("--memory-budget", type=_at_least(1), default=1024, metavar="MB",
                       help="working memory in MiB (default 1024); the map itself goes to disk")
    apply.set_defaults(func=cmd_classify_apply)


def _seeds_read(args, image=None, no_image: str = "--like IMAGE"):
    """Read ``args.input`` as a seeds CSV in ``args.units``, calibrated by ``image`` when given.

    ``no_image`` says, in the error for ``--units voxel`` without an image, where the voxel size would come from.
    """
    from .seeds import read_seeds_csv

    if args.units == "voxel" and image is None:
        raise CLIError(f"{args.input}: --units voxel needs the image's voxel size ({no_image})")
    spacing = (1.0, 1.0, 1.0) if image is None else tuple(image.spacing[::-1])
    shape = None if image is None else image.shape_zyx
    return read_seeds_csv(_existing_file(args.input), units=args.units, spacing_xyz=spacing, shape_zyx=shape)


def _seeds_facts(read) -> dict:
    return {"n_seeds": len(read.seeds), "skipped": read.skipped,
            "problems": [{"line": line, "reason": why} for line, why in read.problems],
            "clamped": read.clamped, "out_of_bounds": read.out_of_bounds}


def cmd_seeds_from_labels(args) -> int:
    from .seeds import seeds_from_label_image, write_seeds_csv

    image = read_image(_existing_file(args.labels))
    volume = _channel_volume(image, args.labels, args.channel, args.frame)
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
    from .seeds import write_seeds_csv

    read = _seeds_read(args, read_image(_existing_file(args.like)) if args.like else None)
    write_seeds_csv(read.seeds, args.output)
    print(json.dumps({**_seeds_facts(read), "output": str(args.output)}, ensure_ascii=False))
    return 0


def cmd_seeds_import(args) -> int:
    from .auth.roles import PermissionDenied
    from .store import StoreError
    from .store.seeds import add_seeds

    store = _store(args)
    try:
        read = _seeds_read(args, store.image(args.project), f"project {args.project!r} has no image")
        record = add_seeds(store, args.project, args.user, read.seeds, replace=args.replace,
                           origin=Path(args.input).name)
    except (StoreError, PermissionDenied) as err:
        raise CLIError(str(err)) from None
    print(json.dumps({**_seeds_facts(read), "project": args.project, "version": record.version}, ensure_ascii=False))
    return 0


def cmd_seeds_export(args) -> int:
    from .seeds import write_seeds_csv
    from .store import StoreError
    from .store.seeds import load_seeds

    try:
        seeds = load_seeds(_store(args), args.project)
    except StoreError as err:
        raise CLIError(str(err)) from None
    write_seeds_csv(seeds, args.output)
    print(json.dumps({**seeds.summary(), "output": str(args.output)}, ensure_ascii=False))
    return 0


def _unit_interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {value}")
    return value


def _add_seeds_commands(sub) -> None:
    from .store.accounts import LOCAL_USER

    seeds = sub.add_parser("seeds", help="seeds (soma centres, tips) for autotracing: SNT's seeds CSV")
    commands = seeds.add_subparsers(dest="seeds_command", required=True)
    labels = commands.add_parser("from-labels", help="one seed per label of a labels image (cellpose, StarDist)")
    labels.add_argument("labels", metavar="LABELS.tif", help="a labels image, or a binary mask")
    labels.add_argument("-o", "--output", required=True, metavar="SEEDS.csv")
    labels.add_argument("--min-confidence", type=_unit_interval, default=0.1,
                        help="confidence of the smallest label (default 0.1); the largest gets 1.0")
    labels.add_argument("--type", default="soma", help="the seeds' type (default soma)")
    labels.add_argument("--binary", choices=("components", "single"), default="components",
                        help="a binary mask: one seed per 26-connected component (default) or one in all")
    labels.add_argument("--channel", type=_at_least(1), default=1, help="1-based channel (default 1)")
    labels.add_argument("--frame", type=_at_least(1), default=1, help="1-based time frame (default 1)")
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


def cmd_fit(args) -> int:
    from .fitting import apply_fits, fit_params, fit_tree

    # Checked before the files are read: a typo should not cost the read of a large image.
    if args.max_radius is not None and not 0 < args.max_radius < np.inf:
        raise CLIError(f"--max-radius must be a positive number, got {args.max_radius:g}")
    tree = read_reconstruction(_existing_file(args.recon))
    image = read_image(_existing_file(args.image))
    volume = _channel_volume(image, args.image, args.channel, args.frame)
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


def _add_fit_command(sub) -> None:
    from .fitting import SCOPES

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
    fit.add_argument("--channel", type=_at_least(1), default=1, help="1-based channel (default 1)")
    fit.add_argument("--frame", type=_at_least(1), default=1, help="1-based time frame (default 1)")
    fit.add_argument("-o", "--output", required=True, metavar="OUT.traces|OUT.swc")
    fit.set_defaults(func=cmd_fit)


def _finite(text: str) -> float:
    """An argparse type: a finite number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text}")
    return value


def _positive(text: str) -> float:
    """An argparse type: a finite number above zero."""
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _non_negative(text: str) -> float:
    """An argparse type: a finite number, zero or more."""
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected zero or more, got {text}")
    return value


def _curation_settings(args):
    from .curation import CurationSettings, read_preset

    return read_preset(_existing_file(args.preset))[0] if args.preset else CurationSettings()


def cmd_check(args) -> int:
    from .curation import full_scan, write_warnings_csv
    from .curation.warnings import severity_counts

    tree = read_reconstruction(_existing_file(args.recon))
    image = read_image(_existing_file(args.image)) if args.image else None
    result = full_scan(tree, _curation_settings(args), image)
    write_warnings_csv(result.warnings, args.output)
    print(json.dumps({"warnings": len(result.warnings), "by_severity": severity_counts(result.warnings),
                      "image_checks": image is not None, "units": tree.units, "output": str(args.output)},
                     ensure_ascii=False))
    return 0


def cmd_crossovers(args) -> int:
    from .curation import find_bundles, find_crossovers
    from .io.atomic import atomic_write
    from .io.csv_safe import csv_writer

    tree = read_reconstruction(_existing_file(args.recon))
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
    from .curation import write_partitions, write_warnings_csv

    if bool(args.recon) == bool(args.project):
        raise CLIError("give a reconstruction file or --project (one of them, not both)")
    facts = {}
    if args.project:
        from .store import StoreError
        from .store.curation import warnings_and_reviews

        store = _store(args)
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
        tree = read_reconstruction(_existing_file(args.recon))
        stem = Path(args.recon).stem
    written = write_partitions(tree, args.output, args.format, stem=stem)
    print(json.dumps({**facts, "partitions": written}, ensure_ascii=False))
    return 0


def cmd_calibrate(args) -> int:
    from .curation import calibrate, write_preset

    trees = [read_reconstruction(_existing_file(f)) for f in args.recons]
    try:
        settings = calibrate(trees, lower=args.lower, upper=args.upper)
    except ValueError as error:
        raise CLIError(str(error)) from None
    names = ", ".join(Path(f).name for f in args.recons)
    write_preset(settings, args.output, [Path(args.output).name, f"Calibrated from {len(trees)} reconstructions: "
                                         f"{names}", f"percentiles {args.lower:g} / {args.upper:g}"])
    print(json.dumps({"output": str(args.output), "reconstructions": len(trees)}, ensure_ascii=False))
    return 0


def _add_curation_commands(sub) -> None:
    check = sub.add_parser("check", help="run the Curation Assistant's plausibility checks: a warnings CSV")
    check.add_argument("recon", metavar="RECON", help="reconstruction (.swc or .traces), physical units")
    check.add_argument("--image", metavar="IMAGE", help="the traced TIFF: adds the signal checks")
    check.add_argument("--preset", metavar="FILE.curation", help="thresholds (SNT's .curation); SNT's defaults if "
                                                                 "omitted")
    check.add_argument("-o", "--output", required=True, metavar="warnings.csv")
    check.set_defaults(func=cmd_check)

    cross = sub.add_parser("crossovers", help="where unjoined paths cross or touch: an events CSV (x, y, z physical)")
    cross.add_argument("recon", metavar="RECON")
    cross.add_argument("--proximity", type=_positive, help="how close counts, physical units (default 2; bundles 3)")
    cross.add_argument("--min-run", type=_at_least(1), help="nodes a run needs (default 2; bundles 10)")
    cross.add_argument("--include-self", action="store_true", help="also paths crossing themselves")
    cross.add_argument("--bundles", action="store_true", help="find near-parallel runs instead")
    cross.add_argument("--max-angle", type=_positive, default=20.0, help="bundles: largest angle, degrees (default 20)")
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


def cmd_autotrace(args) -> int:
    from .autotrace import AutotraceSettings, autotrace
    from .seeds import read_seeds_csv

    from .tracing.layers import value_kind

    image = read_image(_existing_file(args.image))
    volume = _channel_volume(image, args.image, args.channel, args.frame)
    probability = False
    if args.layer:
        volume = _secondary_volume(args.layer, image)
        probability = value_kind(volume) == "probability"
    score_map = None if args.score_map == "none" else args.score_map
    if score_map not in (None, "auto", "tubeness", "frangi"):
        score_map = _secondary_volume(score_map, image)
    xyz = confidence = read = None
    if args.seeds:
        read = read_seeds_csv(_existing_file(args.seeds), units=args.seed_units,
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


def _add_autotrace_command(sub) -> None:
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
    auto.add_argument("--gap-penalty", type=_non_negative,
                      help="extra cost of each dark voxel bridged, 0 to 1 being the range of a foreground voxel's "
                           "(default 1, ours; 0: SNT's, whose routes jump between neighbouring neurites)")
    auto.add_argument("--no-centre", action="store_true",
                      help="SNT's geometry: no one-node soma, centring, straight forks or dropping of branches "
                           "inside other paths (ours)")
    auto.add_argument("--channel", type=_at_least(1), default=1, help="1-based channel")
    auto.add_argument("--frame", type=_at_least(1), default=1, help="1-based time frame")
    auto.add_argument("-o", "--output", required=True, metavar="OUT.traces", help="OUT.traces or OUT.swc")
    auto.set_defaults(func=cmd_autotrace)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="snt-web", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the app (the demo dataset when no IMAGE is given)")
    serve.add_argument("image", nargs="?", help="a TIFF image to open")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="where projects live (default ~/.snt-web)")
    serve.add_argument("--demo-readonly", action="store_true",
                       help="a public read-only demo: anonymous visitors may look, nobody may write")
    serve.add_argument("--secure-cookies", action="store_true", help="send cookies over HTTPS only")
    serve.add_argument("--workers", type=_at_least(0), default=1,
                       help="job worker processes to start beside the app (default 1; 0: none, run "
                            "snt-web worker instead); the celery backend starts none")
    for option, (variable, kind, what, _) in SERVE_OPTIONS.items():
        serve.add_argument(option, type=_positive_number(kind), metavar="N", help=f"{what} (sets ${variable})")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run jobs (filtering, export) in the foreground")
    worker.add_argument("--backend", choices=BACKENDS,
                        help="disk: the jobs in DATA_DIR/jobs (default, or $SNT_WEB_JOBS); "
                             "celery: Celery on Redis ($SNT_WEB_REDIS_URL), on any number of machines")
    worker.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                        help="where projects live (default ~/.snt-web; SNT_WEB_DATABASE_URL names another database)")
    worker.add_argument("--concurrency", type=_at_least(1), default=1, help="jobs run at once (default 1)")
    worker.set_defaults(func=cmd_worker)

    _add_account_commands(sub)

    info = sub.add_parser("info", help="print JSON facts about an image or a reconstruction")
    info.add_argument("file")
    info.set_defaults(func=cmd_info)

    conv = sub.add_parser("convert", help="convert SWC <-> .traces by extension")
    conv.add_argument("input")
    conv.add_argument("output")
    conv.set_defaults(func=cmd_convert)

    from .synth.kinds import KINDS

    demo = sub.add_parser("demo-data", help="render a synthetic stack: image.tif + truth.swc + seeds.csv")
    demo.add_argument("outdir")
    demo.add_argument("--kind", choices=tuple(KINDS), default="demo",
                      help="kind of data (default demo, the served demo's neuron); see snt_web.synth.kinds")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--shape", type=_shape, help="Z,Y,X (default the kind's: 48,256,256, anisotropic adapts Z)")
    demo.set_defaults(func=cmd_demo_data)

    trace = sub.add_parser("trace", help="trace the least-cost path between two points (A*, SNT's costs)")
    trace.add_argument("image")
    trace.add_argument("--from", dest="start", type=_triple, required=True, help="start X,Y,Z")
    trace.add_argument("--to", dest="goal", type=_triple, required=True, help="end X,Y,Z")
    trace.add_argument("--units", choices=("um", "voxel"), default="um",
                       help="units of --from/--to: physical (default, the image's unit) or voxel indices")
    trace.add_argument("--cost", choices=("reciprocal", "difference", "difference-squared", "probability"),
                       help="SNT's cost function (default: probability on a probability map, a TIFF of values in "
                            "[0, 1]; reciprocal otherwise)")
    trace.add_argument("--layer", default="raw",
                       help="raw (default), tubeness, frangi, gaussian, or a same-shaped TIFF (a probability map)")
    trace.add_argument("--scales", type=_scales, help="filter scales in physical units, e.g. 0.6,1.2")
    trace.add_argument("--channel", type=int, default=1, help="1-based channel")
    trace.add_argument("--frame", type=int, default=1, help="1-based time frame")
    trace.add_argument("-o", "--output", required=True, help="OUT.swc or OUT.traces")
    trace.set_defaults(func=cmd_trace)

    _add_labels_command(sub)
    _add_fit_command(sub)
    _add_classify_commands(sub)
    _add_seeds_commands(sub)
    _add_curation_commands(sub)
    _add_autotrace_command(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    # tifffile logs what it finds wrong in a file (a bad page offset) before raising; our one line says it.
    # A handler of its own keeps Python's last-resort handler from printing that to stderr; a worker's
    # logging setup still receives it.
    logging.getLogger("tifffile").addHandler(logging.NullHandler())
    try:
        return args.func(args)
    except (SNTWebIOError, CLIError, LimitConfigError) as err:
        print(f"snt-web: {err}", file=sys.stderr)
        return 2
    except MemoryError as err:
        name = getattr(args, "file", None) or getattr(args, "image", None) or args.command
        print(f"snt-web: {name}: not enough memory ({err or 'MemoryError'})", file=sys.stderr)
        return 2
    except OSError as err:
        name = err.filename or getattr(args, "file", None) or ""
        print(f"snt-web: {name}: {err.strerror or err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
