"""Personal data a crew's tools return for the user's request: the user sees it, checkpoints do not.

The accounts specialist looks a customer up in the demo ERP; the record's email and phone number are
in the answer the user gets, while every checkpoint row (read back as raw SQLite bytes), the stored
answer and the stored reply keep placeholders whose sealed originals travel in ``pii_vault``.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from langchain_core.messages import HumanMessage

from crewline.graphs import build_crew, load_spec
from crewline.memory.checkpoint.checkpointers import checkpointer
from crewline.nodes.guards import default_vault
from crewline.tools.registry import ToolContext, demo_erp

QUESTION = "Who is customer C-1001?"


def _stored_bytes(path: Path) -> bytes:
    with sqlite3.connect(path) as db:
        rows = [row for table in ("checkpoints", "writes") for row in db.execute(f"SELECT * FROM {table}")]
    return b"\n".join(v if isinstance(v, bytes) else str(v).encode() for row in rows for v in row)


def _contact(data_dir: Path) -> tuple[str, str]:
    customer = demo_erp(ToolContext(data_dir=data_dir)).get_customer("C-1001")
    assert customer.email and customer.phone
    return customer.email, customer.phone


def test_user_sees_the_tool_values_storage_keeps_placeholders(
    tmp_path: Path, crewline_data_dir: Path
) -> None:
    database = tmp_path / "checkpoints.sqlite"
    config = {"configurable": {"thread_id": "tool-pii"}}
    with checkpointer(f"sqlite:///{database}") as saver:
        crew = build_crew("support", checkpointer=saver)
        state = crew.invoke({"messages": [HumanMessage(QUESTION)]}, config)
        email, phone = _contact(crewline_data_dir)
        assert email in state["answer"] and phone in state["answer"]  # restored for the user
        assert state["messages"][-1].content == state["answer"]
        assert [v["guard"] for v in state["verdicts"] if "pii" in v["guard"]] == ["tool_pii"]
        assert state.get("escalation") is None

        stored = crew.get_state(config).values
        assert email not in json.dumps(stored, default=str) and phone not in json.dumps(stored, default=str)
        assert "[EMAIL_ADDRESS_" in stored["answer"] and "[PHONE_NUMBER_" in stored["answer"]
        # the sealed originals travel with the thread: any process with the key shows the values again
        assert email in default_vault().restore(stored["answer"], stored["pii_vault"])
    raw = _stored_bytes(database)
    assert raw and email.encode() not in raw and phone.encode() not in raw


def test_policy_keeps_tool_values_hidden_from_the_user_too(crewline_data_dir: Path) -> None:
    spec = load_spec("support").model_copy(deep=True)
    spec.guards.pii.show_tool_values = False
    state = build_crew(spec).invoke({"messages": [HumanMessage(QUESTION)]})
    email, phone = _contact(crewline_data_dir)
    assert email not in state["answer"] and phone not in state["answer"]
    assert "[EMAIL_ADDRESS_" in state["answer"]
    assert [v["guard"] for v in state["verdicts"] if "pii" in v["guard"]] == ["output_pii"]
