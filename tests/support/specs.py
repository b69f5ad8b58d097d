"""Crew specs with one specialist and one tool, for tests that exercise a single tool's path."""

from __future__ import annotations

from typing import Any

from crewline.graphs import load_spec
from crewline.graphs.spec import CrewSpec


def one_tool_spec(
    crew: str, specialist: str, description: str, examples: list[str], tool: str, **extra: Any
) -> CrewSpec:
    """A spec named ``crew`` whose one ``specialist`` has one ``tool`` (an import path); ``extra``:
    further top-level sections (``models``, ``guards``, ...)."""
    return load_spec(
        {
            "name": crew,
            "specialists": [
                {"name": specialist, "description": description, "examples": examples, "tools": [tool]}
            ],
            **extra,
        }
    )
