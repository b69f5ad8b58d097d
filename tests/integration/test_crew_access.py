"""The support crew in-process under a narrowed principal: another customer's data is refused, and an
approval-gated action on another customer never becomes a ticket an approver could approve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from crewline import build_crew
from crewline.memory.operations.audit import open_audit_log
from crewline.memory.state.access import Principal
from crewline.memory.state.tickets import default_ticket_store
from crewline.tools.registry import ToolContext, demo_erp

ALICE = Principal("alice", "acme", ("user",), ("C-1001",))


def _as(principal: Principal | None, thread: str) -> Any:
    configurable: dict[str, Any] = {"thread_id": thread}
    if principal is not None:
        configurable["crewline_principal"] = principal
    return {"configurable": configurable}


def test_a_freeze_for_another_customer_is_refused_before_any_ticket(crewline_data_dir: Path) -> None:
    crew = build_crew("support", checkpointer=InMemorySaver())
    request = {
        "messages": [{"role": "user", "content": "I lost my card, please freeze it. Customer C-1005."}]
    }
    out = crew.invoke(request, _as(ALICE, "alice-freeze"))
    assert "Access refused" in str(out["answer"])
    assert not crew.get_state(_as(ALICE, "alice-freeze")).next  # no escalation waiting for an approver
    assert default_ticket_store().list("alice-freeze") == []
    assert demo_erp(ToolContext(data_dir=crewline_data_dir)).cards("C-1005")[0].status == "active"
    refused = open_audit_log().entries(action="access.refused")
    assert [(e.actor, e.data["what"], e.thread_id) for e in refused] == [
        ("alice", "freeze_card", "alice-freeze")
    ]
    # the trusted in-process caller (no principal: the README's demo) still gets the escalation
    crew.invoke(request, _as(None, "app-freeze"))
    assert crew.get_state(_as(None, "app-freeze")).next
