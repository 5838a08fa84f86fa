"""Image filters for secondary tracing layers: Gaussian, Hessian eigenvalues, Tubeness (Sato), Frangi."""

from .gaussian import gaussian
from .hessian import hessian_eigenvalues, hessian_matrix
from .tubeness import frangi, tubeness

__all__ = ["gaussian", "hessian_matrix", "hessian_eigenvalues", "tubeness", "frangi"]
