"""Compositions: the crew (supervisor) graph, specialist subgraphs, state schemas and crew specs.

``build_crew`` is loaded on first use, so that importing ``crewline.graphs.spec`` (for a spec or its error
type) does not import the whole crew.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crewline.graphs.spec import CrewSpec, CrewSpecError, SpecialistSpec, load_spec

if TYPE_CHECKING:
    from crewline.graphs.crew import build_crew

__all__ = ["CrewSpec", "CrewSpecError", "SpecialistSpec", "build_crew", "load_spec"]


def __getattr__(name: str) -> Any:
    if name == "build_crew":
        from crewline.graphs.crew import build_crew

        return build_crew
    raise AttributeError(f"module 'crewline.graphs' has no attribute {name!r}")
