"""How to fill one tool argument offline, without a model: declared rules first, else inferred ones.

A field may declare its rule (``json_schema_extra={"extract": REGEX}`` or ``{"free_text": True}``).
Plain functions, MCP tools and most third-party tools declare nothing, so a rule is inferred from what
they do say: the argument's name, its JSON type and its description ("what's the weather in Oslo"
fills ``city: str`` with ``Oslo``). An argument no rule fits is filled from the thread's context by
name, or asked for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["ArgumentRule", "rule_for"]

_FREE_TEXT_WORDS = frozenset(
    ["query", "question", "text", "topic", "request", "message", "q", "search", "prompt", "input", "issue"]
)
# Arguments that describe the case in the caller's own words ("report fraud on charges I don't
# recognise" is the fraud report's details): the request itself fills them, as a human agent would
# copy the customer's words into the form; an approval-gated call still shows them to the approver.
_DESCRIPTION_WORDS = frozenset(
    [
        "details",
        "detail",
        "description",
        "reason",
        "note",
        "notes",
        "comment",
        "comments",
        "summary",
        "explanation",
        "complaint",
        "feedback",
        "body",
        "content",
    ]
)
_PLACE_WORDS = frozenset(
    ["city", "town", "location", "place", "destination", "country", "region", "area", "where"]
)
# A capitalised name after a preposition ("in New York", "for Oslo"); case matters here, so the
# pattern is compiled without IGNORECASE, and a sentence's first word is never taken for a name.
_PLACE = re.compile(r"\b(?:in|for|at|to|near|from|of|around)\s+([A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})")
_IDENTIFIER = re.compile(r"\b([A-Za-z]{1,6}-\d{2,}|[A-Za-z]{1,4}\d{3,}|\d{3,})\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d ()-]{6,}\d")
_URL = re.compile(r"https?://\S+")
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_NUMBER = re.compile(r"(?<![\w.-])(-?\d+(?:\.\d+)?)(?![\w.])")


@dataclass(frozen=True)
class ArgumentRule:
    """``regex``: the first match (group 1 if any) in the text, else the context's value of that name;
    ``free_text``: the text itself; ``context``: only the context's value."""

    kind: Literal["regex", "free_text", "context"]
    pattern: re.Pattern[str] | None = None
    entity: bool = False  # an identifier the planner tracks in the thread's context (and strips)


_CONTEXT_ONLY = ArgumentRule("context")


def _words(name: str, prop: Mapping[str, Any]) -> set[str]:
    text = f"{name} {prop.get('description', '')}".replace("_", " ").lower()
    return set(re.findall(r"[a-z]+", text))


def _declared(prop: Mapping[str, Any]) -> ArgumentRule | None:
    if isinstance(prop.get("extract"), str):
        return ArgumentRule("regex", re.compile(prop["extract"], re.IGNORECASE), entity=True)
    if prop.get("free_text"):
        return ArgumentRule("free_text")
    return None


def _by_name(name: str, words: set[str]) -> ArgumentRule | None:
    lowered = name.lower()
    if "email" in words:
        return ArgumentRule("regex", _EMAIL, entity=True)
    if "phone" in words:
        return ArgumentRule("regex", _PHONE, entity=True)
    if words & {"url", "link", "website"}:
        return ArgumentRule("regex", _URL)
    if lowered == "id" or lowered.endswith(("_id", "_number", "_no", "_ref")) or name.endswith("Id"):
        return ArgumentRule("regex", _IDENTIFIER, entity=True)
    if lowered in _PLACE_WORDS or (set(lowered.split("_")) & _PLACE_WORDS):
        return ArgumentRule("regex", _PLACE)
    if lowered in _FREE_TEXT_WORDS or lowered in _DESCRIPTION_WORDS:
        return ArgumentRule("free_text")
    return None


def rule_for(name: str, prop: Mapping[str, Any], *, only_text_argument: bool) -> ArgumentRule:
    """The rule for argument ``name`` with JSON schema ``prop``. ``only_text_argument``: it is the
    tool's one required string argument, which takes the request itself when nothing else fits."""
    declared = _declared(prop)
    if declared is not None:
        return declared
    words = _words(name, prop)
    inferred = _by_name(name, words)
    if inferred is not None:
        return inferred
    kind = prop.get("type")
    if kind in ("integer", "number"):
        return ArgumentRule("regex", _NUMBER)
    if "date" in words and kind == "string":
        return ArgumentRule("regex", _DATE)
    if words & _PLACE_WORDS and kind == "string":  # "the place to look up", "which city"
        return ArgumentRule("regex", _PLACE)
    if only_text_argument:
        return ArgumentRule("free_text")
    return _CONTEXT_ONLY
