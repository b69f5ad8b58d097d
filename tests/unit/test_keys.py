"""API keys: stored hashed, looked up, revoked; and the ``crewline keys``/``audit``/``report`` commands."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from crewline.cli import main
from crewline.memory.operations.audit import open_audit_log
from crewline.memory.operations.keys import KeyStore, KeyStoreError


def test_a_key_is_stored_only_as_its_digest(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    key, record = store.create(user_id="alice", tenant_id="acme", role="approver")
    assert key.startswith(f"cl_{record.key_id}_")
    found = store.lookup(key)
    assert found is not None
    assert (found.user_id, found.tenant_id, found.role) == ("alice", "acme", "approver")
    with sqlite3.connect(tmp_path / "keys.sqlite") as conn:
        dump = "\n".join(conn.iterdump())
    assert key not in dump
    assert key.split("_", 2)[2] not in dump  # not even the secret part


def test_wrong_malformed_and_revoked_keys_are_refused(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    key, record = store.create(user_id="alice", tenant_id="acme")
    assert store.lookup(key[:-1] + ("A" if key[-1] != "A" else "B")) is None  # same id, wrong secret
    assert store.lookup("") is None
    assert store.lookup("not-a-key") is None
    assert store.lookup(key + "x") is None
    store.revoke(record.key_id)
    assert store.lookup(key) is None
    assert store.revoke(record.key_id).revoked_at is not None  # twice: no-op
    assert store.list() == []
    assert [k.key_id for k in store.list(include_revoked=True)] == [record.key_id]


def test_bad_input_is_refused(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.sqlite")
    with pytest.raises(KeyStoreError, match="unknown role"):
        store.create(user_id="a", tenant_id="t", role="root")
    with pytest.raises(KeyStoreError, match="invalid user"):
        store.create(user_id="a b", tenant_id="t")
    with pytest.raises(KeyStoreError, match="no API key"):
        store.revoke("0123456789ab")


def test_cli_keys_create_prints_the_key_alone(
    capsys: pytest.CaptureFixture[str], crewline_data_dir: Path
) -> None:
    assert main(["keys", "create", "--user", "alice", "--tenant", "acme", "--role", "admin"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    key = out.strip()
    found = KeyStore(crewline_data_dir / "keys.sqlite").lookup(key)
    assert found is not None and found.role == "admin"

    assert main(["keys", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["user"], row["tenant"], row["role"]) == ("alice", "acme", "admin")
    assert key not in json.dumps(row)

    assert main(["keys", "revoke", row["key_id"]]) == 0
    assert KeyStore(crewline_data_dir / "keys.sqlite").lookup(key) is None
    capsys.readouterr()
    assert main(["keys", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["keys", "create", "--user", "a b", "--tenant", "t"], "invalid user"),
        (["keys", "revoke", "ffffffffffff"], "no API key"),
    ],
)
def test_cli_bad_input_is_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("crewline: error: ") and message in err and err.count("\n") == 1


def test_cli_audit_verify_catches_a_tampered_row(
    capsys: pytest.CaptureFixture[str], crewline_data_dir: Path
) -> None:
    log = open_audit_log()
    for i in range(3):
        log.append("run.create", actor="alice", tenant_id="acme", detail={"i": i})
    assert main(["audit", "verify"]) == 0
    assert "OK: 3 entries" in capsys.readouterr().out
    with sqlite3.connect(crewline_data_dir / "audit.sqlite") as conn:
        conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    assert main(["audit", "verify", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False and any("entry 2" in p for p in result["problems"])


def test_cli_report_figures(capsys: pytest.CaptureFixture[str]) -> None:
    log = open_audit_log()
    for outcome, cost in (("answered", 0.002), ("answered", 0.002), ("answered", 0.0), ("escalated", 0.004)):
        detail = {"outcome": outcome, "cost_usd": cost, "usage": {"model_calls": 1, "prompt_tokens": 10}}
        log.append("interaction.finished", actor="u", tenant_id="acme", detail=detail)
    log.append("interaction.finished", actor="u", tenant_id="other", detail={"outcome": "escalated"})
    log.append("feedback", actor="u", tenant_id="acme", detail={"rating": "up"})
    argv = ["report", "--tenant", "acme", "--minutes-saved", "6", "--hourly-rate", "40", "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["interactions"] == 4
    assert report["containment_rate"] == 0.75
    assert report["cost_per_interaction_usd"] == pytest.approx(0.002)
    assert report["hours_saved"] == pytest.approx(0.3)  # 3 contained x 6 min
    assert report["value_saved_usd"] == pytest.approx(12.0)
    assert report["roi"] == pytest.approx((12.0 - 0.008) / 0.008, rel=1e-3)
    assert report["feedback_up"] == 1
    assert main(["report"]) == 0  # the table form, every tenant
    assert "containment rate" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:  # argparse: usage and exit code 2
        main(["report", "--hourly-rate", "-3"])
    assert exited.value.code == 2
