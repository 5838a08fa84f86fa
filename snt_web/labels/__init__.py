"""Training data from reconstructions: label images and landmark tables.

Paths become label volumes for pixel classifiers (:func:`render_labels`:
skeletons or solid neurites, labelled by neurite, channel or path), the
labels SNT hands to Labkit and TWS (:func:`labkit_labels`,
:func:`tws_labels`), and tips, branch points and roots become a seeds CSV
(:func:`write_points_csv`). :func:`write_label_image` writes a label volume
as a calibrated TIFF with its class names.
"""

from .classes import CLASS_SCHEMES, class_names, path_label_ids
from .conventions import labkit_labels, tws_labels
from .export import classes_path, write_label_image
from .points import POINT_COLUMNS, path_points_table, write_points_csv
from .render import MODES, render_labels

__all__ = [
    "CLASS_SCHEMES",
    "MODES",
    "POINT_COLUMNS",
    "class_names",
    "classes_path",
    "labkit_labels",
    "path_label_ids",
    "path_points_table",
    "render_labels",
    "tws_labels",
    "write_label_image",
    "write_points_csv",
]
