"""Tuning and checking the autotracer on the corpus: per kind, ours (from the soma seeds, without), skeleton, margin.

For choosing the autotracer's constants (issue 16), not a benchmark of
``python -m benchmarks``: per volume of :mod:`benchmarks.corpus` (kinds x
seeds) it runs :func:`snt_web.autotrace.autotrace` with the given settings
from the volume's soma seeds and, with ``--unseeded``, without seeds
(multi-cell where the stack has several cells), and the skeleton baseline
(:func:`benchmarks.bench_autotrace.skan_baseline`), and prints node F1,
precision, recall and seconds per volume and per kind (means), with the
margin over the skeleton and the issue's targets (margin >= 0.03; F1 >= 0.85
where the skeleton's is >= 0.80).

Usage::

    python -m benchmarks.tune_autotrace --seeds 101,102,103 [--kinds hard,faint] \
        [--set max_gap=5 --set connectivity=26] [--grid denoise=0.5,1.0 ...] [--unseeded] [--json out.json]

``--grid`` runs every combination of its values (on top of ``--set``) on
each volume and prints one table per combination after the volumes.

The skeleton's scores depend on the volume only, so they are kept in
``--cache`` (a JSON file) between runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import time
from pathlib import Path

import numpy as np

from snt_web.autotrace import AutotraceSettings, autotrace

from .bench_autotrace import skan_baseline
from .corpus import KINDS, SEEDS, node_score, synthetic_case

_CACHE = Path("/tmp/autotrace-skeleton-scores.json")


def _value(text: str):
    """A setting's value: JSON, or a bare word as a string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _combinations(pairs: list[str], grid: list[str]) -> list[tuple[str, AutotraceSettings]]:
    """Settings with the ``name=value`` overrides, once per combination of the ``name=v1,v2`` grid."""
    base = {name: _value(text) for name, _, text in (pair.partition("=") for pair in pairs)}
    axes = [(name, [_value(v) for v in text.split(",")]) for name, _, text in (g.partition("=") for g in grid)]
    out = []
    for values in itertools.product(*[v for _, v in axes]):
        changes = dict(base, **{name: v for (name, _), v in zip(axes, values)})
        label = ", ".join(f"{k}={v}" for k, v in changes.items()) or "defaults"
        out.append((label, dataclasses.replace(AutotraceSettings(), **changes)))
    return out


def _score(case, settings, **options) -> dict:
    began = time.perf_counter()
    try:
        score = node_score(autotrace(case.volume, case.spacing, settings=settings, **options).tree, case)
    except ValueError as err:
        score = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "error": str(err)}
    score["seconds"] = time.perf_counter() - began
    return score


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)))
    parser.add_argument("--set", action="append", default=[], help="a setting, name=value")
    parser.add_argument("--grid", action="append", default=[], help="a setting's values to try, name=v1,v2")
    parser.add_argument("--unseeded", action="store_true")
    parser.add_argument("--cache", type=Path, default=_CACHE)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    combinations = _combinations(args.set, args.grid)
    cache = json.loads(args.cache.read_text()) if args.cache.is_file() else {}
    rows: dict[str, list] = {label: [] for label, _ in combinations}
    print(f"{'volume':18s} {'F1':>6s} {'prec':>6s} {'recall':>6s} {'s':>5s} | {'unseed':>6s} | {'skel':>6s} "
          f"{'margin':>7s}")
    for kind in args.kinds.split(","):
        for seed in map(int, args.seeds.split(",")):
            case = synthetic_case(kind, seed)
            if case.name not in cache:
                cache[case.name] = node_score(skan_baseline(case.volume, case.spacing), case)
                args.cache.write_text(json.dumps(cache))
            for label, settings in combinations:
                row = {"kind": kind, "name": case.name, "skeleton": cache[case.name],
                       "seeded": _score(case, settings, seeds_xyz=case.seeds_xyz)}
                if args.unseeded:
                    row["unseeded"] = _score(case, settings, multi_cell=len(case.seeds_xyz) > 1)
                rows[label].append(row)
                _print(case.name if len(combinations) == 1 else f"{case.name} {label}", [row])
    for label, _ in combinations:
        print(f"means per kind, {label}:")
        for kind in args.kinds.split(","):
            _print(kind, [r for r in rows[label] if r["kind"] == kind], targets=True)
        _print("all", rows[label])
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


def _print(label: str, rows: list[dict], targets: bool = False) -> None:
    mean = {part: {key: float(np.mean([r[part][key] for r in rows]))
                   for key in ("f1", "precision", "recall", "seconds") if key in rows[0][part]}
            for part in ("seeded", "unseeded", "skeleton") if part in rows[0]}
    ours, skeleton = mean["seeded"], mean["skeleton"]
    margin = ours["f1"] - skeleton["f1"]
    unseeded = f"{mean['unseeded']['f1']:6.3f}" if "unseeded" in mean else f"{'-':>6s}"
    note = ""
    if targets:
        met = margin >= 0.03 and (skeleton["f1"] < 0.80 or ours["f1"] >= 0.85)
        note = "  MET" if met else "  NOT MET"
    print(f"{label:18s} {ours['f1']:6.3f} {ours['precision']:6.3f} {ours['recall']:6.3f} {ours['seconds']:5.1f} | "
          f"{unseeded} | {skeleton['f1']:6.3f} {margin:+7.3f}{note}", flush=True)


if __name__ == "__main__":
    main()
