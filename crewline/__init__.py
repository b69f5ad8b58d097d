"""crewline: multi-agent crews on LangGraph. The shell: settings, crew loading and the CLI.

The public names are loaded on first use: ``import crewline`` (and so every ``crewline`` command,
``--help`` included) must not pay for importing LangGraph, LangChain and scikit-learn up front.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crewline.graphs import CrewSpec, build_crew, load_spec
    from crewline.memory.checkpoint.checkpointers import async_checkpointer, checkpointer

__all__ = ["CrewSpec", "async_checkpointer", "build_crew", "checkpointer", "load_spec"]
__version__ = "0.1.0"

_HOMES = {
    "CrewSpec": "crewline.graphs",
    "build_crew": "crewline.graphs",
    "load_spec": "crewline.graphs",
    "async_checkpointer": "crewline.memory.checkpoint.checkpointers",
    "checkpointer": "crewline.memory.checkpoint.checkpointers",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'crewline' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
