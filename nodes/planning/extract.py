"""Offline argument extraction: fill a tool's arguments from text, without a model.

Tools declare how: a field with ``json_schema_extra={"extract": REGEX}`` is searched for in the text
(group 1 if the regex has a group), a field with ``{"free_text": True}`` receives the text itself.
Values not in the text come from the handoff's context (entities of the request and the thread).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel

__all__ = ["Extraction", "entity_patterns", "extract_arguments", "extract_entities"]


@dataclass(frozen=True)
class Extraction:
    args: dict[str, Any]
    missing: tuple[str, ...]  # required fields nothing could fill


def _schema(tool: BaseTool) -> type[BaseModel] | None:
    schema = tool.args_schema
    return schema if isinstance(schema, type) and issubclass(schema, BaseModel) else None


def _extras(field_extra: object) -> dict[str, Any]:
    return dict(field_extra) if isinstance(field_extra, dict) else {}


def entity_patterns(tools: Iterable[BaseTool]) -> dict[str, re.Pattern[str]]:
    """Every ``extract`` regex the tools declare, by field name (the entities a crew knows)."""
    patterns: dict[str, re.Pattern[str]] = {}
    for tool in tools:
        schema = _schema(tool)
        if schema is None:
            continue
        for name, field in schema.model_fields.items():
            regex = _extras(field.json_schema_extra).get("extract")
            if isinstance(regex, str) and name not in patterns:
                patterns[name] = re.compile(regex, re.IGNORECASE)
    return patterns


def _search(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    if match is None:
        return None
    value = match.group(1) if pattern.groups else match.group(0)
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
    schema = _schema(tool)
    if schema is None:  # a plain single-input tool takes the text
        return Extraction({"query": text} if tool.args else {}, ())
    args: dict[str, Any] = {}
    missing: list[str] = []
    for name, field in schema.model_fields.items():
        extra = _extras(field.json_schema_extra)
        value: Any = None
        if isinstance(extra.get("extract"), str):
            value = _search(re.compile(extra["extract"], re.IGNORECASE), text) or context.get(name)
        elif extra.get("free_text"):
            value = text
        elif name in context:
            value = context[name]
        if value is not None:
            args[name] = value
        elif field.is_required():
            missing.append(name)
    return Extraction(args, tuple(missing))
