"""A local router: fit from example utterances per route, predicts a route and a calibrated confidence.

Features are TF-IDF word and character n-grams (``nodes.routing_features``); the classifier is a
linear SVM, one route against the rest (scikit-learn's ``LinearSVC``, liblinear). It needs no model
and no download, fits a crew's few examples in milliseconds and 15,000 in seconds, and routes one
request in a fraction of a millisecond.

Out of scope is a real outcome, not the nearest route. The router scores a *none* option next to
the routes: its logit is ``threshold`` (plus the score of an ``oos`` class when the training data
has out-of-scope examples). The request is out of scope when *none* beats every route. Confidence is
a softmax over the routes' scores and *none*, divided by ``temperature``. ``calibrate`` fits the
threshold (to reach a wanted out-of-scope recall) and the temperature (maximum likelihood) on
held-out rows; without it, the defaults suit an SVM's scores (a route's own examples score about
+1, unrelated text about -1).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

from nodes.routing_features import TextFeatures

__all__ = ["Calibration", "RouteScore", "Router"]

_LARGE = 2000  # from this many examples on, n-grams seen once are pruned and training is threaded
_ONE_ROUTE_FLOOR = 0.15  # with a single route: cosine similarity that scores 0


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


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=-1, keepdims=True))


def _fit_svm(
    matrix: csr_matrix, labels: np.ndarray, n_columns: int, c: float
) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest linear SVMs as ``(coef (dim, n_columns), intercept)``.

    For many routes the classes are split over two threads: liblinear releases the GIL and a
    one-vs-rest classifier for class k is the same whatever the other classes are called, so each
    thread trains its half of the classes plus one merged ``rest`` class.
    """

    def train(columns: Sequence[int]) -> tuple[list[int], np.ndarray, np.ndarray]:
        wanted = set(columns)
        rest = n_columns  # a label that is none of ``columns``
        y = np.where(np.isin(labels, list(wanted)), labels, rest) if len(wanted) < n_columns else labels
        svm = LinearSVC(C=c, max_iter=2000, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
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
        if matrix.shape[0] >= _LARGE and n_columns >= 8
        else [list(range(n_columns))]
    )
    with ThreadPoolExecutor(max_workers=len(groups)) as pool:
        for classes, part_coef, part_intercept in pool.map(train, groups):
            for row, k in enumerate(classes):
                if k < n_columns:
                    coef[:, k] = part_coef[row]
                    intercept[k] = part_intercept[row]
    return coef, intercept


class Router:
    """Routes text to one of the fitted routes, or to none (out of scope).

    ``threshold``: the *none* option's logit (``None``: 0 with an oos class, -0.3 without);
    ``temperature``: divides all logits before the softmax; ``c``: the SVM's regularisation;
    ``content_penalty``: subtracted from a route that shares no content word with the text (``None``:
    1.0 when routes have few examples, where an SVM leans on function words, 0.3 from 30 a route on).
    """

    def __init__(
        self,
        *,
        threshold: float | None = None,
        temperature: float = 0.25,
        c: float = 1.0,
        content_penalty: float | None = None,
    ) -> None:
        self.threshold = threshold
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
            raise ValueError("a router needs at least one route with at least one example")
        has_oos = oos_label is not None and any(lab == oos_label for _, lab in pairs)
        columns = {route: index for index, route in enumerate(routes)}
        if has_oos:
            columns[str(oos_label)] = len(routes)
        y = np.asarray([columns[lab] for _, lab in pairs], dtype=np.int64)
        features, matrix = TextFeatures.fit([t for t, _ in pairs], min_df=2 if len(pairs) >= _LARGE else 1)
        centroids = np.zeros((features.dim, len(routes)), dtype=np.float32)
        for index in range(len(routes)):
            centroid = np.asarray(matrix[y == index].mean(axis=0)).ravel()
            norm = float(np.linalg.norm(centroid))
            centroids[:, index] = centroid / norm if norm else centroid
        n_columns = len(columns)
        if n_columns == 1:
            coef = np.zeros((features.dim, 1), dtype=np.float32)
            intercept = np.zeros(1, dtype=np.float32)
        else:
            coef, intercept = _fit_svm(matrix, y, n_columns, self.c)
        self._model = _Model(features, coef, intercept, centroids, routes, has_oos, n_columns == 1)
        if self.content_penalty is None:
            self.content_penalty = 1.0 if len(pairs) < 30 * len(routes) else 0.3
        self.fit_seconds = time.perf_counter() - started
        return self

    # -- scoring ----------------------------------------------------------------------------------
    def _require(self) -> _Model:
        if self._model is None:
            raise RuntimeError("Router.fit must be called before routing")
        return self._model

    def _raw(self, text: str) -> tuple[np.ndarray, float, np.ndarray]:
        """The routes' scores, the *none* score before the threshold, and the centroid similarities."""
        model = self._require()
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

    def _threshold(self) -> float:
        if self.threshold is not None:
            return self.threshold
        return 0.0 if self.has_oos else -0.3

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
        none_logit = none + self._threshold()
        probs = _softmax(np.append(scores, none_logit) / max(self.temperature, 1e-6))
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
        model = self._require()
        known = {route: index for index, route in enumerate(model.routes)}
        unknown = sorted({lab for lab in labels if lab != oos_label and lab not in known})
        if unknown:
            raise ValueError(f"calibration labels the router was not fit on: {', '.join(unknown[:5])}")
        if not 0 < oos_recall <= 1:
            raise ValueError("oos_recall must be in (0, 1]")
        raw = [self._raw(text) for text in texts]
        is_oos = np.asarray([lab == oos_label for lab in labels])
        if is_oos.any():
            margins = np.sort(
                [float(s.max()) - none for (s, none, _), o in zip(raw, is_oos, strict=True) if o]
            )
            k = min(len(margins), math.ceil(oos_recall * len(margins) - 1e-9))
            cut = margins[k - 1]  # rows with margin <= cut go to none: k of them
            above = margins[k] if k < len(margins) else cut + 0.02
            self.threshold = float((cut + above) / 2) if above > cut else float(cut + 1e-4)
        threshold = self._threshold()
        logits = np.stack([np.append(s, none + threshold) for s, none, _ in raw])
        target = np.asarray(
            [len(model.routes) if o else known[lab] for lab, o in zip(labels, is_oos, strict=True)]
        )
        best = (math.inf, self.temperature)
        for temperature in np.geomspace(0.02, 2.0, 60):
            probs = _softmax(logits / temperature)[np.arange(len(target)), target]
            nll = float(-np.log(np.clip(probs, 1e-12, 1.0)).mean())
            best = min(best, (nll, float(temperature)))
        self.temperature = best[1]
        return Calibration(threshold, self.temperature, len(texts), int(is_oos.sum()))

    # -- persistence ------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted router as a versioned ``.npz`` artifact (no pickle); returns the path."""
        from nodes.routing_artifact import save_router

        return save_router(self, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> Router:
        """A router saved by ``save``; a corrupt or mismatched artifact raises ``RouterArtifactError``."""
        from nodes.routing_artifact import load_router

        return load_router(Path(path))
