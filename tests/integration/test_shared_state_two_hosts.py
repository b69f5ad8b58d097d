"""Two ``crewline`` processes as two hosts: separate data directories, one ``CREWLINE_STATE_URL`` and
one ``CREWLINE_CHECKPOINT_URL`` (PostgreSQL). An escalation opened on A is approved on B, the approved
action runs once, neither host can run it again, and the audit log verifies on both."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest
import yaml

from crewline.memory.state.tickets import TicketStore
from tests.support.cli import crewline

REQUEST = "Freeze the card of customer C-1001"


def _crew(folder: Path) -> Path:
    spec = {
        "name": "two_hosts",
        "specialists": [
            {
                "name": "billing",
                "description": "balances of customer accounts and card freezes",
                "examples": ["what is the balance for customer C-1001", "freeze my card"],
                "tools": ["tests.support.crews:get_balance", "tests.support.effects:freeze_card"],
            }
        ],
    }
    path = folder / "two_hosts.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def hosts(tmp_path: Path, fresh_postgres_url: str) -> dict[str, Any]:
    shared = {
        "CREWLINE_STATE_URL": fresh_postgres_url,
        "CREWLINE_CHECKPOINT_URL": fresh_postgres_url,
        "CREWLINE_AUDIT_KEY": secrets.token_hex(32),
        "CREWLINE_AUDIT_ANCHOR_DIR": str(tmp_path / "anchors"),  # a shared mount in a deployment
        "CREWLINE_AES_KEY": secrets.token_hex(16),
        "CREWLINE_TEST_EFFECTS": str(tmp_path / "effects.log"),
    }
    return {"env": shared, "a": tmp_path / "host-a", "b": tmp_path / "host-b", "crew": str(_crew(tmp_path))}


def _on(hosts: dict[str, Any], host: str, *args: str) -> Any:
    return crewline(*args, data_dir=hosts[host], **hosts["env"])


def _json(done: Any) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr
    payload: dict[str, Any] = json.loads(done.stdout)
    return payload


def test_an_escalation_opened_on_a_is_approved_on_b_and_applied_once(hosts: dict[str, Any]) -> None:
    opened = _json(_on(hosts, "a", "run", "--crew", hosts["crew"], "--json", "--user", "u-1", REQUEST))
    escalation = opened["escalation"]
    assert escalation["status"] == "pending", opened
    thread = opened["thread_id"]

    approved = _json(
        _on(
            hosts,
            "b",
            "resume",
            "--crew",
            hosts["crew"],
            "--thread",
            thread,
            "--decision",
            "approve",
            "--json",
        )
    )
    assert approved["escalation"]["status"] == "approved"
    assert "frozen" in approved["answer"]

    for host in ("a", "b"):  # the decision is taken: neither host runs the action again
        again = _on(
            hosts, host, "resume", "--crew", hosts["crew"], "--thread", thread, "--decision", "approve"
        )
        assert again.returncode == 2 and "not waiting" in again.stderr, again.stderr

    effects = Path(hosts["env"]["CREWLINE_TEST_EFFECTS"]).read_text(encoding="utf-8").splitlines()
    assert len(effects) == 1 and effects[0].startswith("freeze C-1001")
    ledger = TicketStore(hosts["env"]["CREWLINE_STATE_URL"]).actions(escalation["ticket_id"])
    assert [(a.tool, a.status, a.attempts) for a in ledger] == [("freeze_card", "applied", 1)]
    assert not (hosts["a"] / "tickets.sqlite").exists() and not (hosts["b"] / "tickets.sqlite").exists()

    for host in ("a", "b"):
        verified = _on(hosts, host, "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
    listed = _on(hosts, "a", "audit", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    actions = [json.loads(line)["action"] for line in listed.stdout.splitlines() if line.strip()]
    for action in ("escalation.opened", "escalation.approval", "escalation.applied"):  # A's, then B's
        assert actions.count(action) == 1, actions


def test_health_on_either_host_shows_the_shared_state(hosts: dict[str, Any]) -> None:
    report = _json(_on(hosts, "b", "health", "--crew", hosts["crew"], "--json"))
    assert {kind: s["backend"] for kind, s in report["state"].items()} == dict.fromkeys(
        ("tickets", "keys", "budgets", "audit", "store", "context", "ratelimit", "models"), "postgres"
    )
    assert report["state_warnings"] == []
    del hosts["env"]["CREWLINE_AUDIT_KEY"], hosts["env"]["CREWLINE_AES_KEY"]
    warned = _json(_on(hosts, "a", "health", "--crew", hosts["crew"], "--json"))["state_warnings"]
    assert [w.split(":")[0] for w in warned] == [
        "shared state without CREWLINE_AUDIT_KEY",
        "shared state without CREWLINE_AES_KEY",
    ]
