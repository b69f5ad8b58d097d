"""A small crew and labelled experiences for the learning tests."""

from __future__ import annotations

from crewline.memory.learning.experiences import LabelledExample
from crewline.testing.crews import one_tool_specialists


def get_forecast(city: str) -> str:
    """The weather forecast for a city."""
    return f"Sunny in {city}."


def get_balance(customer_id: str) -> str:
    """The balance of a customer."""
    return "42 USD"


def get_rates() -> str:
    """Exchange rates today."""
    return "1 EUR = 1.1 USD"


# the crew's own routing examples (PHRASINGS below are new ways of asking the same)
EXAMPLES = {
    "weather": ["what's the weather in Oslo", "will it rain tomorrow", "forecast for Berlin"],
    "billing": ["what is my balance", "how much do I owe", "amount due on my account"],
    "rates": ["euro to dollar rate", "exchange rate today", "how many yen for a pound"],
}
SPECIALISTS = one_tool_specialists(
    weather=("weather forecasts for a city", EXAMPLES["weather"], get_forecast),
    billing=("balances and amounts owed", EXAMPLES["billing"], get_balance),
    rates=("currency exchange rates", EXAMPLES["rates"], get_rates),
)
BASE = {s.name: [s.description, *s.examples] for s in SPECIALISTS}

CITIES = ["Leeds", "York", "Bath", "Derby", "Hull", "Ely", "Wells", "Truro", "Perth", "Inverness"]
# new ways of asking, none of whose words the crew's own examples use
PHRASINGS = {
    "weather": [
        "do I need a brolly in {c}",
        "should I pack an umbrella for {c}",
        "is it going to be sunny in {c}",
    ],
    "billing": ["what is outstanding on my tab in {c}", "settle up: what is my debt for {c}"],
    "rates": ["what do you charge to convert cash in {c}", "swap my quid into kroner in {c}"],
}


def experiences(*, flip: bool = False) -> list[LabelledExample]:
    """Labelled experiences teaching the phrasings above (``flip``: every label wrong)."""
    routes = list(PHRASINGS)
    found = []
    for route, templates in PHRASINGS.items():
        for t, template in enumerate(templates):
            for c, city in enumerate(CITIES):
                label = routes[(routes.index(route) + 1) % len(routes)] if flip else route
                found.append(
                    LabelledExample(
                        key=f"thread-{route}-{t}-{c}:1:0",
                        text=template.format(c=city),
                        label=label,
                        crew="learners",
                    )
                )
    return found
