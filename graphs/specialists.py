"""Which subgraph a :class:`~crewline.graphs.spec.Specialist` becomes: crewline's tool loop, an agent
of the user's (:mod:`crewline.graphs.agent_specialist`), or a graph a builder makes (a workflow)."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langgraph.graph.state import CompiledStateGraph

from crewline.errors import ConfigurationError
from crewline.graphs.agent_specialist import agent_tools, build_agent_specialist, check_agent
from crewline.graphs.sealing import sealed_at_exit
from crewline.graphs.spec import Specialist
from crewline.graphs.specialist import build_specialist
from crewline.nodes.guards import GuardSettings
from crewline.nodes.models.factory import ModelSettings
from crewline.nodes.specialist import SpecialistRuntime
from crewline.tools.import_paths import import_path
from crewline.tools.registry import ToolContext

__all__ = ["extra_tools", "specialist_node"]


def extra_tools(specialist: Specialist) -> list[BaseTool]:
    """Tools a specialist brings beyond its ``tools`` list: its agent's own (offline fallback,
    approved actions and the planner's examples use them too)."""
    if specialist.agent is None:
        return []
    return agent_tools(check_agent(specialist.agent, specialist.name))


def _check_builder(builder: Any, what: str) -> None:
    """A builder that cannot take ``(*, runtime, guards, tool_context)`` is refused by name, before a
    ``TypeError`` from the call could be mistaken for a failure inside it."""
    try:
        signature = inspect.signature(builder)
    except (TypeError, ValueError):  # no signature to read (some builtins): the call will tell
        return
    try:
        signature.bind(runtime=None, guards=None, tool_context=None)
    except TypeError as exc:
        raise ConfigurationError(
            f"{what} must take keyword arguments runtime, guards and tool_context ({exc})"
        ) from None


def specialist_node(
    specialist: Specialist,
    runtime: SpecialistRuntime,
    guards: GuardSettings,
    models: ModelSettings,
    tool_context: ToolContext,
    search: Sequence[Path] = (),
) -> Runnable[Any, Any]:
    """The subgraph the crew adds as the node named after the specialist: crewline's own seal what
    their nodes return; a user's graph is followed by the seal (:mod:`crewline.graphs.sealing`)."""
    if specialist.agent is not None:
        agent = check_agent(specialist.agent, specialist.name)
        return build_agent_specialist(agent, runtime, guards, models)
    if specialist.graph is None:
        return build_specialist(runtime, guards)
    what = f"specialist {specialist.name!r} graph"
    builder = (
        import_path(specialist.graph, what=what, search=search)
        if isinstance(specialist.graph, str)
        else specialist.graph
    )
    if not callable(builder):
        raise ConfigurationError(f"{what} is a {type(builder).__name__}, not a builder function")
    _check_builder(builder, what)
    built = builder(runtime=runtime, guards=guards, tool_context=tool_context)
    if not isinstance(built, CompiledStateGraph):
        raise ConfigurationError(f"{what} returned a {type(built).__name__}, not a compiled graph")
    return sealed_at_exit(built, guards)
