"""Every route back to an approved action through a real ``langgraph dev``, as a ``user`` and as an
approver: the action (a fraud report in the demo ERP) is never filed again, the user is refused with a
reason on every route that could reach the approval step, and the audit log records the refusals.

The routes are the benchmark's (``crewline.evals.benchmarks.approval_replay_api``), so the test and
the README figure measure the same thing.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from typing import Any

import pytest

from crewline.evals.benchmarks.approval_replay_api import ROUTES, run_routes
from tests.integration.langgraph_server import LangGraphServer

pytestmark = pytest.mark.server

# a user's run with no checkpoint on a finished thread is a new (empty) turn: nothing to refuse
NOT_A_REPLAY = "runs/wait input null (run on)"


@pytest.fixture(scope="module")
def server(default_server: LangGraphServer) -> LangGraphServer:
    return default_server


@pytest.fixture(scope="module")
def attempts(server: LangGraphServer) -> dict[str, Any]:
    tag = secrets.token_hex(3)
    keys = {
        "user_id": f"mallory-{tag}",
        "user": server.create_key(f"mallory-{tag}", "acme"),
        "approver": server.create_key(f"carol-{tag}", "acme", role="approver"),
    }
    return run_routes(server.url, server.data_dir, keys) | {"user_id": keys["user_id"]}


def test_no_route_files_the_approved_report_again(attempts: dict[str, Any]) -> None:
    replayed = [(r["as"], r["route"]) for r in attempts["routes"] if r["replays"]]
    assert replayed == [] and attempts["replays"] == 0, replayed


def test_a_user_is_refused_on_every_route_back_to_the_approval(attempts: dict[str, Any]) -> None:
    by_user = {r["route"]: r for r in attempts["routes"] if r["as"] == "user"}
    assert set(by_user) == set(ROUTES)
    let_through = [name for name, r in by_user.items() if not r["refused"] and name != NOT_A_REPLAY]
    assert let_through == [], let_through
    replay = by_user["runs/wait checkpoint_id (before apply_decision)"]
    assert replay["status"] == 403 and "approver or admin role" in replay["detail"]


def test_the_audit_log_records_each_refused_replay_with_its_reason(
    attempts: dict[str, Any], server: LangGraphServer
) -> None:
    rows = (
        sqlite3.connect(server.data_dir / "audit.sqlite")
        .execute("SELECT action, detail FROM audit_log WHERE actor = ?", (attempts["user_id"],))
        .fetchall()
    )
    refused = [json.loads(detail) for action, detail in rows if action == "run.refused"]
    # seven checkpoint routes (the copied thread's among them) and the resume from the decision's
    # checkpoint, all refused at the door
    assert len(refused) >= 8, rows
    assert all("earlier checkpoint" in str(d.get("refused")) and d.get("checkpoint_id") for d in refused)
    actions = {action for action, _ in rows}
    assert {"escalation.refused", "thread.state_update.refused"} <= actions
