"""The small test crew framework tests build from Python objects, the way a user would."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import tool

from crewline import Specialist, build_crew

FORECASTS = {"Oslo": "Rain in Oslo, 9°C.", "Paris": "Sunny in Paris, 21°C."}
BALANCES = {"C-1001": "$1,234.50", "C-1002": "$312.08"}
FROZEN: list[str] = []


def forecast(city: str) -> str:
    """The weather forecast for a city."""
    return FORECASTS.get(city, f"No forecast for {city}.")


async def air_quality(city: str) -> str:
    """The air quality index for a city."""
    return f"Air quality in {city}: good (AQI 21)."


def get_balance(customer_id: str) -> dict[str, Any]:
    """The current balance of a customer account."""
    if customer_id not in BALANCES:
        raise ValueError(f"no customer {customer_id}")
    return {"summary": f"Customer {customer_id} owes {BALANCES[customer_id]}.", "confidence": 1.0}


@tool
def freeze_card(customer_id: str) -> str:
    """Freeze the card of a customer (lost or stolen card)."""
    FROZEN.append(customer_id)
    return f"The card of {customer_id} is frozen."


freeze_card.metadata = {"requires_approval": True}


def weather_specialist(**overrides: Any) -> Specialist:
    fields: dict[str, Any] = {
        "examples": ["what's the weather in Oslo", "will it rain tomorrow", "is it sunny in Rome"],
        "tools": [forecast],
    }
    return Specialist("weather", "weather forecasts for a city", **(fields | overrides))


def air_specialist(**overrides: Any) -> Specialist:
    fields: dict[str, Any] = {
        "examples": ["how is the air quality in Paris", "is the air clean today", "pollution level"],
        "tools": [air_quality],
    }
    return Specialist("air", "air quality and pollution in a city", **(fields | overrides))


def billing_specialist(**overrides: Any) -> Specialist:
    fields: dict[str, Any] = {
        "examples": ["what is the balance for customer C-1001", "how much do I owe", "freeze my card"],
        "tools": [get_balance, freeze_card],
    }
    return Specialist("billing", "balances of customer accounts and card freezes", **(fields | overrides))


def small_crew(**options: Any) -> Any:
    """A three-specialist crew over plain functions: offline unless ``model=`` is given."""
    specialists = options.pop("specialists", None) or [
        weather_specialist(),
        air_specialist(),
        billing_specialist(),
    ]
    return build_crew("test_crew", specialists=specialists, **options)
