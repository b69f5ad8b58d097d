"""The small test crew framework tests build from Python objects, the way a user would."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from langchain_core.tools import tool
from langgraph.config import get_config, get_store

from crewline import Specialist, build_crew
from crewline.memory.state.store import user_namespace
from tests.support.fake_openai import (
    Reply,
    has_tool_result,
    last_user_text,
    offered_tools,
    structured,
    text,
    tool_call,
)

FORECASTS = {"Oslo": "Rain in Oslo, 9°C.", "Paris": "Sunny in Paris, 21°C."}
BALANCES = {"C-1001": "$1,234.50", "C-1002": "$312.08"}
FROZEN: list[str] = []
REPLACEMENT_DAYS = "5–7 business days"
HELP_ARTICLES = {
    "replacement": (
        "Replacement cards",
        f"A replacement card arrives in {REPLACEMENT_DAYS} by standard mail after the old one is frozen.",
    ),
    "hours": ("Opening hours", "The help desk answers calls from 8 am to 8 pm on weekdays."),
}


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


def search_help(query: str) -> dict[str, Any]:
    """Search the help-centre articles (replacement cards, opening hours) for a question."""
    words = set(re.findall(r"\w+", query.lower()))
    key = "hours" if words & {"open", "opening", "hours", "call"} else "replacement"
    title, passage = HELP_ARTICLES[key]
    return {
        "summary": passage,
        "sources": [{"id": f"help-{key}", "title": title, "snippet": passage}],
        "confidence": 0.9,
    }


def _facts() -> tuple[Any, tuple[str, ...]]:
    """The crew's long-term store and this user's namespace in it (the run's ``user_id``)."""
    user = str(get_config()["configurable"].get("user_id") or "anonymous")
    return get_store(), user_namespace("test_crew", None, user, "facts")


def remember_fact(fact: str) -> str:
    """Remember a fact the customer tells about themselves (a preference, a detail) for later."""
    store, namespace = _facts()
    store.put(namespace, f"fact-{len(store.search(namespace)) + 1}", {"text": fact})
    return f"Noted: {fact}"


def recall_facts() -> str:
    """What the customer told us about themselves before, in any conversation."""
    store, namespace = _facts()
    facts = sorted(item.value["text"] for item in store.search(namespace))
    return "You told us: " + "; ".join(facts) if facts else "Nothing on file yet."


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


def help_specialist(**overrides: Any) -> Specialist:
    """Answers from help-centre passages (sources with text): what the model groundedness check judges."""
    fields: dict[str, Any] = {
        "examples": ["how long does a replacement card take", "when are you open", "what are your hours"],
        "tools": [search_help],
    }
    description = "help-centre articles: replacement cards, opening hours"
    return Specialist("help", description, **(fields | overrides))


def memory_specialist(**overrides: Any) -> Specialist:
    """Keeps what a user says about themselves in the crew's long-term store (``build_crew(store=)``)."""
    fields: dict[str, Any] = {
        "examples": [
            "remember that I prefer e-mail",
            "please note that I am vegetarian",
            "what do you know about me",
        ],
        "tools": [remember_fact, recall_facts],
    }
    description = "remembers facts about the customer across conversations"
    return Specialist("memory", description, **(fields | overrides))


def small_crew(**options: Any) -> Any:
    """A three-specialist crew over plain functions: offline unless ``model=`` is given."""
    specialists = options.pop("specialists", None) or [
        weather_specialist(),
        air_specialist(),
        billing_specialist(),
    ]
    return build_crew("test_crew", specialists=specialists, **options)


def small_crew_yaml(folder: Path, specialists: list[Specialist] | None = None, **sections: Any) -> Path:
    """:func:`small_crew` as a YAML spec in ``folder`` (tools by import path), for what takes a spec file
    (``crewline run --crew PATH``, ``crewline health --crew PATH``). ``specialists``: built by this
    module's helpers (default: the three of :func:`small_crew`); ``sections``: ``models``, ``guards``, ...
    Written from the same specialist objects, so the two crews cannot drift apart."""
    chosen = specialists or [weather_specialist(), air_specialist(), billing_specialist()]
    entries = [
        {
            "name": s.name,
            "description": s.description,
            "examples": list(s.examples),
            "tools": [f"{__name__}:{getattr(t, 'name', None) or getattr(t, '__name__', t)}" for t in s.tools],
        }
        for s in chosen
    ]
    path = folder / "test_crew.yaml"
    spec = {"name": "test_crew", "specialists": entries, **sections}
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


_CITY = re.compile(r"\b(Oslo|Paris|Rome|Bergen)\b")
_CUSTOMER = re.compile(r"\bC-\d{4}\b")


def crew_agent(body: dict[str, Any], *, route: str = "billing") -> Reply:
    """A well-behaved model for the small crew behind ``FakeOpenAI``: routes an unsure clause to
    ``route`` when asked, calls the tool the task needs once, then answers from its result."""
    tools = offered_tools(body)
    if body.get("response_format") or isinstance(body.get("tool_choice"), dict) or "RouteChoice" in tools:
        return structured({"specialist": route, "confidence": 0.8})
    if has_tool_result(body):
        content = body["messages"][-1]["content"]
        try:
            result = json.loads(content)
        except ValueError:
            result = content
        if isinstance(result, dict):
            result = result.get("summary") or result.get("error")
        return text(f"Model answer: {result}")
    task = last_user_text(body).split("Known context:")[0]
    customer, city = _CUSTOMER.search(last_user_text(body)), _CITY.search(task)
    lowered = task.lower()
    if "freeze_card" in tools and customer and any(w in lowered for w in ("freeze", "lost", "stolen")):
        return tool_call("freeze_card", {"customer_id": customer.group(0)})
    if "get_balance" in tools and customer:
        return tool_call("get_balance", {"customer_id": customer.group(0)})
    if "forecast" in tools and city:
        return tool_call("forecast", {"city": city.group(0)})
    if "air_quality" in tools and city:
        return tool_call("air_quality", {"city": city.group(0)})
    if "search_help" in tools:
        return tool_call("search_help", {"query": task})
    return text("I need a few more details to help with that.")
