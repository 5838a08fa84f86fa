"""Accuracy on a corpus of kinds of data: autotracing, the classifier, Refine/Fit and semi-automatic tracing.

Every constant of the tracer, autotracer, classifier and fit is chosen on
this corpus (:mod:`benchmarks.corpus`): 7 kinds of synthetic data
(:data:`snt_web.synth.kinds.KINDS` but the demo: bright, faint, beaded, noisy,
dense, anisotropic, hard) x 3 volumes (seeds 101-103; the demo's 0-7 are not
used), plus the real stacks with a reconstruction in ``../shared/data``
(SpotSpine, snake, TreeV, 810; those absent are skipped). Held-out seeds of
the same kinds judge the result. Per kind (mean over its volumes; per volume
with ``--verbose``):

- **autotrace**: node F1 at 2 voxels after resampling
  (:func:`snt_web.autotrace.node_f1`) of ``autotrace`` with its defaults on
  the raw image from the soma seeds, without seeds (multi-cell where the
  stack has several cells), on the Gaussian layer (the Tracing panel's
  default scale) from the seeds, and the baselines of
  :mod:`benchmarks.bench_autotrace` (threshold, largest component,
  skeletonize + skan; kimimaro's TEASAR); the margin ours (raw, seeded)
  minus skeleton;
- **classifier**: a classifier trained as the Classifier panel does with
  its defaults on another volume of the kind (seed 100) and its truth,
  applied to each volume: voxel F1 of its map at 0.5 against the volumetric
  truth and the map's coverage (its voxels over the truth's); the loop's node
  F1: ``autotrace`` with defaults on the map from the soma seeds;
- **fit**: the truth's neurites pushed up to 1.5 lateral voxels off their
  centreline, radii dropped, fitted by ``fit_tree`` with defaults: share of
  nodes within 1 lateral voxel of the centreline, median radius error;
- **semiauto**: up to 12 pairs of truth nodes 30-60 voxel steps apart along
  truth paths, traced by ``trace_path`` with the default cost on the raw
  image, tubeness (default scale) and the classifier's map: share of paths
  with >= 95% of their voxels within 2 voxels of the truth.

The real stacks get what their truth allows: no classifier (one volume of
each) and no fit (their radii are another method's estimate); 810's tracing
covers one neurite of many, so it is scored on tracing between its nodes only.

Targets (issue 16), marked MET / NOT MET per kind: map F1 >= 0.85; loop node
F1 >= 0.90; raw node F1 >= skeleton + 0.03, and >= 0.85 where the skeleton's
is >= 0.80; fit >= 90% within 1 lateral voxel and median radius error <= 0.5
voxel; semi-auto >= 95% of paths on every layer.

Options: ``--kinds a,b`` (``real`` for the real stacks), ``--seeds``,
``--quick`` (one volume per kind, no kimimaro, no real stacks unless named),
``--only autotrace,classifier,fit,semiauto``, ``--shape Z,Y,X`` (smaller
volumes, to try the bench), ``--verbose``, ``--json OUT``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from snt_web.autotrace import autotrace
from snt_web.tracing.layers import default_cost, filtered_layer

from .bench_autotrace import kimimaro_baseline, skan_baseline
from .corpus import (KINDS, SEEDS, TRAIN_SEED, Case, fit_score, neurite_probability, node_pairs, node_score,
                     real_cases, semiauto_score, synthetic_case, train_classifier, voxel_score)

PARTS = ("autotrace", "classifier", "fit", "semiauto")
LAYERS = ("raw", "tubeness", "map")
# (label, the value it is about, whether a kind's means meet it): the targets.
TARGETS = (
    ("map F1 >= 0.85", lambda m: _at(m, "classifier.f1"), lambda m: _at(m, "classifier.f1") >= 0.85),
    ("loop node F1 >= 0.90", lambda m: _at(m, "loop.f1"), lambda m: _at(m, "loop.f1") >= 0.90),
    ("raw >= skeleton + 0.03", lambda m: _at(m, "autotrace.margin"), lambda m: _at(m, "autotrace.margin") >= 0.03),
    ("raw >= 0.85 where skeleton >= 0.80", lambda m: _at(m, "autotrace.raw.f1"),
     lambda m: _at(m, "autotrace.skeleton.f1") < 0.80 or _at(m, "autotrace.raw.f1") >= 0.85),
    ("fit >= 90% within 1 voxel", lambda m: _at(m, "fit.within_1_voxel"),
     lambda m: _at(m, "fit.within_1_voxel") >= 0.90),
    ("fit radius error <= 0.5 voxel", lambda m: _at(m, "fit.median_radius_error"),
     lambda m: _at(m, "fit.median_radius_error") <= 0.5),
    *((f"semi-auto {layer} >= 95% of paths", (lambda m, layer=layer: _at(m, f"semiauto.{layer}.followed")),
       (lambda m, layer=layer: _at(m, f"semiauto.{layer}.followed") >= 0.95)) for layer in LAYERS),
)


def _at(metrics: dict, key: str) -> float:
    """A metric by dotted path; NaN where it was not measured."""
    value = metrics
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return float("nan")
        value = value[part]
    return float(value)


def _traced(volume, case: Case, **options) -> dict:
    """Node scores of ``autotrace`` with its defaults; zero (and the reason) where it refuses the volume."""
    try:
        return node_score(autotrace(volume, case.spacing, **options).tree, case)
    except ValueError as err:  # nothing above the threshold
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "error": str(err)}


def measure(case: Case, parts, classifier=None, with_kimimaro: bool = True) -> dict:
    """Every score of ``parts`` that ``case`` allows, the seconds each part took, and a synthetic case's conditions."""
    out = {"name": case.name, "kind": case.kind, "seconds": {}}
    if case.synthetic is not None:
        out["conditions"] = case.synthetic.conditions.to_json()
        out["snr"] = case.synthetic.snr
    seeds = case.seeds_xyz
    if "autotrace" in parts and case.complete:
        began = time.perf_counter()
        scores = {"raw": _traced(case.volume, case, seeds_xyz=seeds),
                  "raw_unseeded": _traced(case.volume, case, multi_cell=len(seeds) > 1),
                  "gaussian": _traced(filtered_layer(case.volume, "gaussian", case.spacing), case, seeds_xyz=seeds),
                  "skeleton": node_score(skan_baseline(case.volume, case.spacing), case)}
        if with_kimimaro:
            scores["kimimaro"] = node_score(kimimaro_baseline(case.volume, case.spacing), case)
        scores["margin"] = scores["raw"]["f1"] - scores["skeleton"]["f1"]
        out["autotrace"], out["seconds"]["autotrace"] = scores, time.perf_counter() - began
    probability = None
    if classifier is not None and case.mask is not None:
        began = time.perf_counter()
        probability = neurite_probability(classifier, case)
        out["classifier"] = voxel_score(probability >= 0.5, case.mask)
        # As the app traces a classifier's map: at the map's threshold, the map as its score map.
        out["loop"] = _traced(probability, case, seeds_xyz=seeds, probability_map=True)
        out["seconds"]["classifier"] = time.perf_counter() - began
    if "fit" in parts and case.synthetic is not None:
        began = time.perf_counter()
        out["fit"], out["seconds"]["fit"] = fit_score(case), time.perf_counter() - began
    if "semiauto" in parts:
        began = time.perf_counter()
        pairs = node_pairs(case)
        layers = {"raw": case.volume, "tubeness": filtered_layer(case.volume, "tubeness", case.spacing)}
        if probability is not None:
            layers["map"] = probability
        # The app's cost per layer (SNT's probability cost on a probability map, the reciprocal elsewhere).
        out["semiauto"] = {name: semiauto_score(layer, case, pairs,
                                                cost=default_cost("probability" if name == "map" else "image"))
                           for name, layer in layers.items()}
        out["seconds"]["semiauto"] = time.perf_counter() - began
    return out


