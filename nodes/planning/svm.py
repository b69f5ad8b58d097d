"""The router's classifier: linear SVMs (scikit-learn's ``LinearSVC``), one route against the rest.

scikit-learn is imported by the fitting functions themselves: routing a fitted router needs numpy only.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["fit_binary", "fit_one_vs_rest"]

_THREADED = 2000  # from this many rows on, the classes are trained on two threads


def fit_binary(matrix: csr_matrix, positive: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """One linear SVM separating the ``positive`` rows from the others: ``(coef (dim,), intercept)``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=c, max_iter=2000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        svm.fit(matrix, positive.astype(np.int64))
    return np.asarray(svm.coef_[0], dtype=np.float32), float(svm.intercept_[0])


def fit_one_vs_rest(
    matrix: csr_matrix, labels: np.ndarray, n_columns: int, c: float
) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest linear SVMs as ``(coef (dim, n_columns), intercept)``.

    For many routes the classes are split over two threads: liblinear releases the GIL and a
    one-vs-rest classifier for class k is the same whatever the other classes are called, so each
    thread trains its half of the classes plus one merged ``rest`` class.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    def train(columns: Sequence[int]) -> tuple[list[int], np.ndarray, np.ndarray]:
        wanted = set(columns)
        rest = n_columns  # a label that is none of ``columns``
        y = np.where(np.isin(labels, list(wanted)), labels, rest) if len(wanted) < n_columns else labels
        svm = LinearSVC(C=c, max_iter=2000, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            # One example a class (a route or sub-route fit from one example) is meant, not a
            # regression target mistaken for classes.
            warnings.filterwarnings("ignore", message="The number of unique classes", category=UserWarning)
            svm.fit(matrix, y)
        classes = [int(k) for k in svm.classes_]
        coef = np.asarray(svm.coef_, dtype=np.float32)
        intercept = np.asarray(svm.intercept_, dtype=np.float32)
        if len(classes) == 2:  # binary: one hyperplane, positive side = classes[1]
            coef = np.vstack([-coef[0], coef[0]])
            intercept = np.asarray([-intercept[0], intercept[0]], dtype=np.float32)
        return classes, coef, intercept

    coef = np.zeros((matrix.shape[1], n_columns), dtype=np.float32)
    intercept = np.zeros(n_columns, dtype=np.float32)
    groups = (
        [list(range(0, n_columns, 2)), list(range(1, n_columns, 2))]
        if matrix.shape[0] >= _THREADED and n_columns >= 8
        else [list(range(n_columns))]
    )
    with ThreadPoolExecutor(max_workers=len(groups)) as pool:
        for classes, part_coef, part_intercept in pool.map(train, groups):
            for row, k in enumerate(classes):
                if k < n_columns:
                    coef[:, k] = part_coef[row]
                    intercept[k] = part_intercept[row]
    return coef, intercept
