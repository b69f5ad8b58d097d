"""A crew of one specialist routed by the lexical router alone: the README's weather crew (a
description and two examples) takes weather requests worded unlike its examples and declines
requests that share only function words with them (issue 16: "is it sunny in Paris" went to a
human, "what is the balance for customer C-1001" to the forecaster)."""

from __future__ import annotations

import pytest

from crewline.nodes.planning.router import Router

WEATHER = {
    "forecaster": ["weather forecasts for a city", "what's the weather in Oslo", "will it rain tomorrow"]
}


@pytest.fixture(scope="module")
def router() -> Router:
    return Router().fit(WEATHER)


@pytest.mark.parametrize(
    "text",
    [
        "is it sunny in Paris",
        "is it going to snow in Denver",
        "What's the weather in Oslo?",
        "forecast for Lisbon",
        "what is the temperature in Madrid",
        "how hot will it be in Rome",
        "will there be fog in San Francisco",
        "how windy is Chicago today",
    ],
)
def test_a_weather_request_reaches_the_only_specialist(router: Router, text: str) -> None:
    assert router.route(text).route == "forecaster"


@pytest.mark.parametrize(
    "text",
    [
        "what is the balance for customer C-1001",  # "what is the ... for" alone made it close enough
        "what is the status of my order",
        "book me a flight to Paris",
        "tell me a joke",
    ],
)
def test_a_request_sharing_only_function_words_is_out_of_scope(router: Router, text: str) -> None:
    assert router.route(text).route is None
