"""A semantic router refit while other threads route: each request is routed by one fit, whole."""

from __future__ import annotations

import threading
import time

from crewline.memory.knowledge.embeddings import HashingEmbedder
from crewline.nodes.planning.cascade import EmbeddingRouter as ReexportedEmbeddingRouter
from crewline.nodes.planning.embedding_router import EmbeddingRouter

BANKING = {
    "balance": ["what is my balance", "how much money do I have", "show my account balance"],
    "cards": ["freeze my card", "I lost my debit card", "my card was stolen"],
}
TRAVEL = {
    "flights": ["book a flight to Rome", "find me a plane ticket", "flights to Oslo tomorrow"],
    "hotels": ["book a hotel room", "find a hotel in Paris", "a room for two nights"],
    "trains": ["train times to Lyon", "book a train ticket", "when is the next train"],
}
REQUESTS = ["what is my balance please", "book a train to Rome", "freeze the card", "a hotel in Oslo"]


def _route_while_refitting(router: EmbeddingRouter, seconds: float) -> list[str]:
    """Route in two threads while a third refits between two route sets; the problems seen."""
    problems: list[str] = []
    stop = threading.Event()

    def refit() -> None:
        while not stop.is_set():
            router.fit(BANKING)
            router.fit(TRAVEL)

    def route() -> None:
        while not stop.is_set():
            for text in REQUESTS:
                try:
                    scores = router.route(text)
                except Exception as exc:  # a torn fit shows as an index or shape error
                    problems.append(f"{type(exc).__name__}: {exc}")
                    continue
                named = set(scores.scores) | ({scores.route} if scores.route else set())
                if not (named <= set(BANKING) or named <= set(TRAVEL)):
                    problems.append(f"routes of two fits in one answer: {sorted(named)}")
                if len(scores.scores) not in (len(BANKING), len(TRAVEL)):
                    problems.append(f"{len(scores.scores)} routes scored")

    threads = [threading.Thread(target=refit), threading.Thread(target=route), threading.Thread(target=route)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return problems


def test_routing_during_refits_answers_from_one_fit_at_a_time() -> None:
    for scoring in ("nearest", "linear"):
        router = EmbeddingRouter(HashingEmbedder(), threshold=0.0, scoring=scoring).fit(BANKING)
        problems = _route_while_refitting(router, seconds=1.5)
        assert problems == [], f"{scoring}: {len(problems)} torn answers, e.g. {problems[:3]}"


def test_a_refit_takes_effect_on_the_next_request() -> None:
    router = EmbeddingRouter(HashingEmbedder(), threshold=0.0).fit(BANKING)
    assert router.route("freeze my card").route == "cards"
    router.fit(TRAVEL)
    assert router.route("book a train ticket").route == "trains"
    assert set(router.route("freeze my card").scores) == set(TRAVEL)


def test_the_cascade_module_still_exports_the_embedding_router() -> None:
    assert ReexportedEmbeddingRouter is EmbeddingRouter
