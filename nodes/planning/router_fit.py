"""The steps of ``Router.fit_rows``, one function each: the training rows, the features, the
classifiers, the sub-routes, and which rule sets the out-of-scope threshold.

Fitting imports scikit-learn and scipy (``features``, ``svm``); routing a fitted router does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from crewline.errors import ConfigurationError
from crewline.nodes.planning.features import TextFeatures
from crewline.nodes.planning.fit_thresholds import MIN_HELD_OUT
from crewline.nodes.planning.router_model import SubRoutes
from crewline.nodes.planning.sub_routes import fit_sub_routes, sub_route_columns
from crewline.nodes.planning.svm import fit_binary, fit_one_vs_rest

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = [
    "DENSE_WEIGHT",
    "DENSE_WEIGHT_MANY",
    "FEW",
    "LARGE",
    "ThresholdRule",
    "TrainingRows",
    "fit_classifier",
    "fit_features",
    "fit_subs",
    "threshold_rule",
    "training_rows",
]

LARGE = 2000  # from this many examples on, n-grams seen once are pruned
FEW = 30  # examples a route below which routes are "few-shot" (content penalty, threshold from examples)
# Out-of-scope examples needed to set the threshold at fit time: with fewer, one example moves the
# recall by more than a twentieth and the scale-based default is the safer guess.
MIN_FIT_CALIBRATION_OOS = 20
# The word-vector block's weight against the n-gram blocks (``features``), where concepts are used
# too: heavier from a few examples a route, where the n-grams have seen few wordings. Chosen on
# CLINC150 train rows held out from 5-shot fits (seeds 10-12, never val), with the first table:
# intents (5 examples a route), the best intent right whatever the threshold 0.780 without, 0.796
# at 0.5, 0.817 at 1.5 (intent right 0.759 / 0.772 / 0.793); domains (75 a route), domain right
# 0.903 without, 0.910 at 0.5, 0.901 at 1.5. With the shipped table, 3/5/10 shots: intent right
# 0.674/0.759/0.825 -> 0.725/0.796/0.844, domain 0.874/0.903/0.925 -> 0.894/0.907/0.929.
DENSE_WEIGHT = 1.5
DENSE_WEIGHT_MANY = 0.5  # from ``FEW`` examples a route on


@dataclass(frozen=True)
class TrainingRows:
    """Non-blank examples with their route columns (routes first, then ``oos``) and sub-labels."""

    texts: list[str]
    labels: list[str]
    subs: list[str]
    routes: list[str]
    has_oos: bool
    y: np.ndarray  # each row's column
    counts: np.ndarray  # examples a route

    @property
    def n_columns(self) -> int:
        return len(self.routes) + int(self.has_oos)

    @property
    def in_scope(self) -> np.ndarray:
        return self.y < len(self.routes)

    @property
    def few_shot(self) -> bool:
        """Few examples a route, or few in all: concepts and word vectors show wordings the examples
        do not (CLINC150 full training set: 0.9217 at oos recall 0.73 with concepts vs 0.9247 at
        0.70 without). Dozens a route alone are not enough when a route spans many requests: CLINC150
        domains from 5 examples an intent (75 a domain), train rows held out, seeds 10-12: 0.901 ->
        0.908 top domain right with concepts."""
        return len(self.texts) < FEW * len(self.routes) or len(self.texts) < LARGE


def training_rows(
    texts: Sequence[str], labels: Sequence[str], sublabels: Sequence[str] | None, oos_label: str | None
) -> TrainingRows:
    subs = list(sublabels) if sublabels is not None else [""] * len(texts)
    if len(subs) != len(texts):
        raise ConfigurationError("sublabels must be as many as the texts")
    kept = [i for i, text in enumerate(texts) if text.strip()]
    kept_labels = [labels[i] for i in kept]
    routes = list(dict.fromkeys(label for label in kept_labels if label != oos_label))
    if not routes:
        raise ConfigurationError("a router needs at least one route with at least one example")
    has_oos = oos_label is not None and oos_label in kept_labels
    columns = {route: index for index, route in enumerate(routes)}
    if has_oos:
        columns[str(oos_label)] = len(routes)
    y = np.asarray([columns[label] for label in kept_labels], dtype=np.int64)
    counts = np.bincount(y[y < len(routes)], minlength=len(routes))
    return TrainingRows(
        [texts[i] for i in kept], kept_labels, [subs[i] for i in kept], routes, has_oos, y, counts
    )


def fit_features(rows: TrainingRows, dense_weight: float | None) -> tuple[TextFeatures, csr_matrix]:
    """The text features and the rows' matrix; ``dense_weight`` ``None``: ``DENSE_WEIGHT`` from a
    few examples a route, ``DENSE_WEIGHT_MANY`` from more, none from thousands (where concepts are
    off too)."""
    if dense_weight is None:
        many = len(rows.texts) >= FEW * len(rows.routes)
        dense_weight = 0.0 if not rows.few_shot else DENSE_WEIGHT_MANY if many else DENSE_WEIGHT
    return TextFeatures.fit(
        rows.texts,
        min_df=2 if len(rows.texts) >= LARGE else 1,
        concepts=rows.few_shot,
        dense_weight=dense_weight,
    )


class ThresholdRule(Enum):
    """How ``fit`` sets the *none* threshold (``fit_thresholds``)."""

    GIVEN = "given or the scale default"
    TRAINING_OOS = "the training set's out-of-scope rows, cross-fitted"
    EXAMPLES = "the routes' own examples held out, and generic requests"
    BACKGROUND = "generic requests alone"


def threshold_rule(rows: TrainingRows, *, given: float | None, oos_recall: float | None) -> ThresholdRule:
    if given is not None or oos_recall is None or len(rows.routes) < 2:
        return ThresholdRule.GIVEN
    if rows.has_oos:
        enough = int((~rows.in_scope).sum()) >= MIN_FIT_CALIBRATION_OOS
        return ThresholdRule.TRAINING_OOS if enough else ThresholdRule.GIVEN
    if len(rows.texts) >= LARGE:
        return ThresholdRule.GIVEN
    if int(rows.counts[rows.counts >= 2].sum()) >= MIN_HELD_OUT:
        return ThresholdRule.EXAMPLES
    # Many routes but too few examples a route to hold any out (one each: a description, or a
    # single example): the generic requests alone place the threshold. The scale default would
    # reject almost every request (CLINC150, one example an intent: 0.08 routed right).
    return ThresholdRule.BACKGROUND if len(rows.texts) >= MIN_HELD_OUT else ThresholdRule.GIVEN


def fit_classifier(
    matrix: csr_matrix, rows: TrainingRows, c: float, *, separate_oos: bool
) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest SVMs, ``(coef (dim, n_columns), intercept)``; zeros for a single route.

    ``separate_oos``: the routes learn from in-scope rows only and out of scope is a classifier of
    its own, so the routes' scores on the out-of-scope examples are out-of-sample (and a few cheap
    refits of that one classifier make its scores on them out-of-sample too)."""
    dim = matrix.shape[1]
    if rows.n_columns == 1:
        return np.zeros((dim, 1), dtype=np.float32), np.zeros(1, dtype=np.float32)
    if not separate_oos:
        return fit_one_vs_rest(matrix, rows.y, rows.n_columns, c)
    in_scope = rows.in_scope
    coef = np.zeros((dim, rows.n_columns), dtype=np.float32)
    intercept = np.zeros(rows.n_columns, dtype=np.float32)
    coef[:, :-1], intercept[:-1] = fit_one_vs_rest(matrix[in_scope], rows.y[in_scope], len(rows.routes), c)
    coef[:, -1], intercept[-1] = fit_binary(matrix, ~in_scope, c)
    return coef, intercept


def fit_subs(
    matrix: csr_matrix, rows: TrainingRows, c: float, *, wanted: bool
) -> tuple[SubRoutes | None, np.ndarray | None]:
    """The sub-routes' SVMs and each in-scope row's sub-route column, when sub-labels were given
    (``wanted``) and some route has two of them."""
    if not wanted or len(rows.routes) < 2:
        return None, None
    in_scope = rows.in_scope
    subs = [sub for sub, keep in zip(rows.subs, in_scope, strict=True) if keep]
    columns = sub_route_columns(rows.y[in_scope], subs, len(rows.routes))
    if columns is None:
        return None, None
    sub_y, starts = columns
    return fit_sub_routes(matrix[in_scope], sub_y, starts, int(sub_y.max()) + 1, c), sub_y
