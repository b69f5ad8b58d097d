"""What a user sees in the terminal (issue 16, part 7), through ``crewline``'s ``main`` with a piped
process's standard streams (a real process for the request piped in).

Requests from standard input and files; a request nobody can handle answered as such, with a ticket
only when a person can change the outcome; workflow steps that failed or were rejected shown so, and
a rolled-back workflow's exit code; ``crewline graph`` with real nodes only and the ``refund``
workflow; CLI runs in the audit log and the report; ``crewline health`` within 80 columns.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_cli_errors import MINI_SPEC, spec_file
from tests.support.cli import crewline, crewline_process

OUT_OF_SCOPE = "What is the capital of France?"
REPLACEMENT = "How long does a replacement card take?"


def _json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


# --- the request from standard input or a file -----------------------------------------------------


def test_a_request_piped_in_or_in_a_file_is_the_request(tmp_path: Path) -> None:
    piped = _json(
        crewline_process("run", "-", "--json", data_dir=tmp_path, stdin=f"{REPLACEMENT}\n".encode())
    )
    assert "business days" in piped["answer"] and [s["specialist"] for s in piped["subtasks"]] == [
        "knowledge"
    ]
    request = tmp_path / "request.txt"
    # as an editor saves it: a byte-order mark and line breaks
    request.write_bytes(f"\ufeffHi there,\n\n{REPLACEMENT}\n\nThanks!\n".encode())
    filed = _json(crewline("run", "--file", str(request), "--json", data_dir=tmp_path))
    assert "business days" in filed["answer"]  # the file's text, not its name
    assert [s["specialist"] for s in filed["subtasks"]] == ["knowledge"]


def test_a_200_kb_request_gets_the_input_guards_limit_not_a_traceback(tmp_path: Path) -> None:
    huge = ("Please look at my account. " * 8000)[:200_000].encode()  # 200 KB: no argument can hold it
    (tmp_path / "huge.txt").write_bytes(huge)
    for result in (
        crewline("run", "-", data_dir=tmp_path, stdin=huge),
        crewline("run", "--file", str(tmp_path / "huge.txt"), data_dir=tmp_path),
    ):
        assert result.returncode == 2 and result.stdout == "", result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert "the input guard's limit is 20,000" in result.stderr  # the support crew's guard limit
    assert not (tmp_path / "checkpoints.sqlite").exists()  # refused before any run


def test_a_long_request_that_is_mostly_markup_is_measured_as_the_guard_measures_it(tmp_path: Path) -> None:
    # 30,000 characters as typed, 1,000 once the guard strips the tags: the guard lets it through
    marked = "<br/>" * 5_800 + REPLACEMENT
    result = _json(crewline("run", "-", "--json", data_dir=tmp_path, stdin=marked.encode()))
    assert "business days" in result["answer"]


# --- a request nobody can handle -------------------------------------------------------------------


def test_a_request_nobody_handles_is_answered_so_without_a_ticket(tmp_path: Path) -> None:
    payload = _json(crewline("run", "--json", OUT_OF_SCOPE, data_dir=tmp_path))
    assert payload["escalation"] is None
    assert payload["subtasks"][0]["status"] == "out_of_scope"
    assert "can't help" in payload["answer"] and "colleague" not in payload["answer"]
    shown = crewline("run", OUT_OF_SCOPE, data_dir=tmp_path)
    assert shown.returncode == 0
    assert "resume" not in shown.stdout and "escalated" not in shown.stdout and "ticket" not in shown.stdout
    assert not _tickets(tmp_path)


UNSURE_ROUTER = """\
from crewline.nodes.planning.routing_protocol import RouteScores


class Unsure:
    routes = ("billing",)

    def route(self, text):
        return RouteScores(None, 0.2, router="unsure")  # "nobody handles it", but hardly sure of it


