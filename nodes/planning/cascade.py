"""The semantic router and the cascade: local first, then embeddings, then a model, each only when unsure.

:class:`EmbeddingRouter` routes by cosine similarity to each route's nearest example under any
LangChain ``Embeddings``: the ``semantic`` extra's MiniLM
(:mod:`crewline.memory.knowledge.semantic`) when installed, the offline hashing embedder otherwise.
Out of scope is scored the way the lexical router scores it: a *none* option whose logit is
``threshold`` competes in one softmax (divided by ``temperature``) with the routes' similarities,
and wins when no route is closer than ``threshold``. :meth:`EmbeddingRouter.calibrate` sets both
on held-out rows with the lexical router's own calibration maths.

:class:`CascadeRouter` asks its stages in order and returns the first confident route (``route`` not
``None`` and ``confidence >= threshold``). An unsure stage, or one that says out of scope, passes
the text on (a lexical miss on a paraphrase is the common case); when no stage is confident the
last stage that answered decides, as the planner lets the model decide an unsure clause. A stage
that raises (a model outage) is logged and skipped; a configuration error is not.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from langchain_core.embeddings import Embeddings
from numpy.typing import NDArray

from crewline.errors import ConfigurationError, RunError
from crewline.nodes.planning.calibration import fit_temperature, oos_threshold, softmax
from crewline.nodes.planning.routing_protocol import Router, RouteScores, aroute

__all__ = ["CascadeRouter", "EmbeddingRouter", "semantic_cascade"]

log = logging.getLogger(__name__)

# The linear scoring's regularisation (CLINC150 train rows held out, 5-shot: C 1 0.861, 10 0.891,
# 100 0.892) and its iterations: bounded, since the fit runs on the first escalated request.
LINEAR_C = 10.0
LINEAR_MAX_ITER = 300
# Divides the linear classifier's logits: its probabilities, averaged with the lexical router's
# in the cascade, must be about as sharp as the centroid softmax they replace (CLINC150 train rows
# held out from 5-shot fits, seeds 10-11, cascade: 1.0 routes 0.852 right at oos recall 0.85, 0.5
# 0.875 at 0.77, 0.3 0.879 at 0.70, 0.2 0.880 at 0.65; centroid scoring 0.869 at 0.73).
LINEAR_TEMPERATURE = 0.3
# A route with many examples often spans several kinds of request (a "banking" specialist fed
# balances, transfers and card freezes): one centroid, or one linear boundary, between such routes
# is a poor fit. Its examples are split by k-means into one *group* per this many examples; the
# groups are scored as routes of their own and each route takes its best group's similarity and the
# sum of its groups' probabilities. Routes with fewer than twice this many stay whole (a crew's
# handful, CLINC150's 100 an intent).
GROUP_SIZE = 100


def _unit_rows(rows: object) -> NDArray[np.float32]:
    matrix = np.atleast_2d(np.asarray(rows, dtype=np.float32))
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.where(norms > 0, norms, 1.0), dtype=np.float32)


class EmbeddingRouter:
    """Routes to the route whose nearest example is most similar, or to none (see the module doc).

    ``fit`` only records the examples: they are embedded on the first route, so building a crew
    never waits for a model to load. ``threshold``: the *none* option's logit, a cosine (the default
    suits MiniLM sentence embeddings; calibrate for another embedder); ``temperature``: divides all
    logits before the softmax.
    """

    def __init__(
        self,
        embeddings: Embeddings,
        *,
        threshold: float = 0.45,
        temperature: float = 0.05,
        name: str = "semantic",
        scoring: Literal["nearest", "centroid", "linear"] = "nearest",
        group_size: int | None = GROUP_SIZE,
    ) -> None:
        if not -1.0 <= threshold <= 1.0 or temperature <= 0:
            raise ConfigurationError(
                "EmbeddingRouter: threshold must be a cosine in [-1, 1], temperature > 0"
            )
        if scoring not in ("nearest", "centroid", "linear"):
            raise ConfigurationError(
                f"EmbeddingRouter: scoring is 'nearest', 'centroid' or 'linear', not {scoring!r}"
            )
        self.scoring = scoring
        self.embeddings = embeddings
        self.threshold = threshold
        self.temperature = temperature
        self.name = name
        self._examples: dict[str, list[str]] = {}
        self._matrix: NDArray[np.float32] | None = None
        self._labels: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._centroids: NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)  # (groups, dim)
        self._groups: NDArray[np.int64] = np.zeros(0, dtype=np.int64)  # per example, its group
        self._group_route: NDArray[np.int64] = np.zeros(0, dtype=np.int64)  # per group, its route
        self._linear: tuple[NDArray[np.float32], NDArray[np.float32]] | None = None  # (coef, intercept)
        self.group_size = group_size
        self._sub_labels: list[str] | None = None  # per example, its route and sub-route
        self._lock = threading.Lock()

    def fit(
        self,
        examples: Mapping[str, Sequence[str]],
        *,
        sub_routes: Mapping[str, Sequence[str]] | None = None,
    ) -> EmbeddingRouter:
        """Learn ``{route: utterances}`` (blank utterances ignored; every route needs one).

        ``sub_routes``: per route, a finer label for each of its utterances (parallel to them: a
        domain's intents, a specialist's skills). A route's groups are then its sub-routes rather
        than k-means clusters (``GROUP_SIZE``): the kinds of request the user told apart."""
        subs = _parallel_sub_routes(examples, sub_routes)
        kept: dict[str, list[str]] = {}
        kept_subs: list[str] = []
        for route, utterances in examples.items():
            pairs = [
                (u, sub) for u, sub in zip(utterances, subs.get(route, [""] * len(utterances)), strict=True)
            ]
            kept[route] = [u for u, _ in pairs if u.strip()]
            kept_subs += [f"{route}\x00{sub}" for u, sub in pairs if u.strip()]
        empty = sorted(route for route, utterances in kept.items() if not utterances)
        if not kept or empty:
            raise ConfigurationError(
                "EmbeddingRouter needs at least one example per route"
                + (f"; none for {', '.join(empty)}" if empty else "")
            )
        with self._lock:
            self._examples, self._matrix = kept, None
            self._sub_labels = kept_subs if sub_routes is not None else None
        return self

    @property
    def routes(self) -> list[str]:
        return list(self._examples)

    def _fitted(self) -> NDArray[np.float32]:
        with self._lock:  # embedded once, on first use, by whichever thread gets here first
            if self._matrix is None:
                if not self._examples:
                    raise ConfigurationError("EmbeddingRouter.fit must be called before routing")
                texts = [u for utterances in self._examples.values() for u in utterances]
                labels = [i for i, utterances in enumerate(self._examples.values()) for _ in utterances]
                matrix = _unit_rows(self.embeddings.embed_documents(texts))
                self._labels = np.asarray(labels, dtype=np.int64)
                if self._sub_labels is not None:
                    self._groups, self._group_route = sub_route_groups(self._sub_labels, self._labels)
                else:
                    self._groups, self._group_route = route_groups(matrix, self._labels, self.group_size)
                sums = np.zeros((len(self._group_route), matrix.shape[1]), dtype=np.float32)
                np.add.at(sums, self._groups, matrix)
                self._centroids = _unit_rows(sums)
                # a refit to one route has no classifier: the last fit's must not outlive its routes
                linear = self.scoring == "linear" and len(self._examples) >= 2
                self._linear = fit_linear(matrix, self._groups) if linear else None
                self._matrix = matrix
            return self._matrix

    def similarities(self, vector: Sequence[float]) -> NDArray[np.float32]:
        """Per route, the cosine of ``vector`` to the route's nearest example (``scoring="nearest"``)
        or to the mean of its examples (``"centroid"``: steadier from a handful of examples;
        ``"linear"`` uses these too, for *none*)."""
        matrix = self._fitted()
        if self.scoring != "nearest":  # "linear" too: its *none* is the centroids' call
            return self.route_best(self._centroids @ _unit_rows(vector)[0], self._group_route)
        return self.route_best(matrix @ _unit_rows(vector)[0], self._labels)

    def route_best(self, values: NDArray[np.float32], owner: NDArray[np.int64]) -> NDArray[np.float32]:
        """Per route, the highest of ``values`` whose ``owner`` (route index) it is."""
        best = np.full(len(self._examples), -1.0, dtype=np.float32)
        np.maximum.at(best, owner, values.astype(np.float32))
        return best

    def distribution(self, vector: Sequence[float]) -> NDArray[np.float64]:
        """Probabilities of the routes and, last, of *none*: a softmax of the similarities and the
        threshold; with ``scoring="linear"``, the routes' share of it divided as the linear
        classifier says (see :func:`fit_linear`)."""
        sims = self.similarities(vector)
        probs = softmax(np.append(sims, self.threshold) / self.temperature)
        if self._linear is None:
            return probs
        coef, intercept = self._linear
        groups = softmax((coef @ _unit_rows(vector)[0] + intercept) / LINEAR_TEMPERATURE)
        routes = np.bincount(self._group_route, weights=groups, minlength=len(self._examples))
        return np.append((1.0 - probs[-1]) * routes, probs[-1])

    def scores_for(self, vector: Sequence[float]) -> RouteScores:
        sims = self.similarities(vector)
        probs = self.distribution(vector)
        routes = self.routes
        scores = {routes[i]: round(float(probs[i]), 4) for i in np.argsort(-probs[:-1], kind="stable")}
        top = int(np.argmax(probs[:-1])) if self._linear is not None else int(np.argmax(sims))
        if self.threshold >= float(sims.max()):
            return RouteScores(None, round(float(probs[-1]), 4), scores, self.name)
        return RouteScores(routes[top], round(float(probs[top]), 4), scores, self.name)

    def route(self, text: str) -> RouteScores:
        return self.scores_for(self.embeddings.embed_query(text))

    async def aroute(self, text: str) -> RouteScores:
        return self.scores_for(await self.embeddings.aembed_query(text))

    def calibrate(
        self, texts: Sequence[str], labels: Sequence[str], *, oos_label: str = "oos", oos_recall: float = 0.8
    ) -> tuple[float, float]:
        """Set ``threshold`` (for ``oos_recall`` of the out-of-scope rows) and ``temperature``
        (maximum likelihood) on held-out rows; returns them."""
        known = {route: index for index, route in enumerate(self.routes)}
        unknown = sorted({lab for lab in labels if lab != oos_label and lab not in known})
        if unknown:
            raise ConfigurationError(
                f"calibration labels the router was not fit on: {', '.join(unknown[:5])}"
            )
        sims = np.stack([self.similarities(v) for v in self.embeddings.embed_documents(list(texts))])
        is_oos = np.asarray([lab == oos_label for lab in labels], dtype=bool)
        if is_oos.any():
            self.threshold = oos_threshold(sims[is_oos].max(axis=1).tolist(), oos_recall)
        logits = np.hstack([sims, np.full((len(texts), 1), self.threshold, dtype=np.float32)])
        target = np.asarray([len(known) if o else known[lab] for lab, o in zip(labels, is_oos, strict=True)])
        self.temperature = fit_temperature(logits, target, self.temperature)
        return self.threshold, self.temperature

    def __repr__(self) -> str:
        return f"EmbeddingRouter({self.embeddings!r}, routes={self.routes})"


def route_groups(
    matrix: NDArray[np.float32], labels: NDArray[np.int64], group_size: int | None
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Split each route's examples into groups of about ``group_size`` (see ``GROUP_SIZE``):
    ``(group of each example, route of each group)``. k-means on the unit vectors (cosine), seeded,
    so the same examples always give the same groups; ``None`` keeps one group a route."""
    n_routes = int(labels.max()) + 1 if labels.size else 0
    groups = np.zeros(labels.size, dtype=np.int64)
    owners: list[int] = []
    for route in range(n_routes):
        members = np.flatnonzero(labels == route)
        k = members.size // group_size if group_size else 1
        if k < 2:
            groups[members] = len(owners)
            owners.append(route)
            continue
        from sklearn.cluster import KMeans

        found = KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(matrix[members])
        groups[members] = len(owners) + found
        owners += [route] * k
    return groups, np.asarray(owners, dtype=np.int64)


