"""A fitted random forest's class probabilities, without scikit-learn's per-tree bookkeeping.

``RandomForestClassifier.predict_proba`` runs each tree over the rows in
compiled code, then, holding the GIL, looks its leaves' class fractions up
into a new array and adds that to a shared sum under a lock. On a block of
voxels and a 100-tree forest that bookkeeping is about a third of the time,
and it serialises the threads. Here each thread walks its share of the trees
with the same compiled traversal (``Tree.apply``, what ``predict_proba``
runs) and adds the leaves' fractions into its own sum in a compiled loop that
releases the GIL; the sums are added at the end. The probabilities are those of
``predict_proba``, up to the order in which trees are summed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from sklearn.ensemble import RandomForestClassifier

__all__ = ["ForestTables"]


class ForestTables:
    """A forest's trees with the class fractions of their nodes, ready to predict.

    Parameters
    ----------
    forest : RandomForestClassifier
        Fitted, single-output.

    Examples
    --------
    >>> X = np.random.default_rng(0).random((50, 3), dtype=np.float32)
    >>> forest = RandomForestClassifier(5, random_state=0).fit(X, X[:, 0] > 0.5)
    >>> bool(np.allclose(ForestTables(forest).probabilities(X), forest.predict_proba(X)))
    True
    """

    def __init__(self, forest: RandomForestClassifier):
        self.trees = list(forest.estimators_)
        self.n_classes = int(forest.n_classes_)
        # Fractions of each node's (weighted) samples per class: what a leaf
        # votes. Normalised here, as predict_proba does, whatever the version
        # of scikit-learn stored.
        self.fractions = []
        for tree in self.trees:
            value = tree.tree_.value[:, 0, :]
            self.fractions.append(value / np.maximum(value.sum(axis=1, keepdims=True), np.finfo(float).tiny))

    def probabilities(self, X, *, n_jobs: int = 1) -> np.ndarray:
        """Mean over the trees of the class fractions of the leaf each row falls in.

        Parameters
        ----------
        X : ndarray of float32, shape (n, n_features)
            C-contiguous (the trees read it in place).
        n_jobs : int
            Threads, each walking its share of the trees.

        Returns
        -------
        ndarray of float64, shape (n, n_classes)
        """
        n_jobs = max(1, min(n_jobs, len(self.trees)))
        sums = [np.zeros((len(X), self.n_classes)) for _ in range(n_jobs)]

        def walk(j):
            for t in range(j, len(self.trees), n_jobs):
                # The tree's own compiled traversal, without the estimator's
                # checks: thousands of calls on a large volume.
                _add_leaf_fractions(sums[j], self.fractions[t], self.trees[t].tree_.apply(X))

        with ThreadPoolExecutor(n_jobs) as pool:
            for done in [pool.submit(walk, j) for j in range(n_jobs)]:
                done.result()
        total = sums[0]
        for other in sums[1:]:
            total += other
        total /= len(self.trees)
        return total

    def working_bytes(self, rows: int, n_jobs: int = 1) -> int:
        """Memory :meth:`probabilities` needs for ``rows`` rows: a sum per thread and one tree's leaf indices."""
        n_jobs = max(1, min(n_jobs, len(self.trees)))
        return 8 * rows * n_jobs * (self.n_classes + 1)


@numba.njit(cache=True, nogil=True)
def _add_leaf_fractions(sums, fractions, leaves):
    for i in range(leaves.size):
        for c in range(sums.shape[1]):
            sums[i, c] += fractions[leaves[i], c]
