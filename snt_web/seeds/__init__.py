"""Seeds: detector output (soma centres, tips, branch points) to curate and trace from.

:class:`Seeds` is a columnar table (physical x, y, z, confidence, radius,
channel, frame, type, source, a review mark and a stable id) with filters;
:func:`read_seeds_csv` / :func:`write_seeds_csv` speak SNT's seeds CSV;
:func:`seeds_from_label_image` makes one seed per label of a cellpose- or
StarDist-style labels image, or per connected component of a binary mask.
The project store keeps them (:mod:`snt_web.store.seeds`).
"""

from .csv import InvalidSeedsError, SeedsRead, read_seeds_csv, seeds_csv_text, write_seeds_csv
from .from_labels import (
    DEFAULT_MIN_CONFIDENCE,
    is_binary_mask,
    seeds_from_label_image,
    seeds_from_labels,
    seeds_from_mask,
)
from .table import EDITABLE, MARK_NAMES, MARKS, UNSET, Seeds, edited

__all__ = [
    "DEFAULT_MIN_CONFIDENCE", "EDITABLE", "InvalidSeedsError", "MARKS", "MARK_NAMES", "UNSET", "Seeds", "SeedsRead",
    "edited", "is_binary_mask", "read_seeds_csv", "seeds_csv_text", "seeds_from_label_image", "seeds_from_labels",
    "seeds_from_mask", "write_seeds_csv",
]
