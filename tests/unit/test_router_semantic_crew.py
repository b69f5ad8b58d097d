"""The README's weather crew (two examples) with the semantic extra: the cascade routes what the
lexical router alone cannot; skipped without ``crewline[semantic]``."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from crewline import Specialist, build_crew
from crewline.nodes.planning.margin_cascade import semantic_installed


def forecast(city: str) -> str:
    """The weather forecast for a city."""
    return f"Sunny in {city}, 21°C."


@pytest.fixture(scope="module")
def crew() -> Any:
    if not semantic_installed():
        pytest.skip("the semantic extra is not installed")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    specialist = Specialist(
        "forecaster",
        "weather forecasts for a city",
        examples=["what's the weather in Oslo", "will it rain tomorrow"],
        tools=[forecast],
    )
    return build_crew("weather", specialists=[specialist])


def _subtasks(crew: Any, text: str) -> list[tuple[str | None, str]]:
    state = crew.invoke({"messages": [HumanMessage(text)]}, {"configurable": {"thread_id": uuid.uuid4().hex}})
    return [(s["specialist"], s["status"]) for s in state["subtasks"]]


def test_a_weather_question_in_other_words_reaches_the_forecaster(crew: Any) -> None:
    # Before: out of scope, passed to a human (no word in common with the two examples).
    assert _subtasks(crew, "is it sunny in Paris") == [("forecaster", "done")]


def test_a_balance_question_is_not_the_forecasters(crew: Any) -> None:
    # Before: routed to the forecaster, which then asked for a city.
    assert _subtasks(crew, "what is the balance for customer C-1001") == [(None, "out_of_scope")]


def test_the_examples_own_questions_stay_with_the_forecaster(crew: Any) -> None:
    assert _subtasks(crew, "What's the weather in Oslo?") == [("forecaster", "done")]
    assert _subtasks(crew, "will it snow in Berlin this weekend") == [("forecaster", "done")]