router = Unsure()
"""


def test_an_unsure_out_of_scope_call_is_a_ticket_a_person_can_answer(tmp_path: Path) -> None:
    # every clause goes to a second router (threshold 1), which is unsure that nobody here handles it
    (tmp_path / "unsure_router.py").write_text(UNSURE_ROUTER, encoding="utf-8")
    planner = "planner:\n  threshold: 1.0\n  unsure_router: 'unsure_router:router'\n"
    spec = spec_file(tmp_path, "crew.yaml", MINI_SPEC + planner)
    payload = _json(crewline("run", "--crew", spec, "--json", OUT_OF_SCOPE, data_dir=tmp_path))
    assert payload["escalation"]["status"] == "pending" and payload["escalation"]["kind"] == "out_of_scope"
    assert "colleague" in payload["answer"]
    shown = crewline("run", "--crew", spec, OUT_OF_SCOPE, data_dir=tmp_path)
    assert "--decision edit --message" in shown.stdout and "--decision reject" in shown.stdout
    assert "--decision approve" not in shown.stdout  # approving would send the same refusal
    thread = payload["thread_id"]
    answered = _json(
        crewline(
            "resume",
            "--thread",
            thread,
            "--decision",
            "edit",
            "--message",
            "Paris.",
            "--json",
            data_dir=tmp_path,
        )
    )
    assert answered["answer"] == "Paris." and answered["escalation"]["status"] == "edited"


def test_an_approval_keeps_its_approve_hint(tmp_path: Path) -> None:
    shown = crewline("run", "I lost my card, customer C-1001", data_dir=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "--decision approve" in shown.stdout and "--decision reject" in shown.stdout


def _tickets(data_dir: Path) -> list[Any]:
    path = data_dir / "tickets.sqlite"
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return list(db.execute("SELECT * FROM tickets"))


# --- workflows --------------------------------------------------------------------------------------


def test_a_declined_step_is_failed_and_the_rolled_back_run_exits_non_zero(tmp_path: Path) -> None:
    ran = crewline(
        "workflow", "run", "refund", "--input", '{"order_id": "O-1003"}', "--json", data_dir=tmp_path
    )
    assert ran.returncode == 1, ran.stderr
    payload = json.loads(ran.stdout)
    states = {s["name"]: s["state"] for s in payload["steps"]}
    assert payload["status"] == "rolled_back"
    assert states["validate_order"] == "rolled_back" and states["check_eligibility"] == "failed"
    assert "check_eligibility: failed" in ran.stderr  # the progress line
    shown = crewline("workflow", "run", "refund", "--input", '{"order_id": "O-1003"}', data_dir=tmp_path)
    assert shown.returncode == 1
    assert "- check_eligibility: failed" in shown.stdout and "- notify_customer: not run" in shown.stdout
    assert "pending" not in shown.stdout


def test_a_rejected_approval_is_shown_rejected(tmp_path: Path) -> None:
    waiting = crewline(
        "workflow", "run", "refund", "--thread", "w", "--input", '{"order_id": "O-1002"}', data_dir=tmp_path
    )
    assert waiting.returncode == 0, waiting.stderr  # waiting for a manager is no failure
    rejected = crewline(
        "workflow", "resume", "--thread", "w", "--decision", "reject", "--json", data_dir=tmp_path
    )
    assert rejected.returncode == 0, rejected.stderr  # the rollback this command asked for
    states = {s["name"]: s["state"] for s in json.loads(rejected.stdout)["steps"]}
    assert states["manager_approval"] == "rejected" and states["check_eligibility"] == "rolled_back"
    status = crewline("workflow", "status", "--thread", "w", data_dir=tmp_path)
    assert "- manager_approval: rejected" in status.stdout and "rolled_back" in status.stdout


# --- crewline graph ---------------------------------------------------------------------------------

_EDGE = re.compile(r"^\t(\S+) (?:-\.->|-->|-\. .*? \.->|-- .*? -->) (\S+);$")
_NODE = re.compile(r"^\t([^\s(]+)\(")


def test_graph_shows_real_nodes_and_the_refund_workflow(tmp_path: Path) -> None:
    result = crewline("graph", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    declared = {m.group(1) for line in lines if (m := _NODE.match(line))}
    used = {name for line in lines if (m := _EDGE.match(line)) for name in m.groups()}
    assert used and used <= declared, sorted(used - declared)  # every edge joins two drawn nodes
    assert not any("__error_handler__" in name for name in declared)
    assert "\tsubgraph refund" in lines
    for step in ("validate_order", "check_eligibility", "manager_approval", "refund_payment", "compensate"):
        assert f"refund\\3a{step}" in declared, step
    assert "\tplan -.-> refund\\3abegin;" in lines


def test_graph_depth_zero_is_the_supervisor_alone(tmp_path: Path) -> None:
    result = crewline("graph", "--depth", "0", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "subgraph" not in result.stdout and "\trefund(refund)" in result.stdout
    refused = crewline("graph", "--depth", "-1", data_dir=tmp_path)
    assert refused.returncode == 2 and "must be 0 or more" in refused.stderr


# --- CLI runs in the audit log and the report -------------------------------------------------------


def test_cli_runs_are_audited_and_reported_like_server_runs(tmp_path: Path) -> None:
    answered = _json(crewline("run", "--json", "--user", "u-7", REPLACEMENT, data_dir=tmp_path))
    escalated = _json(crewline("run", "--json", "I lost my card, customer C-1001", data_dir=tmp_path))
    assert crewline("run", "", data_dir=tmp_path).returncode == 2  # refused input is no interaction
    approved = crewline(
        "resume", "--thread", escalated["thread_id"], "--decision", "approve", data_dir=tmp_path
    )
    assert approved.returncode == 0, approved.stderr

    report = _json(crewline("report", "--json", data_dir=tmp_path))
    assert (report["interactions"], report["answered"], report["escalated"]) == (2, 1, 1)
    listed = crewline("audit", "list", "--json", data_dir=tmp_path)
    entries = [json.loads(line) for line in listed.stdout.splitlines()]  # one JSON object a line
    finished = [e for e in entries if e["action"] == "interaction.finished"]
    assert {e["thread_id"] for e in finished} == {answered["thread_id"], escalated["thread_id"]}
    assert any(e["actor"] == "u-7" for e in finished)
    actions = {e["action"] for e in entries if e["thread_id"] == escalated["thread_id"]}
    assert {"agent.plan", "escalation.opened", "escalation.approval", "escalation.applied"} <= actions
    assert crewline("audit", "verify", data_dir=tmp_path).returncode == 0


def test_a_declined_out_of_scope_request_is_not_counted_as_answered(tmp_path: Path) -> None:
    declined = _json(crewline("run", "--json", "what is the capital of peru", data_dir=tmp_path))
    assert declined["escalation"] is None and declined["subtasks"][0]["status"] == "out_of_scope"
    report = _json(crewline("report", "--json", data_dir=tmp_path))
    assert (report["interactions"], report["answered"], report["declined"]) == (1, 0, 1)
    assert report["containment_rate"] == 0.0


def test_a_knowledge_question_asked_from_the_cli_is_audited_and_reported(tmp_path: Path) -> None:
    asked = crewline("ask", "how long does a refund take", data_dir=tmp_path)
    assert asked.returncode == 0, asked.stderr
    report = _json(crewline("report", "--json", data_dir=tmp_path))
    assert report["interactions"] == 1
    listed = crewline("audit", "list", "--json", data_dir=tmp_path)
    actions = [json.loads(line)["action"] for line in listed.stdout.splitlines()]
    assert actions.count("interaction.finished") == 1


# --- crewline health --------------------------------------------------------------------------------


def _seed_health(data_dir: Path) -> tuple[str, str]:
    from crewline.memory.state.resilience_store import store_at
    from crewline.nodes.models.breaker import BreakerSettings, CircuitBreakers, store_path

    store = store_at(store_path(data_dir))
    breakers = CircuitBreakers(BreakerSettings(failure_threshold=1, cooldown_s=600), store)
    model = "model:openai|https://llm-gateway.internal.example.com/v1|gpt-4o-mini-2024-07-18"
    error = (
        "RateLimitError: Error code: 429 - You exceeded your current quota, please check your plan "
        "and billing details at https://platform.example.com/account/billing"
    )
    breakers.failure("specialist:card_security", "ConnectionError: the ERP refused the connection")
    breakers.failure(model, error)
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    with store.transaction() as conn:
        store.add(conn, f"tenant:acme-international-holdings-europe-west:{day}", 12345, 9876543, 123.456789)
    store.close()
    return model.removeprefix("model:"), error


@pytest.mark.parametrize("columns", ["80", "200"])
def test_health_fits_80_columns_and_cuts_nothing(tmp_path: Path, columns: str) -> None:
    model, error = _seed_health(tmp_path)
    result = crewline("health", data_dir=tmp_path, COLUMNS=columns)
    assert result.returncode == 3, result.stderr  # open breakers
    lines = result.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80, [
        line for line in lines if len(line.rstrip()) > 80
    ]
    text = " ".join(lines)
    squeezed = re.sub(r"[\s│]+", "", text)  # what the table and the wrapping split over lines
    for whole in ("card_security", model, error, "acme-international-holdings-europe-west"):
        assert re.sub(r"\s+", "", whole) in squeezed, whole
    assert "…" not in text
