"""Seeds at scale: 50,000 detections through CSV, the store and a table block; labels to seeds, in one run.

- reading a 50,000-row seeds CSV (with SNT's checks: line numbers, clamping,
  voxel units) against ``pandas.read_csv`` of the same file (no checks);
- the project store: adding 50,000 seeds (one transaction), loading them
  (first read, then cached), a bulk mark of half of them;
- one block of rows of the Seeds panel's grid (filter by confidence and
  type, sort by confidence, the 11th block of 100 rows) on 50,000 seeds;
- seeds from a 64 x 512 x 512 labels image of 2,000 balls against
  ``skimage.measure.regionprops`` (centroid and area of each label).

Targets (seeds issue): a table block well under 100 ms; store load under 1 s.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from skimage.measure import regionprops

from snt_web.seeds import Seeds, read_seeds_csv, seeds_from_labels, write_seeds_csv
from snt_web.store import LOCAL_USER, ProjectStore
from snt_web.store.seeds import add_seeds, load_seeds, mark_seeds
from snt_web.web.panels.seeds import BLOCK_ROWS, table_rows, visible_mask

from .timing import median_seconds

N_SEEDS = 50_000
LABELS_SHAPE = (64, 512, 512)
N_LABELS = 2_000


def _seeds(rng) -> Seeds:
    return Seeds.from_columns(rng.uniform(0, 500, (N_SEEDS, 3)), confidence=rng.uniform(0, 1, N_SEEDS),
                              radius=rng.uniform(0, 8, N_SEEDS),
                              type=rng.choice(["soma", "tip", "branchpoint"], N_SEEDS).tolist(), source="dl-detected")


def _labels(rng) -> np.ndarray:
    labels = np.zeros(LABELS_SHAPE, dtype=np.uint16)
    centres = rng.integers((4, 8, 8), np.array(LABELS_SHAPE) - (4, 8, 8), (N_LABELS, 3))
    zz, yy, xx = np.mgrid[-3:4, -6:7, -6:7]
    ball = (zz / 3.0) ** 2 + (yy / 6.0) ** 2 + (xx / 6.0) ** 2 <= 1
    for k, (z, y, x) in enumerate(centres, start=1):
        region = labels[z - 3:z + 4, y - 6:y + 7, x - 6:x + 7]
        region[ball] = k
    return labels


def main() -> None:
    rng = np.random.default_rng(0)
    seeds = _seeds(rng)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "seeds.csv"
        write_seeds_csv(seeds, csv)
        ours_s, read = median_seconds(lambda: read_seeds_csv(csv), 3)
        pandas_s, _ = median_seconds(lambda: pd.read_csv(csv), 3)
        print(f"read {N_SEEDS} seeds CSV: ours {ours_s:5.3f} s (checked, {read.skipped} skipped)   "
              f"pandas.read_csv {pandas_s:5.3f} s   ratio {pandas_s / ours_s:4.2f}x")

        store = ProjectStore(Path(tmp) / "data")
        store.create("bench", project_id="bench")
        add_s, _ = median_seconds(lambda: add_seeds(store, "bench", LOCAL_USER, seeds, replace=True), 1)
        fresh = ProjectStore(Path(tmp) / "data")
        load_s, stored = median_seconds(lambda: load_seeds(fresh, "bench"), 1)
        cached_s, _ = median_seconds(lambda: load_seeds(fresh, "bench"), 3)
        half = stored.id[stored.confidence < 0.5]
        mark_s, _ = median_seconds(lambda: mark_seeds(store, "bench", LOCAL_USER, half, "reject"), 1)
        print(f"store (SQLite): add {N_SEEDS} {add_s:5.2f} s   load {load_s:5.3f} s (target < 1 s)   "
              f"cached {cached_s * 1e3:5.1f} ms   bulk mark {len(half)} {mark_s:5.2f} s")

        def page():
            shown = stored.take(visible_mask(stored, (0.3, 0.9), ["soma", "tip"], None, None))
            return table_rows(shown, [{"colId": "confidence", "sort": "desc"}], 10 * BLOCK_ROWS, 11 * BLOCK_ROWS)

        page_s, rows = median_seconds(page, 5)
        print(f"table block of {N_SEEDS} seeds (filter, sort, {BLOCK_ROWS} rows): {page_s * 1e3:5.1f} ms "
              "(target < 100 ms)")
        store.engine.dispose()
        fresh.engine.dispose()

    labels = _labels(rng)
    spacing = (2.0, 0.5, 0.5)
    ours_s, found = median_seconds(lambda: seeds_from_labels(labels, spacing, name="bench"), 3)
    skimage_s, props = median_seconds(lambda: [(p.centroid, p.area) for p in regionprops(labels)], 1)
    assert len(found) == len(props)
    print(f"labels {LABELS_SHAPE} with {len(found)} labels to seeds: ours {ours_s:5.2f} s   "
          f"regionprops {skimage_s:5.2f} s   ratio {skimage_s / ours_s:4.1f}x")


if __name__ == "__main__":
    main()
