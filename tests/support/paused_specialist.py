"""A crew paused inside a specialist that holds a raw value: what the sealed originals are for.

The specialist (``billing``) fetches a customer record (a tool's output: raw personal data, sealed
in its checkpoints), then waits at an approval; resumed, it copies the record into ``seen``, so a
test reads there what the resumed specialist continued from.
"""

from __future__ import annotations

from typing import Any, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

PHONE = "1-800-555-0100"
EMAIL = "jane.doe@example.com"
RECORD = f"customer record: {EMAIL}, call {PHONE}"


class SpecialistState(TypedDict, total=False):
    q: str
    record: str
    seen: str


def _fetch(state: SpecialistState) -> SpecialistState:
    return {"record": RECORD}  # a tool's output inside a specialist


def _approve(state: SpecialistState) -> SpecialistState:
    interrupt("approve?")
    return {"seen": state["record"]}  # what the resumed specialist continues from


def paused_specialist_crew(saver: BaseCheckpointSaver[Any]) -> Any:
    """The crew, compiled on ``saver``; invoke it once to pause inside ``billing``."""
    specialist = StateGraph(SpecialistState).add_node("fetch", _fetch).add_node("approve", _approve)
    specialist.add_edge(START, "fetch").add_edge("fetch", "approve").add_edge("approve", END)
    crew = StateGraph(SpecialistState).add_node("billing", specialist.compile())
    crew.add_edge(START, "billing").add_edge("billing", END)
    return crew.compile(checkpointer=saver)
