"""A compiled crew: a LangGraph graph that shows an embedded caller the values its answer stands for.

Inside the crew every personal value is a placeholder (:mod:`crewline.graphs.sealing`). ``invoke``
and ``ainvoke`` hand their result to :func:`crewline.nodes.guards.reveal.reveal` on the way out, so
``crew.invoke(...)["answer"]`` reads as the user should see it. Everything else is the graph itself:
``stream``/``astream`` chunks, ``get_state`` and what a LangGraph server records keep placeholders
(the server's response middleware reveals at its own edge; a streaming caller passes a chunk to
``crewline.reveal``). An escalation's ``__interrupt__`` payload stays as the ticket holds it.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph

from crewline.nodes.guards.reveal import reveal

__all__ = ["Crew"]


class Crew(CompiledStateGraph[Any, Any, Any, Any]):
    """What :func:`crewline.build_crew` returns (a ``CompiledStateGraph``; ``with_config`` keeps it)."""

    @classmethod
    def of(cls, compiled: CompiledStateGraph[Any, Any, Any, Any]) -> Crew:
        """``compiled`` as a crew (the same graph, channels and config: Pregel's own copy)."""
        return cls(**{k: v for k, v in compiled.__dict__.items() if k != "__orig_class__"})

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return reveal(super().invoke(input, config, **kwargs))

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return reveal(await super().ainvoke(input, config, **kwargs))  # CPU only: AES-GCM per value
