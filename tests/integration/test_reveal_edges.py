"""One rule for personal data, seen from the caller's side: placeholders inside, values at the edge.

A crew built from Python objects whose tool returns a customer's contact: ``invoke`` and ``ainvoke``
(the embedded caller's edge) show the values, while every streamed chunk, the stored state and the
checkpoint keep placeholders until the caller passes them to ``crewline.nodes.guards.reveal.reveal``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import GraphOutput

from crewline import Crew, Specialist, build_crew, reveal

EMAIL = "grace.hopper@example.com"
PHONE = "+1 202 555 0143"


def contact(customer_id: str) -> str:
    """The contact details of a customer."""
    return f"Customer {customer_id} is reachable at {EMAIL} or {PHONE}."


def _crew() -> Any:
    directory = Specialist(
        "directory",
        "contact details of customers",
        examples=["how do I reach customer C-1001", "contact of customer C-1002", "email of customer C-1003"],
        tools=[contact],
    )
    return build_crew("contacts", specialists=[directory], checkpointer=InMemorySaver())


def _turn(text: str) -> dict[str, Any]:
    return {"messages": [HumanMessage(text)]}


def test_invoke_shows_the_values_and_everything_stored_keeps_placeholders() -> None:
    crew = _crew()
    assert isinstance(crew, Crew) and isinstance(crew.with_config(tags=["x"]), Crew)
    config = {"configurable": {"thread_id": "t"}}
    result = crew.invoke(_turn("how do I reach customer C-1007 by email"), config)
    assert EMAIL in result["answer"] and PHONE in result["answer"]
    assert EMAIL in result["messages"][-1].text
    stored = crew.get_state(config).values
    dumped = json.dumps(stored, default=str)
    assert EMAIL not in dumped and PHONE not in dumped and "[EMAIL_ADDRESS_" in stored["answer"]
    saved = json.dumps(crew.checkpointer.get_tuple(config).checkpoint, default=str)
    assert EMAIL not in saved
    assert reveal(stored)["answer"] == result["answer"]


def test_stream_chunks_keep_placeholders_until_revealed() -> None:
    crew = _crew()
    config = {"configurable": {"thread_id": "s"}}
    chunks = list(crew.stream(_turn("how do I reach customer C-1007 by email"), config, stream_mode="values"))
    assert all(EMAIL not in json.dumps(chunk, default=str) for chunk in chunks)
    assert EMAIL in reveal(chunks[-1])["answer"]
    messages = list(crew.stream(_turn("contact of customer C-1008"), config, stream_mode="messages"))
    answer = [m for m, meta in messages if meta.get("langgraph_node") == "respond"]
    assert answer and EMAIL not in answer[-1].text and EMAIL in reveal(answer[-1]).text


def test_ainvoke_and_v2_results_show_the_values() -> None:
    crew = _crew()

    async def run() -> tuple[Any, Any]:
        first = await crew.ainvoke(_turn("email of customer C-1009"), {"configurable": {"thread_id": "a"}})
        second = await crew.ainvoke(
            _turn("email of customer C-1009"), {"configurable": {"thread_id": "b"}}, version="v2"
        )
        return first, second

    first, second = asyncio.run(run())
    assert EMAIL in first["answer"]
    assert isinstance(second, GraphOutput) and EMAIL in second.value["answer"]


def test_a_forged_or_foreign_vault_reveals_nothing() -> None:
    crew = _crew()
    config = {"configurable": {"thread_id": "f"}}
    crew.invoke(_turn("email of customer C-1009"), config)
    stored = crew.get_state(config).values
    placeholder = next(iter(stored["answer_vault"]))
    # the thread's own sealed values (pii_vault) are not sealed for the edges: they open nothing here
    foreign = {"answer": stored["answer"], "answer_vault": {placeholder: stored["pii_vault"][placeholder]}}
    assert reveal(foreign)["answer"] == stored["answer"]
    # an entry under another placeholder is not the value its placeholder names
    swapped = {
        "answer": "write to [EMAIL_ADDRESS_00000000]",
        "answer_vault": {"[EMAIL_ADDRESS_00000000]": stored["answer_vault"][placeholder]},
    }
    assert EMAIL not in reveal(swapped)["answer"]
    assert reveal({"answer": stored["answer"]}) == {"answer": stored["answer"]}  # no vault: nothing to show
