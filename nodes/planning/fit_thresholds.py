"""Where a router's *none* threshold goes when ``Router.fit`` sets it, from training data alone.

Three cases, by what the training data holds (``Router.fit_rows`` picks one):

* **out-of-scope examples** (enough of them): the threshold for the wanted out-of-scope recall on
  them, with their scores cross-fitted (``threshold_from_training_oos``);
* **a handful of examples a route, none out of scope**: each route's examples held out in turn
  against generic requests (``threshold_from_examples``; the rule is ``fewshot.balanced_threshold``);
* **many routes of one example each**: nothing to hold out, so a fixed share of the generic
  requests is rejected (``threshold_from_background``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from crewline.nodes.planning.calibration import fit_temperature, oos_threshold
from crewline.nodes.planning.fewshot import (
    BACKGROUND_ONLY_RECALL,
    MAX_LOSS,
    SCORE_ONLY_MAX_LOSS,
    background_for,
    balanced_threshold,
)
from crewline.nodes.planning.router_model import RouterModel, raw_scores, route_centroids
from crewline.nodes.planning.sub_routes import fit_sub_routes
from crewline.nodes.planning.svm import fit_binary, fit_one_vs_rest

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = [
    "MIN_HELD_OUT",
    "threshold_from_background",
    "threshold_from_examples",
    "threshold_from_training_oos",
]

# Held-out examples needed to set the threshold from them: a crew of three routes with four
# examples each holds out a dozen, whose scores (fit on three) say little about unseen requests.
MIN_HELD_OUT = 50
_FOLDS = 5  # cross-fitting folds


def threshold_from_training_oos(
    model: RouterModel,
    matrix: csr_matrix,
    labels: np.ndarray,
    oos_texts: Sequence[str],
    recall: float,
    *,
    c: float,
    content_penalty: float | None,
    similarity_weight: float = 0.0,
) -> float:
    """The threshold for ``recall`` on the training's out-of-scope examples, cross-fitted.

    Each example's margin is its top route's score (routes never train on out-of-scope rows), plus
    ``similarity_weight`` times its similarity to that route's centroid, minus the score of an
    out-of-scope classifier fit without that example's fold.
    """
    oos_rows = np.flatnonzero(labels == len(model.routes))
    is_oos = labels == len(model.routes)
    margins = np.zeros(len(oos_rows))
    for fold in range(_FOLDS):
        out = np.arange(fold, len(oos_rows), _FOLDS)
        kept = np.ones(len(labels), dtype=bool)
        kept[oos_rows[out]] = False
        weights, bias = fit_binary(matrix[kept], is_oos[kept], c)
        for position in out.tolist():
            scores, _, sims = raw_scores(model, oos_texts[position], content_penalty)
            index, value = model.features.transform_one(oos_texts[position])
            oos_score = float(value @ weights[index]) + bias if index.size else bias
            closeness = similarity_weight * float(sims[int(scores.argmax())])
            margins[position] = float(scores.max()) + closeness - oos_score
    return oos_threshold(margins.tolist(), recall)


def threshold_from_examples(
    model: RouterModel,
    matrix: csr_matrix,
    labels: np.ndarray,
    texts: Sequence[str],
    *,
    c: float,
    content_penalty: float | None,
    temperature: float = 0.25,
    sub_labels: np.ndarray | None = None,
    similarity_weight: float = 0.0,
) -> tuple[float, float] | None:
    """``(threshold, temperature)`` from cross-fitted examples and generic requests (``fewshot``):
    the temperature by maximum likelihood on the same rows (an example's own route, a generic
    request's *none*). ``None`` (keep the scale default) for a single route, when no route has two
    examples, or when fewer than ``MIN_HELD_OUT`` examples can be held out. ``sub_labels``: each
    row's sub-route column, when ``model`` has sub-routes (refit in each fold too);
    ``similarity_weight``: the router's (``Router._none_score``), so that the threshold is placed on
    the statistic the router decides by: the top route's score plus that weight times its centroid
    similarity (the centroids of each fold's kept examples for a held-out one)."""
    counts = np.bincount(labels, minlength=len(model.routes))
    background = background_for(texts)
    if model.one_route or counts.max() < 2 or not background:  # one route: no ranking to hold out
        return None
    held_scores: list[np.ndarray] = []
    held_sims: list[np.ndarray] = []
    targets: list[int] = []
    # Each route's examples in turn: position p of a route is held out in fold p % _FOLDS.
    position = np.zeros(len(labels), dtype=np.int64)
    for route in range(len(model.routes)):
        rows = np.flatnonzero(labels == route)
        position[rows] = np.arange(rows.size) if rows.size >= 2 else -1
    for fold in range(min(_FOLDS, int(counts.max()))):
        held = (position >= 0) & (position % _FOLDS == fold)
        kept = ~held
        coef, intercept = fit_one_vs_rest(matrix[kept], labels[kept], len(model.routes), c)
        centroids = route_centroids(matrix[kept], labels[kept], len(model.routes))
        sub = None
        if model.sub is not None and sub_labels is not None:
            n_sub = model.sub.intercept.size
            sub = fit_sub_routes(matrix[kept], sub_labels[kept], model.sub.starts, n_sub, c)
        fold_model = RouterModel(model.features, coef, intercept, centroids, model.routes, False, False, sub)
        for row in np.flatnonzero(held).tolist():
            row_scores, _, row_sims = raw_scores(fold_model, texts[row], content_penalty)
            held_scores.append(row_scores)
            held_sims.append(row_sims)
            targets.append(int(labels[row]))
    if len(held_scores) < MIN_HELD_OUT:  # too few to estimate a loss from: the scale default
        return None
    scores = np.stack(held_scores)
    generic_raw = [raw_scores(model, text, content_penalty) for text in background]
    generic = np.stack([raw[0] for raw in generic_raw])
    tops = scores.argmax(axis=1)
    # What the top route's centroid similarity takes off *none* for each row (0 without the weight).
    bonus = similarity_weight * np.concatenate(
        [
            np.stack(held_sims)[np.arange(len(tops)), tops],
            np.asarray([raw[2][int(raw[0].argmax())] for raw in generic_raw], dtype=np.float32),
        ]
    )
    held_stat = scores.max(axis=1) + bonus[: len(tops)]
    threshold = balanced_threshold(
        held_stat.tolist(),
        (tops == np.asarray(targets)).tolist(),
        (generic.max(axis=1) + bonus[len(tops) :]).tolist(),
        max_loss=MAX_LOSS if similarity_weight else SCORE_ONLY_MAX_LOSS,
    )
    logits = np.vstack([scores, generic])
    logits = np.hstack([logits, (threshold - bonus)[:, None].astype(np.float32)])
    target = np.asarray([*targets, *[len(model.routes)] * len(generic)])
    return threshold, fit_temperature(logits, target, temperature)


def threshold_from_background(
    model: RouterModel, texts: Sequence[str], *, content_penalty: float | None
) -> float | None:
    """The threshold rejecting ``BACKGROUND_ONLY_RECALL`` of the generic requests (``fewshot``), or
    ``None`` when every generic request is one of ``texts``; the temperature keeps its default (no
    in-scope rows to fit it on)."""
    background = background_for(texts)
    if not background:
        return None
    margins = []
    for text in background:
        scores, none, _ = raw_scores(model, text, content_penalty)
        margins.append(float(scores.max()) - none)
    return oos_threshold(margins, BACKGROUND_ONLY_RECALL)
