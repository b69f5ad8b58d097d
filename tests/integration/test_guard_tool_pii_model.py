"""Model path: a placeholder the model copies from a tool result is shown to the user as the value.

Needs model_path_tool_pii.patch (graphs/specialist.py hands the tool node's sealed values to the crew).
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage

from crewline.graphs import build_crew
from crewline.memory.checkpoint.checkpointers import checkpointer
from crewline.tools.registry import ToolContext, demo_erp
from tests.support.fake_openai import Reply, has_tool_result, offered_tools, structured, text, tool_call


def _agent(body: dict[str, Any]) -> Reply:
    """Look the customer up, then answer by copying the contact placeholders the tool result showed."""
    if "RouteChoice" in offered_tools(body):
        return structured({"specialist": "accounts", "confidence": 0.9})
    if has_tool_result(body):
        found = re.findall(r"\[(?:EMAIL_ADDRESS|PHONE_NUMBER)_[0-9a-f]{8}\]", body["messages"][-1]["content"])
        return text(f"You can reach them at {' and '.join(found)}.")
    return tool_call("lookup_customer", {"customer_id": "C-1001"})


def test_model_copied_tool_placeholders_are_restored_for_the_user(
    serve: Any, tmp_path: Path, crewline_data_dir: Path
) -> None:
    database = tmp_path / "checkpoints.sqlite"
    config = {"configurable": {"thread_id": "tool-pii-model"}}
    with serve(_agent) as server, checkpointer(f"sqlite:///{database}") as saver:
        crew = build_crew("support", checkpointer=saver)
        state = crew.invoke({"messages": [HumanMessage("How do I contact customer C-1001?")]}, config)
        customer = demo_erp(ToolContext(data_dir=crewline_data_dir)).get_customer("C-1001")
        assert customer.email and customer.phone
        assert state["path"] == "model"
        assert customer.email in state["answer"] and customer.phone in state["answer"]
        assert all(customer.email not in json.dumps(r) for r in server.requests)  # the model saw placeholders
        stored = crew.get_state(config).values
        assert customer.email not in json.dumps(stored, default=str)
    with sqlite3.connect(database) as db:
        rows = [r for t in ("checkpoints", "writes") for r in db.execute(f"SELECT * FROM {t}")]
    raw = b"\n".join(v if isinstance(v, bytes) else str(v).encode() for r in rows for v in r)
    assert raw and customer.email.encode() not in raw and customer.phone.encode() not in raw
