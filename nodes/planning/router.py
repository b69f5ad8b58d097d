"""A local router: fit from example utterances per route, predicts a route and a calibrated confidence.

Features are TF-IDF word and character n-grams (``crewline.nodes.planning.features``); the classifier is a
linear SVM, one route against the rest (scikit-learn's ``LinearSVC``, liblinear). It needs no model
and no download, fits a crew's few examples in milliseconds and 15,000 in seconds, and routes one
request in a fraction of a millisecond.

Out of scope is a real outcome, not the nearest route. The router scores a *none* option next to
the routes: its logit is ``threshold`` (plus the score of an ``oos`` class when the training data
has out-of-scope examples). The request is out of scope when *none* beats every route. Confidence is
a softmax over the routes' scores and *none*, divided by ``temperature``. ``calibrate`` fits the
threshold (to reach a wanted out-of-scope recall) and the temperature (maximum likelihood) on
held-out rows. When the training data has enough out-of-scope examples (``_MIN_FIT_CALIBRATION_OOS``)
and no threshold is given, ``fit`` sets the threshold for ``oos_recall`` itself: the routes then
learn from in-scope rows only and out of scope is a classifier of its own, so the routes' scores on
the out-of-scope examples are out-of-sample; that classifier's scores on them are cross-fitted (five
cheap refits). Otherwise the defaults suit an SVM's scores (a route's own examples score about +1,
unrelated text about -1).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from crewline.errors import ConfigurationError
from crewline.nodes.planning.calibration import fit_temperature, oos_threshold, softmax
from crewline.nodes.planning.features import TextFeatures
from crewline.nodes.planning.fewshot import background_for, balanced_threshold
from crewline.nodes.planning.svm import fit_binary, fit_one_vs_rest

if TYPE_CHECKING:  # fitting makes sparse matrices; routing is numpy only (features.py)
    from scipy.sparse import csr_matrix

__all__ = ["Calibration", "RouteScore", "Router"]

_LARGE = 2000  # from this many examples on, n-grams seen once are pruned
_ONE_ROUTE_FLOOR = 0.15  # with a single route: cosine similarity that scores 0
# Out-of-scope examples needed to set the threshold at fit time: with fewer, one example moves the
# recall by more than a twentieth and the scale-based default is the safer guess.
_MIN_FIT_CALIBRATION_OOS = 20
# Held-out examples needed to set the threshold from them: a crew of three routes with four
# examples each holds out a dozen, whose scores (fit on three) say little about unseen requests.
_MIN_HELD_OUT = 50
_FOLDS = 5  # cross-fitting folds over the out-of-scope examples
_FEW = 30  # examples a route below which routes are "few-shot" (content penalty, threshold from examples)


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
class _Model:
    features: TextFeatures
    coef: np.ndarray  # (dim, n_columns) float32; columns: routes, then the oos class if trained
    intercept: np.ndarray  # (n_columns,) float32
    centroids: np.ndarray  # (dim, n_routes) float32, L2-normalised route centroids
    routes: list[str]
    has_oos: bool
    one_route: bool


def _centroids(matrix: csr_matrix, labels: np.ndarray, n_routes: int) -> np.ndarray:
    centroids = np.zeros((matrix.shape[1], n_routes), dtype=np.float32)
    for index in range(n_routes):
        rows = labels == index
        if not rows.any():
            continue
        centroid = np.asarray(matrix[rows].mean(axis=0)).ravel()
        norm = float(np.linalg.norm(centroid))
        centroids[:, index] = centroid / norm if norm else centroid
    return centroids


class Router:
    """Routes text to one of the fitted routes, or to none (out of scope).

    ``threshold``: the *none* option's logit (``None``: 0 with an oos class, -0.3 without);
    ``temperature``: divides all logits before the softmax; ``c``: the SVM's regularisation;
    ``content_penalty``: subtracted from a route that shares no content word with the text (``None``:
    1.0 when routes have few examples, where an SVM leans on function words, 0.3 from 30 a route on);
    ``oos_recall``: the out-of-scope recall ``fit`` sets the threshold for, on its own out-of-scope
    examples (cross-fitted), when it has enough of them and ``threshold`` is ``None`` (``None``: never).
    """

    def __init__(
        self,
        *,
        threshold: float | None = None,
        temperature: float = 0.25,
        c: float = 1.0,
        content_penalty: float | None = None,
        oos_recall: float | None = 0.8,
    ) -> None:
        if oos_recall is not None and not 0 < oos_recall <= 1:
            raise ConfigurationError(f"oos_recall must be in (0, 1], not {oos_recall!r}")
        self.threshold = threshold
        self.oos_recall = oos_recall
        self.calibration: Calibration | None = None  # how fit set the threshold, when it did
        self._given_threshold = threshold
        self._given_temperature = temperature
        self.content_penalty = content_penalty
        self.temperature = temperature
        self.c = c
        self.fit_seconds = 0.0
        self._model: _Model | None = None

    # -- fitting ----------------------------------------------------------------------------------
    @property
    def routes(self) -> list[str]:
        return list(self._model.routes) if self._model else []

    @property
    def has_oos(self) -> bool:
        return bool(self._model and self._model.has_oos)

    def fit(self, examples: Mapping[str, Sequence[str]], *, oos_label: str | None = None) -> Router:
        """Fit on ``{route: utterances}``; utterances of ``oos_label`` teach what is out of scope."""
        texts: list[str] = []
        labels: list[str] = []
        for route, utterances in examples.items():
            for utterance in utterances:
                if utterance.strip():
                    texts.append(utterance)
                    labels.append(route)
        return self.fit_rows(texts, labels, oos_label=oos_label)

    def fit_rows(
        self, texts: Sequence[str], labels: Sequence[str], *, oos_label: str | None = None
    ) -> Router:
        """Fit on parallel lists of texts and their routes."""
        started = time.perf_counter()
        pairs = [(t, lab) for t, lab in zip(texts, labels, strict=True) if t.strip()]
        routes = list(dict.fromkeys(lab for _, lab in pairs if lab != oos_label))
        if not routes:
            raise ConfigurationError("a router needs at least one route with at least one example")
        has_oos = oos_label is not None and any(lab == oos_label for _, lab in pairs)
        columns = {route: index for index, route in enumerate(routes)}
        if has_oos:
            columns[str(oos_label)] = len(routes)
        y = np.asarray([columns[lab] for _, lab in pairs], dtype=np.int64)
        features, matrix = TextFeatures.fit([t for t, _ in pairs], min_df=2 if len(pairs) >= _LARGE else 1)
        n_columns = len(columns)
        counts = np.bincount(y[y < len(routes)], minlength=len(routes))
        from_examples = (  # no out-of-scope rows, and enough examples to hold out (``fewshot``)
            not has_oos
            and self._given_threshold is None
            and self.oos_recall is not None
            and len(routes) >= 2
            and len(pairs) < _LARGE
            and int(counts[counts >= 2].sum()) >= _MIN_HELD_OUT
        )
        if self.content_penalty is None:
            # With a few examples a route an SVM leans on function words, which the scale-default
            # threshold lets through; a threshold set from held-out examples already rejects what
            # they alone would route (CLINC150 5-shot, train rows held out: 0.3 routes 1.5 points
            # more right than 1.0 at the same out-of-scope recall).
            self.content_penalty = 1.0 if len(pairs) < _FEW * len(routes) and not from_examples else 0.3
        # A refit starts from what the caller gave, not from what an earlier fit calibrated.
        self.threshold, self.temperature, self.calibration = (
            self._given_threshold,
            self._given_temperature,
            None,
        )
        centroids = _centroids(matrix, y, len(routes))
        calibrate = (
            has_oos
            and len(routes) >= 2
            and self.threshold is None
            and self.oos_recall is not None
            and int((y == len(routes)).sum()) >= _MIN_FIT_CALIBRATION_OOS
        )
        if n_columns == 1:
            coef = np.zeros((features.dim, 1), dtype=np.float32)
            intercept = np.zeros(1, dtype=np.float32)
        elif calibrate:
            # The routes learn from in-scope rows only and out of scope is a classifier of its own:
            # the routes' scores on the out-of-scope examples are then out-of-sample, and a few
            # cheap refits of that one classifier make its scores on them out-of-sample too.
            in_scope = y < len(routes)
            coef = np.zeros((features.dim, n_columns), dtype=np.float32)
            intercept = np.zeros(n_columns, dtype=np.float32)
            coef[:, :-1], intercept[:-1] = fit_one_vs_rest(matrix[in_scope], y[in_scope], len(routes), self.c)
            coef[:, -1], intercept[-1] = fit_binary(matrix, ~in_scope, self.c)
        else:
            coef, intercept = fit_one_vs_rest(matrix, y, n_columns, self.c)
        self._model = _Model(features, coef, intercept, centroids, routes, has_oos, n_columns == 1)
        if calibrate:
            oos_texts = [text for text, label in pairs if label == oos_label]
            self.calibration = self._calibrate_on_training_oos(matrix, y, oos_texts, self.oos_recall or 0.8)
        elif from_examples:
            # No out-of-scope examples (a crew's handful a route): the routes' own examples,
            # cross-fitted, and generic requests (``background``) place the threshold.
            in_scope = y < len(routes)
            self._calibrate_from_examples(
                matrix[in_scope], y[in_scope], [t for t, lab in pairs if lab != oos_label]
            )
        self.fit_seconds = time.perf_counter() - started
        return self

    def _calibrate_on_training_oos(
        self, matrix: csr_matrix, labels: np.ndarray, oos_texts: Sequence[str], recall: float
    ) -> Calibration:
        """Set ``threshold`` for ``recall`` on the training's out-of-scope examples, cross-fitted.

        Each example's margin is its top route's score (routes never train on out-of-scope rows)
        minus the score of an out-of-scope classifier fit without that example's fold.
        """
        model = self._require()
        oos_rows = np.flatnonzero(labels == len(model.routes))
        is_oos = labels == len(model.routes)
        margins = np.zeros(len(oos_rows))
        for fold in range(_FOLDS):
            out = np.arange(fold, len(oos_rows), _FOLDS)
            kept = np.ones(len(labels), dtype=bool)
            kept[oos_rows[out]] = False
            weights, bias = fit_binary(matrix[kept], is_oos[kept], self.c)
            for position in out.tolist():
                scores, _, _ = self._raw_of(model, oos_texts[position])
                index, value = model.features.transform_one(oos_texts[position])
                oos_score = float(value @ weights[index]) + bias if index.size else bias
                margins[position] = float(scores.max()) - oos_score
        self.threshold = oos_threshold(margins.tolist(), recall)
        return Calibration(self.threshold, self.temperature, len(oos_rows), len(oos_rows))

    def _calibrate_from_examples(self, matrix: csr_matrix, labels: np.ndarray, texts: Sequence[str]) -> None:
        """Set the *none* threshold from cross-fitted examples and generic requests (``fewshot``),
        then the temperature by maximum likelihood on the same rows (an example's own route, a
        generic request's *none*). Unchanged (the scale default) for a single route, when no route
        has two examples, or when fewer than ``_MIN_HELD_OUT`` examples can be held out."""
        model = self._require()
        counts = np.bincount(labels, minlength=len(model.routes))
        background = background_for(texts)
        if model.one_route or counts.max() < 2 or not background:  # one route: no ranking to hold out
            return
        held_scores: list[np.ndarray] = []
        targets: list[int] = []
        # Each route's examples in turn: position p of a route is held out in fold p % _FOLDS.
        position = np.zeros(len(labels), dtype=np.int64)
        for route in range(len(model.routes)):
            rows = np.flatnonzero(labels == route)
            position[rows] = np.arange(rows.size) if rows.size >= 2 else -1
        for fold in range(min(_FOLDS, int(counts.max()))):
            held = (position >= 0) & (position % _FOLDS == fold)
            kept = ~held
            coef, intercept = fit_one_vs_rest(matrix[kept], labels[kept], len(model.routes), self.c)
            centroids = _centroids(matrix[kept], labels[kept], len(model.routes))
            fold_model = _Model(model.features, coef, intercept, centroids, model.routes, False, False)
            for row in np.flatnonzero(held).tolist():
                held_scores.append(self._raw_of(fold_model, texts[row])[0])
                targets.append(int(labels[row]))
        if len(held_scores) < _MIN_HELD_OUT:  # too few to estimate a loss from: the scale default
            return
        scores = np.stack(held_scores)
        generic = np.stack([self._raw_of(model, text)[0] for text in background])
        tops = scores.argmax(axis=1)
        self.threshold = balanced_threshold(
            scores.max(axis=1).tolist(), (tops == np.asarray(targets)).tolist(), generic.max(axis=1).tolist()
        )
        logits = np.vstack([scores, generic])
        logits = np.hstack([logits, np.full((len(logits), 1), self.threshold, dtype=np.float32)])
        target = np.asarray([*targets, *[len(model.routes)] * len(generic)])
        self.temperature = fit_temperature(logits, target, self.temperature)

    # -- scoring ----------------------------------------------------------------------------------
    def _require(self) -> _Model:
        if self._model is None:
            raise RuntimeError("Router.fit must be called before routing")
        return self._model

    def _raw(self, text: str) -> tuple[np.ndarray, float, np.ndarray]:
        """The routes' scores, the *none* score before the threshold, and the centroid similarities."""
        return self._raw_of(self._require(), text)

    def _raw_of(self, model: _Model, text: str) -> tuple[np.ndarray, float, np.ndarray]:
        index, value = model.features.transform_one(text)
        sims = value @ model.centroids[index] if index.size else np.zeros(len(model.routes), np.float32)
        if model.one_route:  # no second class to separate from: the score is closeness to its examples
            scores = ((sims - _ONE_ROUTE_FLOOR) * 4.0).astype(np.float32)
        elif index.size:
            scores = value @ model.coef[index] + model.intercept
        else:
            scores = model.intercept.copy()
        if self.content_penalty:
            # A route none of whose examples shares a content word with the text is unlikely to be
            # it, however well the function words fit ("what is the capital of France").
            content = index[model.features.content[index]]
            shared = (model.centroids[content] > 0).any(axis=0)
            scores[: len(shared)] -= np.where(shared, 0.0, self.content_penalty).astype(np.float32)
        if model.has_oos:
            return scores[:-1], float(scores[-1]), sims
        return scores, 0.0, sims

    @property
    def none_threshold(self) -> float:
        """The *none* option's logit in use: ``threshold`` as given, calibrated or by default."""
        return self._threshold_for(self.has_oos)

    def _threshold_for(self, has_oos: bool) -> float:
        if self.threshold is not None:
            return self.threshold
        return 0.0 if has_oos else -0.3

    def margins(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """For each text: its top route's index and that route's score minus the *none* score."""
        tops = np.zeros(len(texts), dtype=np.int64)
        margins = np.zeros(len(texts), dtype=np.float64)
        for row, text in enumerate(texts):
            scores, none, _ = self._raw(text)
            tops[row] = int(scores.argmax())
            margins[row] = float(scores[tops[row]]) - none
        return tops, margins

    def similarities(self, text: str) -> dict[str, float]:
        """Per route, the cosine similarity of ``text`` to the centroid of its examples."""
        _, _, sims = self._raw(text)
        return {route: float(s) for route, s in zip(self._require().routes, sims, strict=True)}

    def route(self, text: str) -> RouteScore:
        scores, none, sims = self._raw(text)
        none_logit = none + self.none_threshold
        probs = softmax(np.append(scores, none_logit) / max(self.temperature, 1e-6))
        routes = self._require().routes
        order = np.argsort(-probs[:-1], kind="stable")
        ranking = tuple((routes[i], round(float(probs[i]), 4)) for i in order)
        top = int(order[0])
        if none_logit >= scores[top]:
            return RouteScore(None, round(float(probs[-1]), 4), float(sims[top]), ranking)
        return RouteScore(routes[top], round(float(probs[top]), 4), float(sims[top]), ranking)

    # -- calibration ------------------------------------------------------------------------------
    def calibrate(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        oos_label: str = "oos",
        oos_recall: float = 0.8,
    ) -> Calibration:
        """Fit ``threshold`` and ``temperature`` on held-out rows (labels: routes or ``oos_label``).

        The threshold is the lowest that sends at least ``oos_recall`` of the out-of-scope rows to
        *none* (unchanged when there are none); the temperature then maximises the likelihood of the
        right answer (route or *none*) over all rows.
        """
        return self._calibrate(self._require(), texts, labels, oos_label, oos_recall)

    def _calibrate(
        self, model: _Model, texts: Sequence[str], labels: Sequence[str], oos_label: str, oos_recall: float
    ) -> Calibration:
        known = {route: index for index, route in enumerate(model.routes)}
        unknown = sorted({lab for lab in labels if lab != oos_label and lab not in known})
        if unknown:
            raise ConfigurationError(
                f"calibration labels the router was not fit on: {', '.join(unknown[:5])}"
            )
        if not 0 < oos_recall <= 1:
            raise ConfigurationError(f"oos_recall must be in (0, 1], not {oos_recall!r}")
        raw = [self._raw_of(model, text) for text in texts]
        is_oos = np.asarray([lab == oos_label for lab in labels], dtype=bool)
        if is_oos.any():
            margins = [float(s.max()) - none for (s, none, _), o in zip(raw, is_oos, strict=True) if o]
            self.threshold = oos_threshold(margins, oos_recall)
        threshold = self._threshold_for(model.has_oos)
        logits = np.stack([np.append(s, none + threshold) for s, none, _ in raw])
        target = np.asarray(
            [len(model.routes) if o else known[lab] for lab, o in zip(labels, is_oos, strict=True)]
        )
        self.temperature = fit_temperature(logits, target, self.temperature)
        return Calibration(threshold, self.temperature, len(texts), int(is_oos.sum()))

    # -- persistence ------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted router as a versioned ``.npz`` artifact (no pickle); returns the path."""
        from crewline.nodes.planning.artifact import save_router

        return save_router(self, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> Router:
        """A router saved by ``save``; a corrupt or mismatched artifact raises ``RouterArtifactError``."""
        from crewline.nodes.planning.artifact import load_router

        return load_router(Path(path))
