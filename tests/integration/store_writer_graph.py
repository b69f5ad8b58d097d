"""A graph served beside the crews whose node writes what a tool returned to the long-term store.

Served by ``test_server_persisted_pii`` (its config adds it as ``store_writer``): the node looks a
customer up the way a tool would (raw values, from inside the graph, so the HTTP edge never sees
them), writes the record to ``runtime.store`` under the customer's e-mail address as the item's key,
then reads it back by that same raw key: a graph-side write and read through the server's store.
"""

from __future__ import annotations

from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

CONTACTS = {"C-7001": {"email": "lena.graphstore@example.com", "phone": "+1 646 555 0199"}}


class WriterState(TypedDict, total=False):
    customer_id: str
    found: bool


async def remember(state: WriterState, runtime: Runtime[None]) -> WriterState:
    record: dict[str, Any] = dict(CONTACTS[state.get("customer_id") or "C-7001"])
    assert runtime.store is not None, "the server hands every graph its store"
    email = str(record.get("email", ""))
    await runtime.store.aput(("crm", "contacts"), email, {"record": record, "by_email": {email: True}})
    item = await runtime.store.aget(("crm", "contacts"), email)
    return {"found": item is not None}


builder = StateGraph(WriterState)
builder.add_node("remember", remember)
builder.add_edge(START, "remember")
builder.add_edge("remember", END)
graph = builder.compile()
