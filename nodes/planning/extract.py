"""Offline argument extraction: fill a tool's arguments from text, without a model.

Tools may declare how: a field with ``json_schema_extra={"extract": REGEX}`` is searched for in the text
(group 1 if the regex has a group), a field with ``{"free_text": True}`` receives the text itself.
Undeclared fields (plain functions, MCP tools) get a rule inferred from their name, type and
description (:mod:`crewline.nodes.planning.argument_rules`). Values not in the text come from the
handoff's context (entities of the request and the thread).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel

from crewline.nodes.planning.argument_rules import ArgumentRule, rule_for

__all__ = ["Extraction", "entity_patterns", "extract_arguments", "extract_entities"]


@dataclass(frozen=True)
class Extraction:
    args: dict[str, Any]
    missing: tuple[str, ...]  # required fields nothing could fill


def _fields(tool: BaseTool) -> list[tuple[str, dict[str, Any], bool]]:
    """``(name, JSON schema, required)`` per argument, for pydantic and JSON-schema tools (MCP) alike."""
    schema = tool.args_schema
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        json_schema = schema.model_json_schema()
    elif isinstance(schema, dict):
        json_schema = schema
    else:
        return []
    properties = json_schema.get("properties") or {}
    required = set(json_schema.get("required") or [])
    return [(str(name), dict(prop or {}), name in required) for name, prop in properties.items()]


# A tool's rules, kept while the tool lives: building them asks pydantic for the argument schema,
# most of an offline extraction's cost, and a crew's tools do not change between requests.
_KEPT: dict[int, tuple[weakref.ref[BaseTool], list[tuple[str, ArgumentRule, bool]]]] = {}


def _rules(tool: BaseTool) -> list[tuple[str, ArgumentRule, bool]]:
    kept = _KEPT.get(id(tool))
    if kept is not None and kept[0]() is tool:
        return kept[1]
    rules = _rules_of(tool)
    key = id(tool)
    _KEPT[key] = (weakref.ref(tool, lambda _ref: _KEPT.pop(key, None)), rules)
    return rules


def _rules_of(tool: BaseTool) -> list[tuple[str, ArgumentRule, bool]]:
    fields = _fields(tool)
    texts = [name for name, prop, required in fields if required and prop.get("type", "string") == "string"]
    return [
        (name, rule_for(name, prop, only_text_argument=texts == [name]), required)
        for name, prop, required in fields
    ]


def entity_patterns(tools: Iterable[BaseTool]) -> dict[str, re.Pattern[str]]:
    """The identifiers the tools take, by field name (the entities a crew knows): every ``extract``
    regex they declare, and ids, emails and phone numbers their argument names ask for."""
    patterns: dict[str, re.Pattern[str]] = {}
    for tool in tools:
        for name, rule, _ in _rules(tool):
            if rule.entity and rule.pattern is not None and name not in patterns:
                patterns[name] = rule.pattern
    return patterns


def _search(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    if match is None:
        return None
    value = (match.group(1) if pattern.groups else match.group(0)).strip()
    return value.upper() if value.isascii() and re.fullmatch(r"[A-Za-z]+-\d+", value) else value


def extract_entities(text: str, patterns: Mapping[str, re.Pattern[str]]) -> dict[str, str]:
    """The first value of every known entity found in ``text``."""
    found: dict[str, str] = {}
    for name, pattern in patterns.items():
        value = _search(pattern, text)
        if value is not None:
            found[name] = value
    return found


def extract_arguments(tool: BaseTool, text: str, context: Mapping[str, str]) -> Extraction:
    if tool.args_schema is None:  # a plain single-input tool takes the text
        return Extraction({"query": text} if tool.args else {}, ())
    args: dict[str, Any] = {}
    missing: list[str] = []
    for name, rule, required in _rules(tool):
        value: Any = None
        if rule.kind == "regex" and rule.pattern is not None:
            value = _search(rule.pattern, text) or context.get(name)
        elif rule.kind == "free_text":
            value = text
        elif name in context:
            value = context[name]
        if value is not None:
            args[name] = value
        elif required:
            missing.append(name)
    return Extraction(args, tuple(missing))
