"""Routing to groups of routes (``crewline.nodes.planning.group_router``): a domain from an intent
router's answer, out of scope decided once by the intent router."""

from __future__ import annotations

import asyncio

import pytest

from crewline.errors import ConfigurationError
from crewline.evals.routing import LabelledRow, evaluate_routing
from crewline.nodes.planning.embedding_router import EmbeddingRouter
from crewline.nodes.planning.group_router import GroupRouter
from crewline.nodes.planning.margin_cascade import MarginCascade
from crewline.nodes.planning.router import Router
from crewline.nodes.planning.routing_protocol import LocalRouter, RouteScores
from tests.support.knowledge import CountingEmbedder

INTENTS = {
    "freeze": ["freeze my card", "lock my card", "block my debit card", "put a hold on my card"],
    "lost": ["I lost my card", "my card is missing", "my card was stolen", "cannot find my card"],
    "balance": ["what is my balance", "how much money do I have", "show my account balance"],
    "rain": ["will it rain today", "is rain expected tomorrow", "do I need an umbrella"],
}
DOMAIN = {"freeze": "cards", "lost": "cards", "balance": "money", "rain": "weather"}


def _intent_router(threshold: float | None = None) -> LocalRouter:
    return LocalRouter(Router(threshold=threshold, oos_recall=None).fit(INTENTS))


def test_the_answer_is_the_group_of_the_best_route_scored_by_its_routes_sum() -> None:
    inner = _intent_router()
    grouped = GroupRouter(inner, DOMAIN)
    assert grouped.routes == ["cards", "money", "weather"]
    intent = inner.route("lock my card please")
    answer = grouped.route("lock my card please")
    assert intent.route == "freeze" and answer.route == "cards"
    cards = intent.scores["freeze"] + intent.scores["lost"]
    assert answer.scores["cards"] == pytest.approx(cards, abs=1e-3)
    assert answer.confidence == answer.scores["cards"] > intent.confidence  # its routes' sum
    assert list(answer.scores) == sorted(answer.scores, key=lambda g: -answer.scores[g])
    assert asyncio.run(grouped.aroute("lock my card please")) == answer


def test_out_of_scope_stays_out_of_scope_with_the_wrapped_routers_confidence() -> None:
    inner = _intent_router(threshold=50.0)  # none beats every route
    intent = inner.route("lock my card please")
    answer = GroupRouter(inner, DOMAIN).route("lock my card please")
    assert intent.route is None and answer.route is None
    assert answer.confidence == intent.confidence


def test_a_group_more_probable_than_none_is_in_scope_though_none_beats_each_route() -> None:
    # "my card" is split between the two card intents: none beats each, not their sum.
    texts = ["freeze my card", "lock my card", "my card is lost", "I lost my card", "what is my balance"]
    intents = ["freeze", "freeze", "lost", "lost", "balance"]
    inner = LocalRouter(Router(threshold=0.3, temperature=1.0).fit_rows(texts, intents))
    intent = inner.route("my card")
    none = 1.0 - sum(intent.scores.values())
    assert intent.route is None and max(intent.scores.values()) < none
    assert none < intent.scores["freeze"] + intent.scores["lost"]
    answer = GroupRouter(inner, DOMAIN).route("my card")
    assert answer.route == "cards" and answer.confidence > none


def test_a_wrong_route_in_the_right_group_is_a_right_group() -> None:
    # "my card" is either card intent: the intent may be wrong, its domain is right.
    rows = [
        LabelledRow(text, (intent,), n)
        for n, (text, intent) in enumerate(
            [
                ("hold my card", "freeze"),
                ("my card went missing", "lost"),
                ("my card", "lost"),
                ("lock the card", "lost"),
                ("umbrella today?", "rain"),
            ]
        )
    ]
    inner = _intent_router()
    domains = [LabelledRow(row.text, (DOMAIN[row.labels[0]],), row.line) for row in rows]
    by_intent = evaluate_routing(inner, rows, oos_label="oos")["accuracy"]
    by_domain = evaluate_routing(GroupRouter(inner, DOMAIN), domains, oos_label="oos")["accuracy"]
    assert by_intent is not None and by_domain is not None and by_intent < by_domain == 1.0


def test_every_route_needs_a_group() -> None:
    with pytest.raises(ConfigurationError, match="'rain'"):
        GroupRouter(_intent_router(), {k: v for k, v in DOMAIN.items() if k != "rain"})


def test_a_route_learnt_after_the_groups_were_given_is_a_group_of_its_own() -> None:
    inner = _intent_router()
    grouped = GroupRouter(inner, DOMAIN)
    scores = RouteScores("snow", 0.6, {"snow": 0.6, "rain": 0.3}, "local")
    answer = grouped.grouped(scores)
    assert answer.route == "snow" and answer.scores == {"snow": 0.6, "weather": 0.3}


def test_it_wraps_the_semantic_cascade() -> None:
    embedder = CountingEmbedder()
    semantic = EmbeddingRouter(embedder, scoring="centroid").fit(INTENTS)
    cascade = MarginCascade(Router().fit(INTENTS), semantic, margin=1.01)  # escalate everything
    answer = GroupRouter(cascade, DOMAIN).route("my card is gone")
    assert embedder.queries == ["my card is gone"] and answer.router == "semantic"
    assert answer.route in {"cards", "money", "weather", None}
    assert sum(answer.scores.values()) <= 1.0 + 1e-3
