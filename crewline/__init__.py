"""crewline: multi-agent crews on LangGraph. The shell: settings, crew loading and the CLI."""

from graphs import CrewSpec, build_crew, load_spec
from memory.checkpointers import async_checkpointer, checkpointer

__all__ = ["CrewSpec", "async_checkpointer", "build_crew", "checkpointer", "load_spec"]
__version__ = "0.1.0"
