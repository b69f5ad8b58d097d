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
cheap refits). Without out-of-scope examples the threshold is set from the routes' own examples
held out and generic requests (``fewshot``). Otherwise the defaults suit an SVM's scores (a route's
own examples score about +1, unrelated text about -1).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from crewline.errors import ConfigurationError
from crewline.nodes.planning.calibration import fit_temperature, oos_threshold, softmax
from crewline.nodes.planning.fewshot import SIMILARITY_WEIGHT
from crewline.nodes.planning.fit_thresholds import (
    threshold_from_background,
    threshold_from_examples,
    threshold_from_training_oos,
)
from crewline.nodes.planning.router_fit import (
    FEW,
    ThresholdRule,
    TrainingRows,
    fit_classifier,
    fit_features,
    fit_subs,
    threshold_rule,
    training_rows,
)
from crewline.nodes.planning.router_model import (
    Calibration,
    RouterModel,
    RouteScore,
    raw_scores,
    route_centroids,
    shared_content,
)

if TYPE_CHECKING:  # fitting makes sparse matrices; routing is numpy only (features.py)
    from scipy.sparse import csr_matrix

__all__ = ["Calibration", "RouteScore", "Router"]


class Router:
    """Routes text to one of the fitted routes, or to none (out of scope).

    ``threshold``: the *none* option's logit (``None``: 0 with an oos class, -0.3 without);
    ``temperature``: divides all logits before the softmax; ``c``: the SVM's regularisation;
    ``content_penalty``: subtracted from a route that shares no content word with the text (``None``:
    1.0 when routes have few examples, where an SVM leans on function words, 0.3 from 30 a route on);
    ``oos_recall``: the out-of-scope recall ``fit`` sets the threshold for, on its own out-of-scope
    examples (cross-fitted), when it has enough of them and ``threshold`` is ``None`` (``None``: never);
    ``dense_weight``: the word-vector block's weight (``features``; ``None``: ``DENSE_WEIGHT`` when
    concepts are used, from few examples, else 0; 0: no word vectors); ``similarity_weight``: how
    much the top route's centroid similarity lowers *none* (``None``: ``fewshot.SIMILARITY_WEIGHT``
    when the threshold is set from held-out examples, else 0).
    """

    def __init__(
        self,
        *,
        threshold: float | None = None,
        temperature: float = 0.25,
        c: float = 1.0,
        content_penalty: float | None = None,
        oos_recall: float | None = 0.8,
        dense_weight: float | None = None,
        similarity_weight: float | None = None,
    ) -> None:
        if oos_recall is not None and not 0 < oos_recall <= 1:
            raise ConfigurationError(f"oos_recall must be in (0, 1], not {oos_recall!r}")
        if dense_weight is not None and dense_weight < 0:
            raise ConfigurationError(f"dense_weight cannot be negative, not {dense_weight!r}")
        self.dense_weight = dense_weight
        self._given_similarity_weight = similarity_weight
        self.similarity_weight = similarity_weight or 0.0
        self.threshold = threshold
        self.oos_recall = oos_recall
        self.calibration: Calibration | None = None  # how fit set the threshold, when it did
        self._given_threshold = threshold
        self._given_temperature = temperature
        self.content_penalty = content_penalty
        self._given_content_penalty = content_penalty
        self.temperature = temperature
        self.c = c
        self.fit_seconds = 0.0
        self._model: RouterModel | None = None

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
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        oos_label: str | None = None,
        sublabels: Sequence[str] | None = None,
    ) -> Router:
        """Fit on parallel lists of texts and their routes; ``sublabels`` (parallel too): a finer
        label inside each route, such as the intent inside a domain (``sub_routes``)."""
        started = time.perf_counter()
        rows = training_rows(texts, labels, sublabels, oos_label)
        features, matrix = fit_features(rows, self.dense_weight)
        rule = threshold_rule(rows, given=self._given_threshold, oos_recall=self.oos_recall)
        if self._given_content_penalty is None:
            # With a few examples a route an SVM leans on function words, which the scale-default
            # threshold lets through; a threshold set from held-out examples already rejects what
            # they alone would route (CLINC150 5-shot, train rows held out: 0.3 routes 1.5 points
            # more right than 1.0 at the same out-of-scope recall).
            few = len(rows.texts) < FEW * len(rows.routes) and rule is not ThresholdRule.EXAMPLES
            self.content_penalty = 1.0 if few else 0.3
        # The top route's centroid similarity informs *none* where held-out examples place the
        # threshold on the same statistic (``fewshot.SIMILARITY_WEIGHT``), and only from ``FEW``
        # examples a route: CLINC150 domains (45-150 examples a route) route more right with it; from
        # 3-10 examples an intent it rejected more out-of-scope requests at the same accuracy, but
        # the semantic cascade built on such a router routed a point fewer right (5-shot, val 0.856
        # -> 0.846; train rows held out 0.891 -> 0.879): a centroid of a handful of examples
        # measures what MiniLM judges better. A crew's handful of examples a route keeps the score.
        weight = self._given_similarity_weight
        if weight is None:
            many = int(rows.counts.min()) >= FEW  # every route: one big route does not lend it to the rest
            weight = SIMILARITY_WEIGHT if rule is ThresholdRule.EXAMPLES and many else 0.0
        self.similarity_weight = weight
        # A refit starts from what the caller gave, not from what an earlier fit calibrated.
        self.threshold, self.temperature, self.calibration = (
            self._given_threshold,
            self._given_temperature,
            None,
        )
        coef, intercept = fit_classifier(
            matrix, rows, self.c, separate_oos=rule is ThresholdRule.TRAINING_OOS
        )
        sub, sub_y = fit_subs(matrix, rows, self.c, wanted=sublabels is not None)
        centroids = route_centroids(matrix, rows.y, len(rows.routes))
        self._model = RouterModel(
            features, coef, intercept, centroids, rows.routes, rows.has_oos, rows.n_columns == 1, sub
        )
        self._set_threshold(rule, matrix, rows, sub_y)
        self.fit_seconds = time.perf_counter() - started
        return self

    def _set_threshold(
        self, rule: ThresholdRule, matrix: csr_matrix, rows: TrainingRows, sub_y: np.ndarray | None
    ) -> None:
        """Set the *none* threshold (and with held-out examples the temperature) by ``rule``."""
        model, penalty = self._require(), self.content_penalty
        in_scope = rows.in_scope
        in_scope_texts = [text for text, keep in zip(rows.texts, in_scope, strict=True) if keep]
        if rule is ThresholdRule.TRAINING_OOS:
            oos_texts = [text for text, keep in zip(rows.texts, in_scope, strict=True) if not keep]
            self.threshold = threshold_from_training_oos(
                model,
                matrix,
                rows.y,
                oos_texts,
                self.oos_recall or 0.8,
                c=self.c,
                content_penalty=penalty,
                similarity_weight=self.similarity_weight,
            )
            self.calibration = Calibration(self.threshold, self.temperature, len(oos_texts), len(oos_texts))
        elif rule is ThresholdRule.EXAMPLES:
            # No out-of-scope examples (a crew's handful a route): the routes' own examples,
            # cross-fitted, and generic requests (``background``) place the threshold.
            fitted = threshold_from_examples(
                model,
                matrix[in_scope],
                rows.y[in_scope],
                in_scope_texts,
                c=self.c,
                content_penalty=penalty,
                temperature=self.temperature,
                sub_labels=sub_y,
                similarity_weight=self.similarity_weight,
            )
            if fitted is not None:
                self.threshold, self.temperature = fitted
        elif rule is ThresholdRule.BACKGROUND:
            self.threshold = threshold_from_background(model, in_scope_texts, content_penalty=penalty)

    # -- scoring ----------------------------------------------------------------------------------
    def _require(self) -> RouterModel:
        if self._model is None:
            raise RuntimeError("Router.fit must be called before routing")
        return self._model

    def _raw(self, text: str) -> tuple[np.ndarray, float, np.ndarray]:
        """The routes' scores, the *none* score before the threshold, and the centroid similarities."""
        return self._raw_of(self._require(), text)

    def _raw_of(self, model: RouterModel, text: str) -> tuple[np.ndarray, float, np.ndarray]:
        return raw_scores(model, text, self.content_penalty)

    @property
    def none_threshold(self) -> float:
        """The *none* option's logit in use: ``threshold`` as given, calibrated or by default."""
        return self._threshold_for(self.has_oos)

    def _threshold_for(self, has_oos: bool) -> float:
        if self.threshold is not None:
            return self.threshold
        return 0.0 if has_oos else -0.3

    def _none_score(self, scores: np.ndarray, none: float, sims: np.ndarray) -> float:
        """The *none* score before the threshold, lowered by the top route's centroid similarity
        times ``similarity_weight``: a request close to a route's examples as a whole is in scope
        more often than its SVM score alone says (``fewshot.SIMILARITY_WEIGHT``)."""
        if not self.similarity_weight:
            return none
        return none - self.similarity_weight * float(sims[int(scores.argmax())])

    def margins(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """For each text: its top route's index and that route's score minus the *none* score."""
        tops = np.zeros(len(texts), dtype=np.int64)
        margins = np.zeros(len(texts), dtype=np.float64)
        for row, text in enumerate(texts):
            scores, none, sims = self._raw(text)
            tops[row] = int(scores.argmax())
            margins[row] = float(scores[tops[row]]) - self._none_score(scores, none, sims)
        return tops, margins

    def shares_content(self, text: str, route: str) -> bool:
        """Whether ``text`` shares a content word (or concept) with one of ``route``'s examples: when
        its top route does not, function words alone ("how do I", "what's the") chose it."""
        model = self._require()
        if route not in model.routes:
            return False
        return bool(shared_content(model, text)[model.routes.index(route)])

    def similarities(self, text: str) -> dict[str, float]:
        """Per route, the cosine similarity of ``text`` to the centroid of its examples."""
        _, _, sims = self._raw(text)
        return {route: float(s) for route, s in zip(self._require().routes, sims, strict=True)}

    def route(self, text: str) -> RouteScore:
        scores, none, sims = self._raw(text)
        none_logit = self._none_score(scores, none, sims) + self.none_threshold
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
        self,
        model: RouterModel,
        texts: Sequence[str],
        labels: Sequence[str],
        oos_label: str,
        oos_recall: float,
    ) -> Calibration:
        known = {route: index for index, route in enumerate(model.routes)}
        unknown = sorted({lab for lab in labels if lab != oos_label and lab not in known})
        if unknown:
            raise ConfigurationError(
                f"calibration labels the router was not fit on: {', '.join(unknown[:5])}"
            )
        if not 0 < oos_recall <= 1:
            raise ConfigurationError(f"oos_recall must be in (0, 1], not {oos_recall!r}")
        raw = [
            (s, self._none_score(s, none, sims))
            for s, none, sims in map(self._raw_of, [model] * len(texts), texts)
        ]
        is_oos = np.asarray([lab == oos_label for lab in labels], dtype=bool)
        if is_oos.any():
            margins = [float(s.max()) - none for (s, none), o in zip(raw, is_oos, strict=True) if o]
            self.threshold = oos_threshold(margins, oos_recall)
        threshold = self._threshold_for(model.has_oos)
        logits = np.stack([np.append(s, none + threshold) for s, none in raw])
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
