"""The margin cascade (``crewline.nodes.planning.margin_cascade``) with an offline embedder: which
requests reach the embedder, what an escalated answer is, and that the default install has none."""

from __future__ import annotations

import asyncio

import pytest

from crewline.memory.knowledge.embeddings import HashingEmbedder
from crewline.nodes.planning import margin_cascade as cascade_module
from crewline.nodes.planning.cascade import EmbeddingRouter
from crewline.nodes.planning.margin_cascade import MarginCascade, fit_semantic_threshold
from crewline.nodes.planning.planner import PlannerSettings, RouteExamples, build_planner
from crewline.nodes.planning.router import Router
from crewline.nodes.planning.routing_protocol import RouteScores
from tests.support.knowledge import CountingEmbedder

ROUTES = {
    "billing": ["what is my balance", "how much do I owe", "list my open invoices", "when is my payment due"],
    "cards": ["I lost my card", "freeze my card", "my card was stolen", "report fraud on my card"],
    "accounts": ["what email do you have for me", "is my account active", "update my phone number"],
}


def _cascade(routes: dict[str, list[str]], margin: float = 0.8) -> tuple[MarginCascade, CountingEmbedder]:
    embedder = CountingEmbedder()
    semantic = EmbeddingRouter(embedder, scoring="centroid").fit(routes)
    return MarginCascade(Router().fit(routes), semantic, margin=margin), embedder


def test_only_requests_with_a_small_lexical_margin_reach_the_embedder() -> None:
    cascade, embedder = _cascade(ROUTES)
    certain = cascade.route("freeze my card")  # one of the examples: the lexical router is sure
    assert certain.route == "cards" and certain.router == "local" and embedder.queries == []
    unsure = "my card payment is due"  # billing or cards: a close call
    assert not cascade.certain(_scores(cascade, unsure))
    answer = cascade.route(unsure)
    assert embedder.queries == [unsure] and answer.router == "semantic" and cascade.escalated == 1
    assert asyncio.run(cascade.aroute("freeze my card")).router == "local"


def _scores(cascade: MarginCascade, text: str) -> RouteScores:
    return RouteScores.from_route_score(cascade.lexical.route(text), "local")


def test_an_escalated_answer_is_the_mean_of_both_distributions() -> None:
    cascade, _ = _cascade(ROUTES, margin=1.01)  # escalate everything
    text = "how much do I owe on my card"
    answer = cascade.route(text)
    lexical = _scores(cascade, text)
    assert sum(answer.scores.values()) <= 1.0 + 1e-3
    assert answer.route in ROUTES or answer.route is None
    assert answer.scores != lexical.scores  # the semantic stage had its say


def test_a_single_route_is_never_certain() -> None:
    weather = {"forecaster": ["what's the weather in Oslo", "will it rain tomorrow"]}
    cascade, embedder = _cascade(weather, margin=0.01)
    cascade.route("what's the weather in Oslo")
    assert embedder.queries == ["what's the weather in Oslo"]


def test_the_semantic_threshold_rejects_the_wanted_share_of_out_of_scope_examples() -> None:
    semantic = EmbeddingRouter(HashingEmbedder(), scoring="centroid").fit(ROUTES)
    outside = [f"tell me about the history of {topic}" for topic in ("rome", "jazz", "tea", "chess", "maps")]
    threshold = fit_semantic_threshold(semantic, oos_examples=outside, oos_recall=0.8)
    rejected = [semantic.route(text).route is None for text in outside]
    assert sum(rejected) >= 4 and threshold == semantic.threshold


def test_the_default_install_plans_with_the_lexical_router_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    routes = [RouteExamples(name, name, examples) for name, examples in ROUTES.items()]
    monkeypatch.setattr(cascade_module, "semantic_installed", lambda: False)
    planner = build_planner(
        routes, entity_patterns={}, model=None, settings=PlannerSettings(), default_threshold=0.35
    )
    assert planner.semantic is None
