"""Compositions: the crew (supervisor) graph, specialist subgraphs, state schemas and crew specs."""

from graphs.crew import build_crew
from graphs.spec import CrewSpec, CrewSpecError, SpecialistSpec, load_spec

__all__ = ["CrewSpec", "CrewSpecError", "SpecialistSpec", "build_crew", "load_spec"]