def sub_route_groups(
    sub_labels: Sequence[str], labels: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """One group per distinct sub-label (``sub_labels``, parallel to ``labels``): ``(group of each
    example, route of each group)``, as ``route_groups`` gives them."""
    index: dict[str, int] = {}
    owners: list[int] = []
    groups = np.zeros(len(sub_labels), dtype=np.int64)
    for row, (sub, route) in enumerate(zip(sub_labels, labels.tolist(), strict=True)):
        if sub not in index:
            index[sub] = len(owners)
            owners.append(int(route))
        groups[row] = index[sub]
    return groups, np.asarray(owners, dtype=np.int64)


def _parallel_sub_routes(
    examples: Mapping[str, Sequence[str]], sub_routes: Mapping[str, Sequence[str]] | None
) -> Mapping[str, Sequence[str]]:
    """``sub_routes`` checked: one sub-label per example of each route it names (a route it does
    not name is one group)."""
    if sub_routes is None:
        return {}
    for route, subs in sub_routes.items():
        if route not in examples:
            raise ConfigurationError(f"EmbeddingRouter sub_routes: {route!r} is not one of the routes")
        listed = isinstance(subs, Sequence) and not isinstance(subs, str)
        if not listed or not all(isinstance(sub, str) for sub in subs) or len(subs) != len(examples[route]):
            raise ConfigurationError(
                f"EmbeddingRouter sub_routes: route {route!r} needs a list of one sub-route per example"
            )
    return sub_routes


def fit_linear(
    matrix: NDArray[np.float32], labels: NDArray[np.int64]
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """A multinomial logistic regression on the examples' embeddings: ``(coef (routes, dim),
    intercept)``.

    Which route a request is, is better told by a boundary learnt between the routes than by the
    nearest centroid (CLINC150 train rows held out from the fit, top route right: 5-shot 0.892 vs
    0.875, seeds 10-11; a fifth held out of the full set 0.966 vs 0.934). Whether it is any route at
    all stays the similarities' call: a softmax over routes alone has no *none*.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=LINEAR_C, max_iter=LINEAR_MAX_ITER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(matrix, labels)
    n_routes = int(labels.max()) + 1
    coef = np.zeros((n_routes, matrix.shape[1]), dtype=np.float32)
    intercept = np.full(n_routes, -1e4, dtype=np.float32)  # a route the fit never saw: never chosen
    classes = model.classes_.astype(np.int64)
    if len(classes) == 2:  # binary: one hyperplane, positive side = classes[1]
        coef[classes[1]], intercept[classes[1]] = model.coef_[0], model.intercept_[0]
        intercept[classes[0]] = 0.0
    else:
        coef[classes], intercept[classes] = model.coef_, model.intercept_
    return coef, intercept


class CascadeRouter:
    """Asks ``stages`` in order until one is confident (see the module doc)."""

    name = "cascade"

    def __init__(self, stages: Sequence[Router], *, threshold: float = 0.35) -> None:
        if not stages:
            raise ConfigurationError("CascadeRouter needs at least one stage")
        for stage in stages:
            if not isinstance(stage, Router):
                raise ConfigurationError(f"cascade stage {stage!r} is not a router (routes, route(text))")
        if not 0.0 <= threshold <= 1.0:
            raise ConfigurationError("CascadeRouter threshold must be in [0, 1]")
        self.stages = tuple(stages)
        self.threshold = threshold

    @property
    def routes(self) -> list[str]:
        return list(dict.fromkeys(route for stage in self.stages for route in stage.routes))

    def confident(self, scores: RouteScores) -> bool:
        return scores.route is not None and scores.confidence >= self.threshold

    def _skipped(self, stage: Router, exc: Exception) -> None:
        log.warning(
            "router stage %r failed, asking the next: %s",
            stage,
            str(exc).splitlines()[0] if str(exc) else exc,
        )

    def route(self, text: str) -> RouteScores:
        last: RouteScores | None = None
        for stage in self.stages:
            try:
                scores = stage.route(text)
            except ConfigurationError:
                raise
            except Exception as exc:  # an outage of one stage: the others still answer
                self._skipped(stage, exc)
                continue
            if self.confident(scores):
                return scores
            last = scores
        return self._final(last)

    async def aroute(self, text: str) -> RouteScores:
        last: RouteScores | None = None
        for stage in self.stages:
            try:
                scores = await aroute(stage, text)
            except ConfigurationError:
                raise
            except Exception as exc:
                self._skipped(stage, exc)
                continue
            if self.confident(scores):
                return scores
            last = scores
        return self._final(last)

    @staticmethod
    def _final(last: RouteScores | None) -> RouteScores:
        if last is None:
            raise RunError("every router stage failed")
        return last

    def __repr__(self) -> str:
        return f"CascadeRouter({list(self.stages)!r}, threshold={self.threshold})"


def semantic_cascade(
    local: Router,
    examples: Mapping[str, Sequence[str]],
    *,
    model_router: Router | None = None,
    threshold: float = 0.35,
) -> CascadeRouter:
    """``local``, then a MiniLM :class:`EmbeddingRouter` on ``examples`` when the ``semantic`` extra
    is installed (left out, with a log line, when not), then ``model_router`` (an ``LLMRouter``) if
    given. Finding the model is cheap; it loads on the first clause the local router is unsure of."""
    from crewline.memory.knowledge.semantic import SemanticUnavailable, shared_sentence_embedder

    stages: list[Router] = [local]
    try:
        stages.append(EmbeddingRouter(shared_sentence_embedder(quantized=True)).fit(examples))
    except SemanticUnavailable as exc:
        log.info("no semantic routing stage: %s", exc)
    if model_router is not None:
        stages.append(model_router)
    return CascadeRouter(stages, threshold=threshold)
