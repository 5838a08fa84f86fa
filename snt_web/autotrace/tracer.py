"""``autotrace``: whole neurons from an image, APP2/GWDT-style, with seeds in SNT's three roles.

Per run: the image prepared (:mod:`~.foreground`: smoothed as its noise
calls for, its background subtracted, the threshold from the noise; not for
a probability map or SNT's pipeline), one gray-weighted distance transform
(waypoint bias applied), then per root fast marching, pruning (score map,
dark leaves and segments, hierarchical) and gaps bridged from the pruned
tree's tips (:mod:`~.reconnect`, re-pruned each round) or, for tips, the
union of routes to them, radii, smoothing and resampling, and the cell's
paths. Ours, not SNT's, unless ``centre`` is off (and ``gap_penalty`` 0):
the preparation and the bridging, the soma as one node at its centre, nodes
centred on the neurite, branches leaving their parents' axes in straight
lines, and no end branch lying inside other paths (but for routes to seeds).
Memory: the image, the prepared image (4 bytes a voxel, float32), the
distance transform (4), fast marching's arrays (9), a coverage mask (1) and,
for several cells, the territory (2): 20 bytes a voxel besides the image;
everything else grows with the nodes reached (and the soma's box, about 30
bytes a voxel of a box four soma radii wide).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import ndimage

from ..fitting import fit_nodes
from ..model import Path, Tree, physical_to_voxel
from .branching import drop_enclosed, tune_branches
from .cells import claim, detect_somas, territory_reach
from .foreground import prepare
from .marching import MarchArrays, gray_weighted_distance, march
from .paths import NodePath, decompose, resample, smooth
from .pruning import hierarchical_prune, prune_leaves, prune_terminal_segments
from .radius import node_radii
from .reconnect import bridge_gaps
from .scoring import adaptive_threshold, node_scores, score_scales
from .soma import one_node_soma
from .threshold import auto_threshold, map_threshold

__all__ = ["ROLES", "AutotraceSettings", "AutotraceResult", "autotrace"]

#: How seeds are used: one tree per ``root``; ``tip`` endpoints of one cell; ``waypoint`` soft attractors.
ROLES = ("root", "tip", "waypoint")
#: A detected soma's radius is at least this fraction of the largest detected one's.
SOMA_RADIUS_FRACTION = 0.6
#: A centred node keeps at least this fraction of the grey level around its
#: routed position (means of the 3 x 3 x 3 voxels around each), or it stays.
CENTRED_MIN_GREY = 0.9
#: SNT's smallest intensity length of a branch (sum of ``I / Imax`` along it).
SNT_MIN_INTENSITY_LENGTH = 5.0
#: The same on the prepared image (background 0), chosen on the synthetic
#: corpus (seeds 201-204): at 5, faint, anisotropic and beaded stacks lost
#: short branches and tips (node F1 -0.01 to -0.03), precision the same.
PREPARED_MIN_INTENSITY_LENGTH = 2.0


@dataclass(frozen=True)
class AutotraceSettings:
    """The tracer's parameters, SNT's defaults.

    Attributes
    ----------
    threshold : float, optional
        Background grey level; :func:`~.threshold.auto_threshold` when None.
    connectivity : {6, 18, 26}
        Fast marching's neighbourhood (SNT's "Medium", 18).
    max_gap : int
        Dark voxels bridged in a straight line (3).
    gap_penalty : float
        Added to fast marching's cost of each bridged dark voxel, in units of
        the intensity term (0 to 1): 1 makes it cost as two of the dimmest
        foreground voxels. Ours; SNT's is 0, with which a route jumps from
        one neurite to a neighbour a few dark voxels away rather than
        follow the foreground round: on the demo neurons, tips reached from
        a neighbouring branch (then pruned as short) and a branch reached
        by a jump that cuts its fork's corner. Gaps in a broken neurite,
        with no foreground route round, are still bridged.
    min_branch_intensity_length : float, optional
        Smallest intensity length (sum of ``I / Imax``) of a branch; None:
        SNT's 5 on the image as it is, :data:`PREPARED_MIN_INTENSITY_LENGTH`
        on the prepared image, whose background of 0 adds nothing to a
        branch's grey levels (on the raw demo it is a third of a neurite's).
    sr_ratio : float
        Branch sensitivity: signal over redundant grey levels a branch needs (0.3).
    overlap : float
        Covered fraction of a node's sphere that makes it redundant (0.1).
    score_threshold : float
        Score at or below which (radius-adapted) a node is low (0).
    smoothing : int
        Moving-average window along paths, nodes (5).
    resample_voxels : float
        Node spacing of the result, finest voxels (2).
    waypoint_strength : float
        Scales each waypoint's confidence into its bias (0.9).
    bias_radius_voxels : float
        Radius of a waypoint's biased sphere, voxels (2).
    territory_fraction : float
        A cell reaches this fraction of the distance to the nearest other
        soma (0.5; negative: unlimited).
    exclusion_voxels : int
        Buffer around a traced cell's voxels closed to the next cells (5).
    min_soma_distance_voxels : float
        Smallest distance between detected somas, finest voxels (25).
    min_paths_per_cell : int
        With several cells, a cell with fewer paths is dropped as no
        neuron (2).
    snap_voxels : int
        Seeds move to the strongest foreground voxel within this many voxels (2).
    centre : bool
        Put the result on the neurites' centrelines, in four steps that are
        ours, not SNT's (False, with ``gap_penalty`` 0, gives SNT's output):

        - the soma as one node, as SWC draws it: the root moves to the centre
          of the largest sphere inscribed in the soma and the nodes within
          the root's radius go, the routes out starting at the centre
          (:func:`~.soma.one_node_soma`);
        - each node moved to the centre of the neurite's cross section there
          (Refine/Fit's positions, :func:`~snt_web.fitting.fit_nodes`), unless
          the image is darker around the centre (below
          :data:`CENTRED_MIN_GREY` of the grey level around the node) or the
          node is in the soma: fast-marching routes cut the inside of bends
          and smoothing pulls nodes further in;
        - each branch leaves its parent's axis in a straight line, from where
          its own direction meets it (:func:`~.branching.tune_branches`):
          routes follow the parent's bright core past the fork and cut across;
        - end branches lying wholly inside other paths are dropped
          (:func:`~.branching.drop_enclosed`), but for routes to tip and
          waypoint seeds, which are never pruned.

        On the demo neurons they raise node F1 by up to 0.023.
    denoise : float, optional
        Smoothing before the threshold, finest voxels; None: from the noise
        over the signal (:func:`~.denoise.smoothing_sigma`). Ours, as the
        rest of the image's preparation (:mod:`~.foreground`), which SNT's
        pipeline (:attr:`snt_only`) and a probability map skip.
    subtract_background : bool
        Subtract the background's slow changes (:mod:`~.background`) and
        set the threshold from the noise (True), or smooth only and take
        SNT's threshold of the smoothed image.
    noise_sigmas : float
        Threshold in standard deviations of the smoothed noise (3).
    min_contrast : float
        Least threshold as a fraction of the bright foreground's level
        (0.1): on a clean stack the noise alone would put the threshold in
        the blur around bright neurites.
    denoise_scale : float
        The smoothing's width, finest voxels, at a noise equal to the signal (3).
    reconnect_voxels : float
        Gaps bridged from the tips of the pruned tree (and from orphan
        pieces towards it) up to this long, finest voxels (20; see
        :func:`~.reconnect.bridge_gaps`); on the prepared image only, not on
        a probability map nor with SNT's settings.
    reconnect_angle : float
        A bridge leaves a tip within this angle of its direction, degrees (60).
    reconnect_rounds : int
        Bridging, re-marching and pruning repeated at most this often (8).
    reconnect_piece_voxels : float
        A piece beyond a gap is kept when it reaches this many voxels (6)...
    reconnect_orphans : bool
        Also bridge pieces that point at the cell rather than away from a tip.
    reconnect_piece_mean : float
        ... and averages this multiple of the threshold (1.3).
    """

    threshold: float | None = None
    connectivity: int = 18
    max_gap: int = 3
    gap_penalty: float = 1.0
    min_branch_intensity_length: float | None = None
    sr_ratio: float = 0.3
    overlap: float = 0.1
    score_threshold: float = 0.0
    smoothing: int = 5
    resample_voxels: float = 2.0
    waypoint_strength: float = 0.9
    bias_radius_voxels: float = 2.0
    territory_fraction: float = 0.5
    exclusion_voxels: int = 5
    min_soma_distance_voxels: float = 25.0
    min_paths_per_cell: int = 2
    snap_voxels: int = 2
    centre: bool = True
    denoise: float | None = None
    subtract_background: bool = True
    noise_sigmas: float = 3.0
    min_contrast: float = 0.1
    denoise_scale: float = 3.0
    reconnect_voxels: float = 20.0
    reconnect_angle: float = 60.0
    reconnect_rounds: int = 8
    reconnect_piece_voxels: float = 6.0
    reconnect_orphans: bool = True
    reconnect_piece_mean: float = 1.3

    @property
    def snt_only(self) -> bool:
        """SNT's pipeline alone: ``centre`` off and ``gap_penalty`` 0 turn every step of ours off."""
        return not self.centre and self.gap_penalty == 0

    def intensity_length(self, prepared: bool) -> float:
        """The smallest intensity length of a branch on the image as it is or on the prepared one."""
        if self.min_branch_intensity_length is not None:
            return float(self.min_branch_intensity_length)
        return PREPARED_MIN_INTENSITY_LENGTH if prepared else SNT_MIN_INTENSITY_LENGTH


@dataclass
class AutotraceResult:
    """What :func:`autotrace` found.

    Attributes
    ----------
    tree : Tree
        One arbor per cell, physical coordinates (``units``), paths named
        ``Cell <k>`` and tagged with the source.
    threshold : float
        Background level of the image traced (:func:`traced_image`): of the
        image itself, or of the prepared one (smoothed, its background
        subtracted to 0).
    roots_zyx : ndarray of int (n, 3)
        Root voxel of each traced cell, in tracing order.
    territory : ndarray of int16 (z, y, x) or None
        For several cells: ``k`` where cell ``k`` claimed a voxel, ``-k`` in
        its exclusion buffer, 0 elsewhere.
    warnings : list of str
        Seeds that could not be used, cells with no tree.
    threshold_reason : str
        Why that threshold: ``"given"``, ``"estimated from the image"`` or
        ``"probability map"`` (:func:`~.threshold.map_threshold`).
    working_bytes : int
        Volume-sized working memory allocated (the image not counted).
    elapsed_s : float
    """

    tree: Tree
    threshold: float
    roots_zyx: np.ndarray
    territory: np.ndarray | None
    warnings: list[str] = field(default_factory=list)
    threshold_reason: str = "given"
    working_bytes: int = 0
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class _Soma:
    """A cell's soma: physical centre (x, y, z) and radius."""

    centre: np.ndarray
    radius: float


def autotrace(volume, spacing_zyx, *, seeds_xyz=None, confidence=None, role: str = "root", multi_cell: bool = False,
              score_map="auto", settings: AutotraceSettings = AutotraceSettings(), units: str = "µm",
              source: str = "autotrace", channel: int = 1, frame: int = 1, probability_map: bool = False,
              progress: Callable[[float, str], None] | None = None) -> AutotraceResult:
    """Trace whole neurons in ``volume``.

    Parameters
    ----------
    volume : ndarray (z, y, x)
        The image or a secondary layer (a probability map), bright neurites.
        A probability map (values in [0, 1]) should say so with
        ``probability_map``.
    spacing_zyx : sequence of 3 float
        Voxel size, array order, in ``units``.
    seeds_xyz : array_like (n, 3), optional
        Seeds, physical x, y, z.
    confidence : array_like (n,), optional
        Seed confidences in [0, 1] (1 when omitted): the order in which roots
        are traced (most confident first) and each waypoint's bias.
    role : {'root', 'tip', 'waypoint'}
        ``root``: one tree per seed. ``tip``: one cell from the detected
        soma, the union of its routes to the seeds, unpruned. ``waypoint``:
        one cell from the detected soma, its routes pulled towards the seeds
        (distance transform raised by ``a (max - gwdt)``, ``a = confidence x
        strength``, within the bias radius) and those routes never pruned.
    multi_cell : bool
        Several cells that must not overlap: roots are the seeds (role
        ``root``) or the detected somas; each cell's reach is limited and
        what it claims is closed to the next.
    score_map : {'auto', 'tubeness', 'frangi'}, ndarray or None
        Filter (of ``volume``) or map of the same shape whose values score
        nodes; None: no score filtering; ``'auto'``: the probability map
        itself when ``probability_map``, else tubeness (SNT's default).
    settings : AutotraceSettings
    units : str
    source : str
        Tag added to every path's name, ``{source}``.
    channel, frame : int
        1-based, recorded on the paths.
    probability_map : bool
        ``volume`` is a probability map: without a threshold in ``settings``,
        it is traced at the probability :func:`~.threshold.map_threshold`
        estimates rather than at a grey level estimated as for an image.
    progress : callable, optional
        ``progress(percent, message)``.

    Returns
    -------
    AutotraceResult

    Raises
    ------
    ValueError
        Bad arguments, or nothing above the threshold.
    """
    began = time.perf_counter()
    report = progress or (lambda percent, message: None)
    volume = np.asarray(volume)
    if volume.ndim != 3:
        raise ValueError(f"volume must be 3D (z, y, x), got shape {volume.shape}")
    spacing = np.asarray(spacing_zyx, dtype=float)
    if spacing.shape != (3,) or not np.all(spacing > 0):
        raise ValueError(f"spacing must be three positive numbers, got {spacing_zyx}")
    if role not in ROLES:
        raise ValueError(f"seed role must be one of {', '.join(ROLES)}, got {role!r}")
    if "{" in source or "}" in source:
        raise ValueError(f"source {source!r} cannot hold braces")
    seeds, weights = _seeds(seeds_xyz, confidence)
    if role != "root" and seeds is None:
        raise ValueError(f"role {role!r} needs seeds")
    warnings: list[str] = []

    if isinstance(score_map, str) and score_map == "auto":
        score_map = volume if probability_map else "tubeness"
    volume, threshold, reason, prepared = traced_image(volume, spacing, settings, probability_map)
    settings = replace(settings, min_branch_intensity_length=settings.intensity_length(prepared))
    report(2, f"threshold {threshold:g} ({reason})")
    gwdt = gray_weighted_distance(volume, threshold, settings.connectivity)
    max_gwdt = float(gwdt.max())
    if max_gwdt <= 0:
        raise ValueError(f"nothing in the image is above the threshold {threshold:g}")
    report(20, "distance transform done")

    seed_voxels = numbers = None
    if seeds is not None:
        seed_voxels, inside = _seed_voxels(seeds, spacing, volume.shape)
        for k in np.flatnonzero(~inside):
            warnings.append(f"seed {k + 1} ({', '.join(f'{v:g}' for v in seeds[k])}) lies outside the image")
        seed_voxels = np.array([_snap(gwdt, v, settings.snap_voxels) for v in seed_voxels]).reshape(-1, 3)
        weights, numbers = weights[inside], np.flatnonzero(inside) + 1  # 1-based, as the user listed them
    if role == "root" and seed_voxels is not None:
        roots = seed_voxels[np.argsort(-weights, kind="stable")]
    else:
        roots = _somas(volume, gwdt, spacing, threshold, multi_cell, settings)
    if role == "waypoint":
        _bias(gwdt, max_gwdt, seed_voxels, np.clip(weights * settings.waypoint_strength, 0, 1),
              settings.bias_radius_voxels)
    targets = seed_voxels if role in ("tip", "waypoint") else None

    arrays = MarchArrays(volume.shape)
    covered = np.zeros(volume.shape, dtype=np.uint8)
    territory = np.zeros(volume.shape, dtype=np.int16) if multi_cell else None
    working = ((volume.nbytes if prepared else 0) + gwdt.nbytes + arrays.nbytes + covered.nbytes
               + (territory.nbytes if multi_cell else 0))
    reach = territory_reach(roots, spacing, settings.territory_fraction) if multi_cell else np.full(len(roots), np.inf)
    imax = float(volume.max())
    paths: list[Path] = []
    reached_any = np.zeros(0 if targets is None else len(targets), dtype=bool)
    for k, root in enumerate(roots, 1):
        report(20 + 78 * (k - 1) / len(roots), f"tracing cell {k} of {len(roots)}")
        settled, touched = march(gwdt, max_gwdt, root, spacing, arrays, threshold=threshold,
                                 connectivity=settings.connectivity, max_gap=settings.max_gap,
                                 gap_penalty=settings.gap_penalty, territory=territory,
                                 reach=float(reach[k - 1]))
        bridged = np.zeros(0, dtype=np.int64)  # flat indices of bridge voxels
        # Gaps are bridged on the prepared image only: SNT's pipeline has no such step, and a probability
        # map's low threshold leaves haze that bridges would join (on the corpus's maps: precision 0.62-0.67
        # on two volumes with them, 0.94-1.0 without), while the classifier's features have bridged its gaps.
        rounds = settings.reconnect_rounds if prepared and role != "tip" else 0
        for attempt in range(rounds + 1):
            nodes = np.stack(np.unravel_index(settled, volume.shape), axis=1)
            parent = _parent_nodes(settled, arrays.parent[settled])
            chains = None
            if targets is not None:
                reached = arrays.state[_flat(targets, volume.shape)] == 2
                chains = _chains(parent, _node_of(settled, _flat(targets[reached], volume.shape)))
            radii = node_radii(volume, nodes, spacing, threshold)
            if role == "tip":
                keep = chains
                break
            keep = _pruned(volume, nodes, parent, radii, spacing, threshold, imax, score_map, chains, covered,
                           np.isin(settled, bridged), settings)
            grown = None if attempt == rounds else bridge_gaps(
                volume, gwdt, max_gwdt, root, nodes, parent, keep, settled, arrays, spacing, threshold=threshold,
                territory=territory, reach=float(reach[k - 1]), max_voxels=settings.reconnect_voxels,
                max_angle=settings.reconnect_angle, piece_voxels=settings.reconnect_piece_voxels,
                piece_mean=settings.reconnect_piece_mean,
                orphans=settings.reconnect_orphans, connectivity=settings.connectivity, max_gap=settings.max_gap,
                gap_penalty=settings.gap_penalty)
            if grown is None:
                break
            settled, touched, bridged = (np.concatenate(pair) for pair in zip((settled, touched, bridged), grown))
        if targets is not None:
            reached_any |= arrays.state[_flat(targets, volume.shape)] == 2
        arrays.reset(touched)
        occupied = np.flatnonzero(keep)  # the soma's inside too, for the territory
        points = (nodes * spacing)[:, ::-1]
        soma = None
        if settings.centre:  # node 0, the first settled, is the root
            centre, parent, keep = one_node_soma(volume, nodes, parent, keep, spacing, radii[0], threshold)
            points[0], soma = centre, _Soma(centre, radii[0])
        kept = np.flatnonzero(keep)
        if len(kept) < 2:
            warnings.append(f"cell {k}: nothing traced from the root at voxel {tuple(root.tolist())}")
            continue
        cell = _cell_paths(volume, points[kept], radii[kept], _parent_nodes(kept, parent[kept]), spacing,
                           settings, k, len(paths), source, channel, frame, soma, seeded=targets is not None)
        if territory is not None:
            if len(cell) < settings.min_paths_per_cell:
                warnings.append(f"cell {k}: {len(cell)} path(s) from the root at voxel {tuple(root.tolist())}, "
                                f"fewer than {settings.min_paths_per_cell}: dropped")
                continue
            claim(territory, k, nodes[occupied], radii[occupied, None] / spacing, settings.exclusion_voxels)
        paths.extend(cell)
    for j in np.flatnonzero(~reached_any):
        warnings.append(f"{role} seed {numbers[j]} is not reached from any root")
    tree = Tree(paths, spacing_xyz=tuple(float(s) for s in spacing[::-1]), units=units)
    return AutotraceResult(tree, threshold, np.asarray(roots, dtype=np.int64).reshape(-1, 3), territory, warnings,
                           reason, working, time.perf_counter() - began)


def traced_image(volume, spacing, settings: AutotraceSettings, probability_map: bool
                 ) -> tuple[np.ndarray, float, str, bool]:
    """The image :func:`autotrace` works on, its threshold, the threshold's reason, and whether the image is new.

    A probability map is traced as it is, at its :func:`~.threshold.map_threshold`
    (it has no noise or background of a microscope's); SNT's pipeline
    (``settings.snt_only``) traces the image as it is too; otherwise the image
    is smoothed and its background subtracted (:func:`~.foreground.prepare`).
    """
    given = settings.threshold is not None
    if probability_map or settings.snt_only:
        if given:
            return volume, float(settings.threshold), "given", False
        if probability_map:
            return volume, map_threshold(volume), "probability map", False
        return volume, auto_threshold(volume), "estimated from the image", False
    out = prepare(volume, spacing, sigma=settings.denoise, threshold=settings.threshold,
                  noise_sigmas=settings.noise_sigmas, min_contrast=settings.min_contrast,
                  sigma_scale=settings.denoise_scale, flatten=settings.subtract_background)
    return out.image, out.threshold, "given" if given else "estimated from the image", True


def _somas(volume, gwdt, spacing, threshold, multi_cell, settings) -> np.ndarray:
    """Root voxels when no seed is a root: every soma detected, or the strongest one."""
    if not multi_cell:
        return np.array([np.unravel_index(int(np.argmax(gwdt)), gwdt.shape)], dtype=np.int64)
    roots = detect_somas(gwdt, spacing, settings.min_soma_distance_voxels * spacing.min())
    # A thick dendrite near a soma can be as deep in the distance transform
    # (which counts voxel steps, few along a coarse z); its radius gives it away.
    radii = node_radii(volume, roots, spacing, threshold)
    return roots[radii >= SOMA_RADIUS_FRACTION * radii.max()]


def _seeds(seeds_xyz, confidence):
    if seeds_xyz is None:
        return None, None
    seeds = np.asarray(seeds_xyz, dtype=float).reshape(-1, 3) if len(seeds_xyz) else np.empty((0, 3))
    if not len(seeds):
        return None, None
    weights = np.ones(len(seeds)) if confidence is None else np.asarray(confidence, dtype=float).reshape(-1)
    if weights.shape != (len(seeds),):
        raise ValueError(f"{len(weights)} confidences for {len(seeds)} seeds")
    if not np.all(np.isfinite(seeds)) or not np.all((weights >= 0) & (weights <= 1)):
        raise ValueError("seed coordinates must be finite and confidences within [0, 1]")
    return seeds, weights


def _seed_voxels(seeds, spacing, shape):
    """Nearest voxel (z, y, x) of each seed, and which seeds lie inside the image."""
    voxels = physical_to_voxel(seeds, spacing)
    inside = np.all((voxels >= 0) & (voxels < np.asarray(shape)), axis=1)
    return voxels[inside], inside


def _snap(gwdt, voxel, radius: int) -> np.ndarray:
    """The voxel of largest distance transform within ``radius`` voxels (a box); ``voxel`` if all is background."""
    lo = np.maximum(voxel - radius, 0)
    hi = np.minimum(voxel + radius + 1, gwdt.shape)
    box = gwdt[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
    if box.max() <= 0:
        return voxel
    return lo + np.array(np.unravel_index(int(np.argmax(box)), box.shape))


def _bias(gwdt, max_gwdt, voxels, amounts, radius: float) -> None:
    """SNT's waypoint bias, in place: ``gwdt + a (max - gwdt)`` on the foreground within ``radius`` voxels."""
    reach = int(np.floor(radius))
    grid = np.stack(np.meshgrid(*[np.arange(-reach, reach + 1)] * 3, indexing="ij"), -1).reshape(-1, 3)
    grid = grid[(grid ** 2).sum(1) <= radius ** 2]
    for voxel, amount in zip(voxels, amounts):
        points = voxel + grid
        points = points[np.all((points >= 0) & (points < gwdt.shape), axis=1)]
        index = tuple(points.T)
        values = gwdt[index]
        gwdt[index] = np.where(values > 0, values + amount * (max_gwdt - values), values)


def _flat(voxels, shape) -> np.ndarray:
    return np.ravel_multi_index(tuple(np.asarray(voxels).reshape(-1, 3).T), shape)


def _node_of(numbers, wanted) -> np.ndarray:
    """Positions in ``numbers`` (distinct) of the values ``wanted``, which must all be there."""
    order = np.argsort(numbers, kind="stable")
    position = order[np.searchsorted(numbers[order], wanted).clip(0, len(numbers) - 1)]
    if np.any(numbers[position] != wanted):
        raise ValueError("a node's parent is not among the nodes")
    return position


def _parent_nodes(numbers, parents) -> np.ndarray:
    """Positions in ``numbers`` of each node's parent number; -1 for the root (parent -1).

    Pruning removes leaves or whole branches only, so every other parent is there.
    """
    out = np.full(len(parents), -1, dtype=np.int64)
    has = parents >= 0
    out[has] = _node_of(numbers, parents[has])
    return out


def _chains(parent, ends) -> np.ndarray:
    """Nodes on the routes from the root to each of ``ends``."""
    on = np.zeros(len(parent), dtype=bool)
    for node in ends:
        while node >= 0 and not on[node]:
            on[node] = True
            node = parent[node]
    return on


def _pruned(volume, nodes, parent, radii, spacing, threshold, imax, score_map, protected, covered, bridges,
            settings):
    """Which nodes survive score, dark and hierarchical pruning; ``covered`` is left clear.

    ``bridges`` (nodes bridging a gap) are neither dark nor low-scoring, as
    SNT's gap voxels count as just above the threshold, but add nothing to a
    branch's intensity length.
    """
    protected = np.zeros(len(parent), dtype=bool) if protected is None else protected
    grey = volume[tuple(nodes.T)].astype(np.float64)
    intensity = grey.copy()
    intensity[bridges] = np.maximum(grey[bridges], threshold + 0.01 * abs(threshold) + 1e-6)
    grey[bridges] = 0.0  # no signal: chained bridges do not add up to a branch
    dark = intensity <= threshold
    low = np.zeros(len(parent), dtype=bool)
    if score_map is not None:
        scores = node_scores(volume, nodes, spacing, score_map, score_scales(radii))
        low = scores <= adaptive_threshold(settings.score_threshold, radii / spacing.min())
        low[bridges] = False
    alive = prune_leaves(parent, np.ones(len(parent), dtype=bool), dark | low, protected)
    alive = prune_terminal_segments(parent, alive, intensity, threshold, low, protected)
    keep = hierarchical_prune(parent, alive, grey, nodes, radii[:, None] / spacing, protected, covered,
                              imax=imax, min_length=settings.min_branch_intensity_length,
                              overlap=settings.overlap, sr_ratio=settings.sr_ratio)
    # Cleared where this cell can have painted (its nodes' box grown by the
    # largest sphere), not whole: there may be thousands of cells.
    reach_voxels = np.ceil(radii.max() / spacing).astype(np.int64) + 1
    lo, hi = np.maximum(nodes.min(0) - reach_voxels, 0), nodes.max(0) + reach_voxels + 1
    covered[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] = 0
    return keep


def _centred(volume, spacing, pieces: list[NodePath], soma: _Soma) -> list[NodePath]:
    """Nodes moved to their cross-sections' centres, unless darker or in the soma; branches stay on their parents.

    Routes follow bright cores, and a centre should be brighter still; where
    two neurites run a micrometre or two apart, the cross-section holds both
    and its fit can settle in the dimmer gap between them. In the soma, the
    nodes are on straight lines from its centre already, and a cross-section
    of the soma says nothing of a neurite's centre.
    """
    out: list[NodePath] = []
    for piece in pieces:
        points = fit_nodes(volume, spacing, piece.points).centres
        fitted, routed = (_grey_around(volume, spacing, p) for p in (points, piece.points))
        stay = (fitted < CENTRED_MIN_GREY * routed) | (np.linalg.norm(piece.points - soma.centre, axis=1)
                                                       <= soma.radius)
        points[stay] = piece.points[stay]
        if piece.parent is not None:
            points[0] = out[piece.parent].points[piece.branch_index]
        out.append(NodePath(points, piece.radii, piece.parent, piece.branch_index))
    return out


def _grey_around(volume, spacing, points_xyz) -> np.ndarray:
    """Mean grey level of the 3 x 3 x 3 voxels around each physical point (linear interpolation)."""
    voxels = (np.asarray(points_xyz, dtype=float) / spacing[::-1])[:, ::-1]
    box = np.stack(np.meshgrid(*[np.arange(-1.0, 2.0)] * 3, indexing="ij"), -1).reshape(-1, 3)
    around = (voxels[:, None, :] + box).reshape(-1, 3)
    values = ndimage.map_coordinates(volume, around.T, output=np.float64, order=1, mode="nearest")
    return values.reshape(len(voxels), len(box)).mean(axis=1)


def _cell_paths(volume, points, radii, parent, spacing, settings, cell, first_id, source, channel, frame,
                soma, seeded: bool) -> list[Path]:
    step = settings.resample_voxels * spacing.min()
    pieces = resample(smooth(decompose(points, radii, parent), settings.smoothing), step)
    if settings.centre:
        pieces = tune_branches(_centred(volume, spacing, pieces, soma), step)
        if not seeded:  # routes to tips and waypoints are never pruned
            pieces = drop_enclosed(pieces)
    out = []
    for j, piece in enumerate(pieces):
        name = f"Cell {cell}" if piece.parent is None else f"Cell {cell} branch {j}"
        out.append(Path(first_id + j, piece.points, radii=piece.radii, name=f"{name} {{{source}}}",
                        channel=channel, frame=frame,
                        parent_id=None if piece.parent is None else first_id + piece.parent,
                        branch_index=piece.branch_index))
    return out
