"""The lexical router's fitted state and what it returns: plain data, no fitting code.

``RouterModel`` is what ``Router.fit`` produces and an artifact (``artifact.py``) stores;
``RouteScore`` is one routing decision; ``Calibration`` records how a threshold was set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from crewline.nodes.planning.features import TextFeatures
from crewline.nodes.planning.router_content import content_columns, shares_content_stem

if TYPE_CHECKING:  # fitting makes sparse matrices; routing is numpy only (features.py)
    from scipy.sparse import csr_matrix

__all__ = [
    "Calibration",
    "RouteScore",
    "RouterModel",
    "SubRoutes",
    "raw_scores",
    "route_centroids",
    "shared_content",
]

_ONE_ROUTE_FLOOR = 0.15  # with a single route: cosine similarity that scores 0
_ONE_ROUTE_UNSHARED = 8.0  # a single route's score lacking a shared content word: far under any threshold


@dataclass(frozen=True)
class RouteScore:
    route: str | None  # None: out of scope
    confidence: float  # in [0, 1]: P(route), or for None P(out of scope)
    similarity: float  # cosine similarity to the centroid of the top route's examples
    ranking: tuple[tuple[str, float], ...]  # every route with its probability, best first


@dataclass(frozen=True)
class Calibration:
    threshold: float
    temperature: float
    rows: int
    oos_rows: int


@dataclass
class SubRoutes:
    """Finer labels inside the routes (a domain's intents, a specialist's skills): one linear SVM
    each, grouped by route; a route's score adds its best sub-route's score. A route that spans
    several kinds of request is then matched by the kind a request resembles, not only by the
    average of them all."""

    coef: np.ndarray  # (dim, n_sub) float32
    intercept: np.ndarray  # (n_sub,) float32
    starts: np.ndarray  # (n_routes,) int64: each route's first sub-route column, ascending


@dataclass
class RouterModel:
    features: TextFeatures
    coef: np.ndarray  # (dim, n_columns) float32; columns: routes, then the oos class if trained
    intercept: np.ndarray  # (n_columns,) float32
    centroids: np.ndarray  # (dim, n_routes) float32, L2-normalised route centroids
    routes: list[str]
    has_oos: bool
    one_route: bool
    sub: SubRoutes | None = None


def route_centroids(matrix: csr_matrix, labels: np.ndarray, n_routes: int) -> np.ndarray:
    centroids = np.zeros((matrix.shape[1], n_routes), dtype=np.float32)
    for index in range(n_routes):
        rows = labels == index
        if not rows.any():
            continue
        centroid = np.asarray(matrix[rows].mean(axis=0)).ravel()
        norm = float(np.linalg.norm(centroid))
        centroids[:, index] = centroid / norm if norm else centroid
    return centroids


def _shared(model: RouterModel, index: np.ndarray) -> np.ndarray:
    """Per route: whether one of its examples has one of the content features at ``index``."""
    content = index[content_columns(model.features)[index]]
    return np.asarray((model.centroids[content] > 0).any(axis=0), dtype=bool)


def shared_content(model: RouterModel, text: str) -> np.ndarray:
    """Per route: whether ``text`` shares a content word or concept with one of its examples."""
    index, _ = model.features.transform_one(text)
    return _shared(model, index)


def raw_scores(
    model: RouterModel, text: str, content_penalty: float | None
) -> tuple[np.ndarray, float, np.ndarray]:
    """The routes' scores, the *none* score before the threshold, and the centroid similarities."""
    index, value = model.features.transform_one(text)
    sims = value @ model.centroids[index] if index.size else np.zeros(len(model.routes), np.float32)
    if model.one_route:  # no second class to separate from: the score is closeness to its examples
        scores = ((sims - _ONE_ROUTE_FLOOR) * 4.0).astype(np.float32)
    elif index.size:
        scores = value @ model.coef[index] + model.intercept
    else:
        scores = model.intercept.copy()
    if model.sub is not None and not model.one_route:
        sub = value @ model.sub.coef[index] + model.sub.intercept if index.size else model.sub.intercept
        scores[: model.sub.starts.size] += np.maximum.reduceat(sub, model.sub.starts)
    if content_penalty:
        # A route none of whose examples shares a content word with the text is unlikely to be
        # it, however well the function words fit ("what is the capital of France").
        shared = _shared(model, index)
        # With a single route there is no rival to outscore, only closeness to a handful of
        # examples, which function words alone can make ("what is the balance for customer X" vs
        # "what's the weather in Oslo"): a request sharing no content word or concept is not its.
        # An inflection counts ("repeat banana split" vs "repeats what you say").
        penalty = content_penalty
        if model.one_route:
            shared = shared | shares_content_stem(model.features, text)
            penalty = _ONE_ROUTE_UNSHARED
        scores[: len(shared)] -= np.where(shared, 0.0, penalty).astype(np.float32)
    if model.has_oos:
        return scores[:-1], float(scores[-1]), sims
    return scores, 0.0, sims
