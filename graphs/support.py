"""The demo ``support`` crew, exported for ``langgraph dev`` / LangGraph Studio (see langgraph.json).

Compiled without a checkpointer: the server brings its own persistence.
"""

from __future__ import annotations

from crewline.graphs.crew import build_crew

graph = build_crew("support")
