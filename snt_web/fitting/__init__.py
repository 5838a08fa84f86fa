"""Refine/Fit: snap paths onto the neurite centreline and fit radii from cross-sections (SNT's ``PathFitter``).

Pure functions on arrays: :func:`fit_path` and :func:`fit_tree` take the
image as a ``(z, y, x)`` array with its voxel size and return fitted
:class:`~snt_web.model.Path` objects in physical units; :func:`apply_fits`
puts them into a reconstruction as linked fitted versions (as SNT keeps them
in ``.traces``) or in place of the nodes.
"""

from .apply import apply_fits, fit_params
from .fit import SCOPES, NodeFits, default_max_radius, fit_nodes, fit_path, fit_tree, fittable_ids

__all__ = ["SCOPES", "NodeFits", "apply_fits", "default_max_radius", "fit_nodes", "fit_params", "fit_path",
           "fit_tree", "fittable_ids"]
