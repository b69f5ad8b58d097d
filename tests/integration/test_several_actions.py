"""One request, several approval-gated actions for one specialist: "Block the card of C-1001 and open
a fraud case on it" proposes both (offline, and on the model path when the model calls both), the
ticket lists both, approval applies each once in order, and a rejection applies neither."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from crewline import Specialist, build_crew
from crewline.memory.state.tickets import TicketStore
from tests.support.fake_openai import Reply, has_tool_result, text, tool_calls

REQUEST = "Block the card of customer C-1001 and open a fraud case on it"
APPLIED: list[tuple[str, str]] = []


@tool
def block_card(customer_id: str) -> str:
    """Block a customer's card so it cannot be used."""
    APPLIED.append(("block_card", customer_id))
    return f"The card of {customer_id} is blocked."


@tool
def open_fraud_case(customer_id: str) -> str:
    """Open a fraud case for a customer's card."""
    APPLIED.append(("open_fraud_case", customer_id))
    return f"Fraud case opened for {customer_id}."


@tool
def card_state(customer_id: str) -> str:
    """Whether a customer's card is active or blocked."""
    return f"The card of {customer_id} is active."


block_card.metadata = {
    "requires_approval": True,
    "examples": ["block my card", "block the card of customer C-1001", "please block the card"],
}
open_fraud_case.metadata = {
    "requires_approval": True,
    "examples": ["open a fraud case", "report fraud on my card", "open a fraud case for C-1001"],
}
card_state.metadata = {"examples": ["is my card active", "what is the state of my card"]}


def _crew(tmp_path: Path, **options: Any) -> Any:
    cards = Specialist(
        "cards",
        "blocks cards, opens fraud cases and tells a card's state",
        examples=[REQUEST, "block my card", "open a fraud case", "is my card active"],
        tools=[card_state, block_card, open_fraud_case],
    )
    return build_crew(
        "cards_crew",
        specialists=[cards],
        checkpointer=InMemorySaver(),
        tickets=TicketStore(tmp_path / "tickets.sqlite"),
        **options,
    )


def _proposed(crew: Any, thread: str, request: str = REQUEST) -> dict[str, Any]:
    config = {"configurable": {"thread_id": thread}}
    crew.invoke({"messages": [HumanMessage(request)]}, config)
    state = crew.get_state(config)
    assert state.next == ("await_human",)
    (interrupt,) = [i for task in state.tasks for i in task.interrupts]
    value: dict[str, Any] = interrupt.value
    return value


@pytest.fixture(autouse=True)
def _clear() -> None:
    APPLIED.clear()


def test_both_actions_are_proposed_on_one_ticket_and_applied_once_in_order(tmp_path: Path) -> None:
    crew = _crew(tmp_path)
    asked = _proposed(crew, "both")
    assert [a["tool"] for a in asked["pending_actions"]] == ["block_card", "open_fraud_case"]
    assert all(a["args"] == {"customer_id": "C-1001"} for a in asked["pending_actions"])  # "on it"
    assert "block_card" in asked["reason"] and "open_fraud_case" in asked["reason"]
    assert APPLIED == []  # nothing runs before a human decides

    config = {"configurable": {"thread_id": "both"}}
    state = crew.invoke(Command(resume={"decision": "approve"}), config)
    assert APPLIED == [("block_card", "C-1001"), ("open_fraud_case", "C-1001")]
    assert "blocked" in state["answer"] and "Fraud case opened" in state["answer"]
    assert state["escalation"]["status"] == "approved"
    crew.invoke(Command(resume={"decision": "approve"}), config)  # resumed again: nothing runs twice
    assert len(APPLIED) == 2


def test_a_rejection_applies_neither_action(tmp_path: Path) -> None:
    crew = _crew(tmp_path)
    _proposed(crew, "no")
    state = crew.invoke(
        Command(resume={"decision": "reject", "message": "call the customer first"}),
        {"configurable": {"thread_id": "no"}},
    )
    assert APPLIED == []
    assert "declined block_card" in state["answer"] and "open_fraud_case" in state["answer"]
    assert state["escalation"]["status"] == "rejected"


def test_one_action_asked_stays_one_action(tmp_path: Path) -> None:
    crew = _crew(tmp_path)
    config = {"configurable": {"thread_id": "one"}}
    crew.invoke({"messages": [HumanMessage("Please block the card of customer C-1001")]}, config)
    (interrupt,) = [i for task in crew.get_state(config).tasks for i in task.interrupts]
    assert [a["tool"] for a in interrupt.value["pending_actions"]] == ["block_card"]


def test_on_the_model_path_every_gated_call_of_the_reply_is_proposed(serve: Any, tmp_path: Path) -> None:
    def responder(body: dict[str, Any]) -> Reply:
        if has_tool_result(body):
            return text("Done.")
        return tool_calls(
            [("block_card", {"customer_id": "C-1001"}), ("open_fraud_case", {"customer_id": "C-1001"})]
        )

    with serve(responder):
        crew = _crew(tmp_path, models={"provider": "openai", "max_retries": 0, "local_tool_calls": False})
        # the request names one action, so only the model's reply can propose two
        asked = _proposed(crew, "model", "Please block the card of customer C-1001, it was stolen")
        assert [a["tool"] for a in asked["pending_actions"]] == ["block_card", "open_fraud_case"]
        assert APPLIED == []
        crew.invoke(Command(resume={"decision": "approve"}), {"configurable": {"thread_id": "model"}})
    assert APPLIED == [("block_card", "C-1001"), ("open_fraud_case", "C-1001")]
