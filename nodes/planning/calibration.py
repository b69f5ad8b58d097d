"""Calibration of the router's *none* threshold and softmax temperature from held-out rows.

Pure functions over scores, shared by ``Router.calibrate`` (rows the caller holds out) and the
router's own fit, which sets the threshold on cross-fitted scores of its out-of-scope examples, so
that a router fit without validation data still gets a threshold set for a wanted out-of-scope
recall rather than a guess about its scores' scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from crewline.errors import ConfigurationError

__all__ = ["fit_temperature", "oos_threshold", "softmax"]

_TEMPERATURES = np.geomspace(0.02, 2.0, 60)


def oos_threshold(oos_margins: Sequence[float], recall: float) -> float:
    """The lowest *none* threshold that sends ``recall`` of the out-of-scope rows to *none*.

    ``oos_margins``: each out-of-scope row's top route score minus its *none* score (before the
    threshold). The threshold lies halfway to the next margin, so it does not sit on a training
    row's exact value.
    """
    if not 0 < recall <= 1:
        raise ConfigurationError(f"oos_recall must be in (0, 1], not {recall!r}")
    margins = np.sort(np.asarray(oos_margins, dtype=np.float64))
    if margins.size == 0:
        raise ValueError("no out-of-scope rows to set the threshold on")
    k = min(len(margins), math.ceil(recall * len(margins) - 1e-9))
    cut = margins[k - 1]  # rows with margin <= cut go to none: k of them
    above = margins[k] if k < len(margins) else cut + 0.02
    return float((cut + above) / 2) if above > cut else float(cut + 1e-4)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=-1, keepdims=True))


def fit_temperature(logits: np.ndarray, target: np.ndarray, default: float) -> float:
    """The temperature (from a fixed grid) maximising the likelihood of ``target`` per row."""
    if logits.shape[0] == 0:
        return default
    best = (math.inf, default)
    rows = np.arange(len(target))
    for temperature in _TEMPERATURES:
        probs = softmax(logits / temperature)[rows, target]
        nll = float(-np.log(np.clip(probs, 1e-12, 1.0)).mean())
        best = min(best, (nll, float(temperature)))
    return best[1]
