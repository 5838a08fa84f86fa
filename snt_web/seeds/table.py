"""The seed table: detector output (soma centres, tips, branch points) as columns.

One row per seed, SNT's fields (``SeedPoint``) plus a review mark and a
stable id: physical ``x, y, z`` (the image's unit, voxel index × spacing, no
half-voxel shift), ``confidence`` in [0, 1], ``radius`` (physical, 0 unknown),
1-based ``channel`` and ``frame`` (-1 unset), free-form ``type`` and
``source`` strings ("" unset). Columns are numpy arrays, so filtering 50,000
seeds is a few vector operations, not a loop over objects.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

#: Review marks and their codes in :attr:`Seeds.mark`.
MARKS = {"none": 0, "accept": 1, "reject": -1}
MARK_NAMES = {code: name for name, code in MARKS.items()}
UNSET = -1


def whole_number(value) -> int:
    """An integer, also from text such as ``"2.0"`` (as SNT's importer reads channel and frame).

    Raises
    ------
    ValueError, OverflowError
        Not a number, not whole, or infinite.
    """
    number = float(value)
    if number != int(number):
        raise ValueError(value)
    return int(number)


#: Columns a caller may edit, and how their values are read.
EDITABLE = {"x": float, "y": float, "z": float, "confidence": float, "radius": float,
            "channel": whole_number, "frame": whole_number, "type": str, "source": str, "mark": str}


@dataclass(eq=False)
class Seeds:
    """A columnar table of seeds; see the module docstring for the fields.

    Construct with :meth:`from_columns` (which fills defaults and applies
    SNT's rules: confidence NaN → 1 and clamped to [0, 1], radius negative or
    NaN → 0). Instances are treated as immutable: methods return new tables.
    """

    id: np.ndarray
    xyz: np.ndarray
    confidence: np.ndarray
    radius: np.ndarray
    channel: np.ndarray
    frame: np.ndarray
    type: np.ndarray
    source: np.ndarray
    mark: np.ndarray

    @classmethod
    def from_columns(cls, xyz, *, confidence=None, radius=None, channel=None, frame=None, type=None,
                     source=None, mark=None, id=None) -> Seeds:
        """A table from columns; omitted ones get their defaults.

        Parameters
        ----------
        xyz : array_like, shape (n, 3)
            Physical x, y, z.
        confidence, radius : array_like, optional
            Default 1.0 and 0.0.
        channel, frame : array_like of int, optional
            1-based; default -1 (unset).
        type, source : sequence of str or str, optional
            Default "" (unset); a single string applies to every seed.
        mark : array_like of int, optional
            Codes of :data:`MARKS`; default 0 (none).
        id : array_like of int, optional
            Stable ids; default 0, 1, ... n - 1.

        Raises
        ------
        ValueError
            Columns of different lengths, non-finite coordinates or unknown marks.
        """
        xyz = np.asarray(xyz, dtype=np.float64).reshape(-1, 3)
        n = len(xyz)
        if not np.isfinite(xyz).all():
            raise ValueError("seed coordinates must be finite")

        def column(values, default, dtype):
            if values is None or isinstance(values, str):
                return np.full(n, default if values is None else values, dtype=dtype)
            out = np.asarray(values, dtype=dtype).reshape(-1)
            if len(out) != n:
                raise ValueError(f"a seed column has {len(out)} values for {n} seeds")
            return out

        conf = column(confidence, 1.0, np.float64).copy()
        conf[np.isnan(conf)] = 1.0
        rad = column(radius, 0.0, np.float64).copy()
        rad[~(rad > 0)] = 0.0
        marks = column(mark, 0, np.int8)
        if not np.isin(marks, list(MARK_NAMES)).all():
            raise ValueError(f"seed marks must be codes {sorted(MARK_NAMES)}")
        ids = np.arange(n, dtype=np.int64) if id is None else column(id, 0, np.int64)
        return cls(
            id=ids, xyz=xyz, confidence=np.clip(conf, 0.0, 1.0), radius=rad,
            channel=column(channel, UNSET, np.int32), frame=column(frame, UNSET, np.int32),
            type=column(type, "", object), source=column(source, "", object), mark=marks,
        )

    @classmethod
    def empty(cls) -> Seeds:
        """A table of no seeds."""
        return cls.from_columns(np.empty((0, 3)))

    def __len__(self) -> int:
        return len(self.id)

    def take(self, index) -> Seeds:
        """The seeds at ``index`` (a boolean mask or integer positions), in that order."""
        return Seeds(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def with_ids(self, ids) -> Seeds:
        """The same seeds under new ``ids`` (one per seed)."""
        return replace(self, id=np.asarray(ids, dtype=np.int64).reshape(len(self)))

    def positions(self, ids) -> np.ndarray:
        """Row positions of the seeds with ``ids``.

        Raises
        ------
        KeyError
            Some id is not in the table (the first missing one is named).
        """
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        order = np.argsort(self.id, kind="stable")
        sorted_ids = self.id[order]
        at = np.searchsorted(sorted_ids, ids)
        found = at < len(sorted_ids)
        found[found] = sorted_ids[at[found]] == ids[found]
        if not found.all():
            raise KeyError(int(ids[~found][0]))
        return order[at]

    def filter_mask(self, confidence=(0.0, 1.0), types=None, sources=None, marks=None) -> np.ndarray:
        """Which seeds pass a filter, as SNT's "Visible" seeds and more.

        Parameters
        ----------
        confidence : (float, float)
            Inclusive confidence window ``[low, high]``.
        types, sources : collection of str, optional
            Keep only these types or sources ("" stands for unset); None keeps all.
        marks : collection of str, optional
            Keep only these review marks (names of :data:`MARKS`).

        Returns
        -------
        ndarray of bool
        """
        lo, hi = confidence
        keep = (self.confidence >= lo) & (self.confidence <= hi)
        if types is not None:
            keep &= np.isin(self.type, list(types))
        if sources is not None:
            keep &= np.isin(self.source, list(sources))
        if marks is not None:
            keep &= np.isin(self.mark, [MARKS[m] for m in marks])
        return keep

    def top_by_confidence(self, k: int) -> Seeds:
        """At most ``k`` seeds, the most confident first (SNT draws the top 20,000)."""
        if len(self) <= k:
            return self
        order = np.argsort(-self.confidence, kind="stable")[:k]
        return self.take(order)

    def nearest(self, point_xyz, max_distance: float) -> int | None:
        """Position of the seed nearest ``point_xyz`` within ``max_distance``, or None."""
        if not len(self):
            return None
        d2 = ((self.xyz - np.asarray(point_xyz, dtype=np.float64)) ** 2).sum(axis=1)
        i = int(np.argmin(d2))
        return i if d2[i] <= max_distance**2 else None

    def to_records(self) -> list[dict]:
        """One dict per seed: ``id, x, y, z, confidence, radius, channel, frame, type, source, mark`` (name)."""
        cols = {
            "id": self.id.tolist(), "x": self.xyz[:, 0].tolist(), "y": self.xyz[:, 1].tolist(),
            "z": self.xyz[:, 2].tolist(), "confidence": self.confidence.tolist(), "radius": self.radius.tolist(),
            "channel": self.channel.tolist(), "frame": self.frame.tolist(), "type": self.type.tolist(),
            "source": self.source.tolist(), "mark": [MARK_NAMES[int(m)] for m in self.mark],
        }
        return [dict(zip(cols, row)) for row in zip(*cols.values())]

    def summary(self) -> dict:
        """Counts for a CLI or a status line: seeds, by type and source, confidence range."""
        types, type_counts = np.unique(self.type.astype(str), return_counts=True)
        sources, source_counts = np.unique(self.source.astype(str), return_counts=True)
        return {
            "n_seeds": len(self),
            "types": dict(zip(types.tolist(), type_counts.tolist())),
            "sources": dict(zip(sources.tolist(), source_counts.tolist())),
            "confidence": [float(self.confidence.min()), float(self.confidence.max())] if len(self) else None,
        }


def edited(seeds: Seeds, positions, changes: dict) -> Seeds:
    """A copy of ``seeds`` with ``changes`` (column name → one value) set on the rows at ``positions``.

    Columns are those of :data:`EDITABLE` (``mark`` by name); values are
    checked and normalised as :meth:`Seeds.from_columns` does.

    Raises
    ------
    ValueError
        An unknown column or a value of the wrong kind (named).
    """
    cols = {f.name: getattr(seeds, f.name).copy() for f in fields(seeds)}
    for name, value in changes.items():
        if name not in EDITABLE:
            raise ValueError(f"seed column {name!r} cannot be edited; one of {', '.join(EDITABLE)}")
        try:
            value = EDITABLE[name](value)
        except (TypeError, ValueError, OverflowError):
            kind = {float: "a number", str: "text"}.get(EDITABLE[name], "a whole number")
            raise ValueError(f"seed {name}: {value!r} is not {kind}") from None
        if name in ("x", "y", "z"):
            cols["xyz"][positions, "xyz".index(name)] = value
        elif name == "mark":
            if value not in MARKS:
                raise ValueError(f"seed mark {value!r}: one of {', '.join(MARKS)}")
            cols["mark"][positions] = MARKS[value]
        else:
            cols[name][positions] = value
    return Seeds.from_columns(cols.pop("xyz"), **cols)