def kind_means(results: list[dict]) -> dict:
    """The mean of every numeric metric over a kind's volumes (nested as the volumes' are)."""
    def merge(values):
        if all(isinstance(v, dict) for v in values):
            keys = [k for k in values[0] if all(k in v for v in values)]
            return {k: merge([v[k] for v in values]) for k in keys}
        if all(isinstance(v, (int, float)) for v in values):
            return float(np.mean(values))
        return None

    metrics = [{k: v for k, v in r.items() if k not in ("name", "kind", "conditions")} for r in results]
    return {k: v for k, v in merge(metrics).items() if v is not None}


def _row(label: str, values, width: int = 8) -> str:
    cells = ["     n/a" if v is None or np.isnan(v) else f"{v:{width}.3f}" for v in values]
    return f"  {label:16s}" + " ".join(cells)


def _table(title: str, columns: list[tuple[str, str]], rows: list[tuple[str, dict]]) -> None:
    print(title)
    print("  " + " " * 16 + " ".join(f"{name:>8s}" for name, _ in columns))
    for label, metrics in rows:
        print(_row(label, [_at(metrics, key) for _, key in columns]))


def report(results: list[dict], verbose: bool) -> dict:
    """Print the tables per kind (and per volume); return the means per kind."""
    kinds = list(dict.fromkeys(r["kind"] for r in results if r["kind"] != "real"))
    means = {kind: kind_means([r for r in results if r["kind"] == kind]) for kind in kinds}
    rows = [(kind, means[kind]) for kind in kinds] + [(r["name"], r) for r in results if r["kind"] == "real"]
    if verbose:
        rows += [(f"  {r['name']}", r) for r in results if r["kind"] != "real"]
    _table("autotrace, node F1 at 2 voxels (raw: from the soma seeds; margin: raw - skeleton, target >= +0.03):",
           [("SNR", "snr"), ("raw", "autotrace.raw.f1"), ("precis.", "autotrace.raw.precision"),
            ("recall", "autotrace.raw.recall"),
            ("no seeds", "autotrace.raw_unseeded.f1"), ("gaussian", "autotrace.gaussian.f1"), ("loop", "loop.f1"),
            ("skeleton", "autotrace.skeleton.f1"), ("kimimaro", "autotrace.kimimaro.f1"),
            ("margin", "autotrace.margin")], rows)
    _table("classifier (trained on seed 100 of the kind), map at 0.5 against the volumetric truth (target F1 >= 0.85):",
           [("F1", "classifier.f1"), ("precis.", "classifier.precision"), ("recall", "classifier.recall"),
            ("coverage", "classifier.coverage")], rows)
    _table("Refine/Fit from the truth pushed off by up to 1.5 lateral voxels (targets >= 0.90, <= 0.5 voxel):",
           [("within 1", "fit.within_1_voxel"), ("radius", "fit.median_radius_error"),
            ("pushed", "fit.displaced_median")], rows)
    _table("semi-automatic tracing between truth nodes: share of paths >= 95% on the truth (target >= 0.95):",
           [(layer, f"semiauto.{layer}.followed") for layer in LAYERS] + [("pairs", "semiauto.raw.pairs")], rows)
    print("targets per kind (MET / NOT MET; - where not measured):")
    print("  " + " " * 36 + " ".join(f"{kind[:11]:>11s}" for kind in kinds))
    met = total = 0
    for label, value, test in TARGETS:
        cells = []
        for kind in kinds:
            if np.isnan(value(means[kind])):
                cells.append(f"{'-':>11s}")
                continue
            ok = bool(test(means[kind]))
            met, total = met + ok, total + 1
            cells.append(f"{'MET' if ok else 'NOT MET':>11s}")
        print(f"  {label:36s}" + " ".join(cells))
    print(f"  {met} of {total} targets met")
    return means


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_accuracy", description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", help=f"comma-separated, of {', '.join(KINDS)} and real (default all)")
    parser.add_argument("--seeds", help=f"comma-separated (default {','.join(map(str, SEEDS))})")
    parser.add_argument("--quick", action="store_true", help="one volume per kind, no kimimaro, no real stacks")
    parser.add_argument("--only", help=f"comma-separated parts, of {', '.join(PARTS)} (default all)")
    parser.add_argument("--shape", help="Z,Y,X of the synthetic volumes (default each kind's)")
    parser.add_argument("--verbose", action="store_true", help="also each volume's numbers")
    parser.add_argument("--json", metavar="OUT", help="write every number to this JSON file")
    args = parser.parse_args(argv)
    kinds = args.kinds.split(",") if args.kinds else [*KINDS] + ([] if args.quick else ["real"])
    parts = args.only.split(",") if args.only else list(PARTS)
    for name, given, allowed in (("kind", kinds, (*KINDS, "demo", "real")), ("part", parts, PARTS)):
        unknown = set(given) - set(allowed)
        if unknown:
            parser.error(f"unknown {name}: {', '.join(sorted(unknown))}")
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else list(SEEDS)
    if args.quick:
        seeds = seeds[:1]
    shape = tuple(int(n) for n in args.shape.split(",")) if args.shape else None
    return args, kinds, parts, seeds, shape


