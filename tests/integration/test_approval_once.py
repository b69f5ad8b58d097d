"""An approved action runs once, whatever re-runs its approval step (in process, real checkpoints).

A crew with a ``requires_approval`` tool that counts its calls is approved once, then driven the ways a
caller can come back to that step: the approval resumed again, a replay from the checkpoint before
``apply_decision`` (``invoke(None, config with checkpoint_id)``), a fork through ``update_state`` and a
fresh decision on it, a run that dies between the tool's effect and the ledger's record. The tool
must have run once every time, and a different second decision is refused with a clear message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import InjectedToolArg, tool
from langgraph.types import Command

from crewline import Specialist, build_crew
from crewline.memory.checkpoint.checkpointers import async_checkpointer, checkpointer
from crewline.memory.state.tickets import TicketDecided, TicketStore
from crewline.nodes.escalation import ApprovalRefused
from crewline.tools.faults import InjectedFailure, install_fault_hook

REQUEST = "Please send a refund voucher to customer C-1001"
CALLS: list[dict[str, Any]] = []
APPLIED_KEYS: dict[str, int] = {}  # what the keyed tool's own system has applied, by key


def send_voucher(customer_id: str) -> str:
    """Send a refund voucher to a customer (a plain function: it cannot check for duplicates)."""
    CALLS.append({"customer_id": customer_id})
    return f"Voucher {len(CALLS)} sent to {customer_id}."


def send_voucher_keyed(
    customer_id: str, idempotency_key: Annotated[str | None, InjectedToolArg] = None
) -> str:
    """Send a refund voucher to a customer; the voucher system dedupes on the idempotency key."""
    CALLS.append({"customer_id": customer_id, "idempotency_key": idempotency_key})
    if idempotency_key is not None and idempotency_key in APPLIED_KEYS:
        return f"Voucher {APPLIED_KEYS[idempotency_key]} sent to {customer_id}."
    number = len(APPLIED_KEYS) + 1
    if idempotency_key is not None:
        APPLIED_KEYS[idempotency_key] = number
    return f"Voucher {number} sent to {customer_id}."


def _crew(saver: Any, tickets: TicketStore, function: Any = send_voucher) -> Any:
    voucher = tool(function)
    voucher.name = "send_voucher"
    voucher.metadata = {"requires_approval": True}
    specialist = Specialist(
        "vouchers",
        "refund vouchers for customers",
        examples=["send a refund voucher to customer C-1001", "I want a voucher"],
        tools=[voucher],
    )
    return build_crew("voucher_crew", specialists=[specialist], checkpointer=saver, tickets=tickets)


@pytest.fixture
def saver(tmp_path: Path) -> Iterator[Any]:
    CALLS.clear()
    APPLIED_KEYS.clear()
    with checkpointer(f"sqlite:///{tmp_path / 'checkpoints.sqlite'}") as opened:
        yield opened


@pytest.fixture
def tickets(tmp_path: Path) -> TicketStore:
    return TicketStore(tmp_path / "tickets.sqlite")


def _config(thread: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


def _approved(crew: Any, thread: str) -> dict[str, Any]:
    crew.invoke({"messages": [HumanMessage(REQUEST)]}, _config(thread))
    assert crew.get_state(_config(thread)).next == ("await_human",)
    result: dict[str, Any] = crew.invoke(Command(resume={"decision": "approve"}), _config(thread))
    assert len(CALLS) == 1, CALLS
    return result


def _checkpoint_before(crew: Any, thread: str, node: str) -> Any:
    return next(s for s in crew.get_state_history(_config(thread)) if s.next == (node,))


def test_resuming_the_approval_again_does_not_run_the_action_again(saver: Any, tickets: TicketStore) -> None:
    crew = _crew(saver, tickets)
    first = _approved(crew, "resume-twice")
    again = crew.invoke(Command(resume={"decision": "approve"}), _config("resume-twice"))
    assert len(CALLS) == 1
    assert "Voucher 1 sent" in first["answer"]
    assert again["answer"] == first["answer"]


def test_replaying_the_checkpoint_before_apply_decision_does_not_run_the_action_again(
    saver: Any, tickets: TicketStore
) -> None:
    crew = _crew(saver, tickets)
    first = _approved(crew, "replay")
    before_apply = _checkpoint_before(crew, "replay", "apply_decision")
    for _ in range(3):
        replayed = crew.invoke(None, before_apply.config)
        assert "Voucher 1 sent" in replayed["answer"], replayed["answer"]  # the recorded outcome
    assert len(CALLS) == 1, CALLS
    assert replayed["answer"] == first["answer"]
    (record,) = tickets.actions()
    assert (record.status, record.attempts) == ("applied", 4)


def test_a_fork_through_update_state_neither_repeats_the_action_nor_takes_another_decision(
    saver: Any, tickets: TicketStore
) -> None:
    crew = _crew(saver, tickets)
    _approved(crew, "fork")
    before_decision = _checkpoint_before(crew, "fork", "await_human")
    forked = crew.update_state(before_decision.config, None)
    # the fork asks again, and says what was decided
    crew.invoke(None, forked)
    (interrupt,) = crew.get_state(forked).interrupts
    assert interrupt.value["decided"]["status"] == "approved"
    refused = crew.invoke(Command(resume={"decision": "reject"}), forked)
    (asked_again,) = refused["__interrupt__"]
    assert "already approved; a second decision (rejected) is refused" in asked_again.value["error"]
    assert len(CALLS) == 1
    again = crew.invoke(Command(resume={"decision": "approve"}), forked)
    assert len(CALLS) == 1, CALLS
    assert "Voucher 1 sent" in again["answer"]
    # a fork at apply_decision with its decision rewritten is refused the same way
    at_apply = _checkpoint_before(crew, "fork", "apply_decision")
    rewritten = crew.update_state(
        at_apply.config,
        {"decision": {"decision": "reject", "message": None, "by": "mallory"}},
        as_node="await_human",
    )
    with pytest.raises(TicketDecided, match="already approved"):
        crew.invoke(None, rewritten)
    assert len(CALLS) == 1
    assert tickets.get(interrupt.value["ticket_id"]).status == "approved"  # type: ignore[union-attr]


def test_a_caller_the_server_admitted_without_the_approver_role_cannot_replay_the_approval(
    saver: Any, tickets: TicketStore
) -> None:
    crew = _crew(saver, tickets)
    _approved(crew, "user-replay")
    before_apply = _checkpoint_before(crew, "user-replay", "apply_decision")
    before_decision = _checkpoint_before(crew, "user-replay", "await_human")
    # what the LangGraph server puts in every run's config, after the client's own
    user = {"langgraph_auth_user_id": "mallory", "langgraph_auth_permissions": ["tenant:read"]}
    for snapshot in (before_apply, before_decision):
        config = {"configurable": {**snapshot.config["configurable"], **user}}
        with pytest.raises(ApprovalRefused, match="needs the approver or admin role; mallory has neither"):
            crew.invoke(None, config)
    assert len(CALLS) == 1


def test_a_plain_tool_that_died_before_its_outcome_was_recorded_is_not_run_again(
    saver: Any, tickets: TicketStore
) -> None:
    crew = _crew(saver, tickets)
    crew.invoke({"messages": [HumanMessage(REQUEST)]}, _config("died"))

    def die_after_the_effect(point: str) -> None:
        if point == "approval:send_voucher:returned":
            raise InjectedFailure(point)

    with install_fault_hook(die_after_the_effect):  # the node fails after the tool ran
        failed = crew.invoke(Command(resume={"decision": "approve"}), _config("died"))
    assert len(CALLS) == 1 and "could not be carried out" in failed["answer"]
    resumed = crew.invoke(None, _checkpoint_before(crew, "died", "apply_decision").config)
    assert len(CALLS) == 1, "a tool that cannot check ran twice"
    assert "not run again" in resumed["answer"] and "check by hand" in resumed["answer"]


def test_a_tool_that_takes_the_key_is_asked_again_with_the_same_key_and_applies_once(
    saver: Any, tickets: TicketStore
) -> None:
    crew = _crew(saver, tickets, send_voucher_keyed)
    crew.invoke({"messages": [HumanMessage(REQUEST)]}, _config("keyed"))

    def die_after_the_effect(point: str) -> None:
        if point == "approval:send_voucher:returned":
            raise InjectedFailure(point)

    with install_fault_hook(die_after_the_effect):
        crew.invoke(Command(resume={"decision": "approve"}), _config("keyed"))
    resumed = crew.invoke(None, _checkpoint_before(crew, "keyed", "apply_decision").config)
    keys = {call["idempotency_key"] for call in CALLS}
    assert len(CALLS) == 2 and len(keys) == 1 and None not in keys, CALLS  # asked again, same key
    assert len(APPLIED_KEYS) == 1  # the voucher system applied it once
    assert "Voucher 1 sent" in resumed["answer"]
    (record,) = tickets.actions()
    assert record.status == "applied" and record.key == next(iter(keys))


async def test_under_ainvoke_a_replay_does_not_run_the_action_again(
    tmp_path: Path, tickets: TicketStore
) -> None:
    CALLS.clear()
    async with async_checkpointer(f"sqlite:///{tmp_path / 'async.sqlite'}") as saver:
        crew = _crew(saver, tickets)
        await crew.ainvoke({"messages": [HumanMessage(REQUEST)]}, _config("async"))
        await crew.ainvoke(Command(resume={"decision": "approve"}), _config("async"))
        history = [s async for s in crew.aget_state_history(_config("async"))]
        before_apply = next(s for s in history if s.next == ("apply_decision",))
        replayed = await crew.ainvoke(None, before_apply.config)
    assert len(CALLS) == 1, CALLS
    assert "Voucher 1 sent" in replayed["answer"]
