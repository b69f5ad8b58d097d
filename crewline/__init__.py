"""crewline: multi-agent crews on LangGraph.

    from crewline import Specialist, build_crew

    crew = build_crew("weather", specialists=[Specialist("forecaster", "forecasts", tools=[forecast])])

The public names are loaded on first use: ``import crewline`` (and so every ``crewline`` command,
``--help`` included) must not pay for importing LangGraph, LangChain and scikit-learn up front.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from crewline.errors import ConfigurationError, CrewlineError, RunError

if TYPE_CHECKING:
    from crewline.graphs.crew import build_crew
    from crewline.graphs.crew_graph import Crew
    from crewline.graphs.spec import CrewSpec, Specialist, load_spec
    from crewline.memory.checkpoint.checkpointers import async_checkpointer, checkpointer
    from crewline.memory.learning.model_registry import ModelRegistry
    from crewline.memory.learning.rollout import RolloutThresholds
    from crewline.nodes.guards import GuardSettings
    from crewline.nodes.guards.protocol import GuardContext, input_guard, output_guard
    from crewline.nodes.guards.reveal import reveal
    from crewline.nodes.planning.llm_router import LLMRouter
    from crewline.nodes.planning.routing_protocol import LocalRouter, Router, RouteScores
    from crewline.nodes.types import Verdict
    from crewline.tools.registry import ToolContext

__all__ = [
    "ConfigurationError",
    "Crew",
    "CrewSpec",
    "CrewlineError",
    "GuardContext",
    "GuardSettings",
    "LLMRouter",
    "LocalRouter",
    "ModelRegistry",
    "RolloutThresholds",
    "RouteScores",
    "Router",
    "RunError",
    "Specialist",
    "ToolContext",
    "Verdict",
    "async_checkpointer",
    "build_crew",
    "checkpointer",
    "input_guard",
    "load_spec",
    "output_guard",
    "reveal",
]
__version__ = "0.1.0"

_HOMES = {
    "CrewSpec": "crewline.graphs.spec",
    "Specialist": "crewline.graphs.spec",
    "load_spec": "crewline.graphs.spec",
    "build_crew": "crewline.graphs.crew",
    "Crew": "crewline.graphs.crew_graph",
    "reveal": "crewline.nodes.guards.reveal",
    "GuardSettings": "crewline.nodes.guards",
    "GuardContext": "crewline.nodes.guards.protocol",
    "input_guard": "crewline.nodes.guards.protocol",
    "output_guard": "crewline.nodes.guards.protocol",
    "LLMRouter": "crewline.nodes.planning.llm_router",
    "LocalRouter": "crewline.nodes.planning.routing_protocol",
    "RouteScores": "crewline.nodes.planning.routing_protocol",
    "Router": "crewline.nodes.planning.routing_protocol",
    "Verdict": "crewline.nodes.types",
    "ToolContext": "crewline.tools.registry",
    "async_checkpointer": "crewline.memory.checkpoint.checkpointers",
    "checkpointer": "crewline.memory.checkpoint.checkpointers",
    "ModelRegistry": "crewline.memory.learning.model_registry",
    "RolloutThresholds": "crewline.memory.learning.rollout",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'crewline' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