def main(argv=None) -> dict:
    """Run the bench (``argv``: the options above; none: the full bench) and return every number."""
    args, kinds, parts, seeds, shape = _arguments(argv)
    began = time.perf_counter()
    print(f"accuracy on the corpus: kinds {', '.join(kinds)}; seeds {', '.join(map(str, seeds))}; "
          f"parts {', '.join(parts)}")
    results = []
    for kind in kinds:
        cases = real_cases() if kind == "real" else [synthetic_case(kind, seed, shape) for seed in seeds]
        classifier = None
        if "classifier" in parts and kind != "real":
            classifier = train_classifier(synthetic_case(kind, TRAIN_SEED, shape))
        for case in cases:
            results.append(measure(case, parts, classifier, with_kimimaro=not args.quick))
            if args.verbose:
                seconds = ", ".join(f"{k} {v:.1f} s" for k, v in results[-1]["seconds"].items())
                print(f"  measured {case.name}: {seconds}", flush=True)
    means = report(results, args.verbose)
    elapsed = time.perf_counter() - began
    print(f"bench_accuracy took {elapsed:.0f} s")
    out = {"kinds": means, "volumes": results, "elapsed_s": elapsed, "parts": parts, "seeds": seeds}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
    return out


if __name__ == "__main__":
    main()
