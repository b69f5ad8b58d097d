"""The margin cascade with MiniLM and linear scoring on a crew's handful of examples; skipped
without ``crewline[semantic]``."""

from __future__ import annotations

import pytest

from crewline.nodes.planning.margin_cascade import margin_cascade, semantic_installed
from crewline.nodes.planning.router import Router

ROUTES = {
    "weather": ["what's the weather in Oslo", "will it rain tomorrow", "how hot is it in Rome"],
    "air_quality": [
        "what is the air quality in Delhi",
        "is the pollution bad in Beijing",
        "pollen count in London",
    ],
    "travel": ["book a flight to Paris", "find a hotel in Berlin", "train times to Madrid"],
}


@pytest.fixture(scope="module")
def cascade():  # type: ignore[no-untyped-def]
    if not semantic_installed():
        pytest.skip("the semantic extra is not installed")
    return margin_cascade(Router().fit(ROUTES), ROUTES)


@pytest.mark.parametrize("text", ["what is the capital of France?", "tell me a joke about cats"])
def test_a_question_no_specialist_handles_stays_out_of_scope(cascade, text: str) -> None:  # type: ignore[no-untyped-def]
    assert cascade.route(text).route is None


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("will it be hot in Lisbon tomorrow", "weather"),
        ("is the air bad in Delhi today", "air_quality"),
        ("find me a flight to Vienna", "travel"),
    ],
)
def test_requests_like_the_examples_reach_their_specialist(cascade, text: str, route: str) -> None:  # type: ignore[no-untyped-def]
    assert cascade.route(text).route == route
