"""Where each kind of shared state lives: per-kind variable, else CREWLINE_STATE_URL, else the data
directory; a bad URL is one line (no password) and exit 2 from the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewline.memory.shared.urls import KINDS, StateUrlError, state_targets, state_url
from tests.support.cli import crewline


def test_defaults_are_files_in_the_data_directory(crewline_data_dir: Path) -> None:
    targets = state_targets()
    assert set(targets) == set(KINDS)
    for name in ("tickets", "keys", "budgets", "audit", "store", "context"):
        assert targets[name][0] == "sqlite"
        assert str(crewline_data_dir) in targets[name][1]
    assert targets["ratelimit"][0] == "memory"  # token buckets per process on one machine


def test_the_state_url_moves_every_kind_that_can_live_there(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREWLINE_STATE_URL", "postgresql://crew:s3cret@db.internal/crewline")
    targets = state_targets()
    assert {n for n, (kind, _) in targets.items() if kind == "postgres"} == set(KINDS)
    assert all("s3cret" not in shown for _, shown in targets.values())


def test_a_per_kind_variable_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CREWLINE_STATE_URL", "postgresql://db.internal/crewline")
    monkeypatch.setenv("CREWLINE_AUDIT_URL", f"sqlite:///{tmp_path}/audit.sqlite")
    monkeypatch.setenv("CREWLINE_KEYS_PATH", str(tmp_path / "keys.sqlite"))
    monkeypatch.setenv("CREWLINE_REDIS_URL", "redis://127.0.0.1:6379/3")
    assert state_url("audit") == f"sqlite:///{tmp_path}/audit.sqlite"
    assert state_url("keys") == f"sqlite:///{tmp_path}/keys.sqlite"
    assert state_url("ratelimit") == "redis://127.0.0.1:6379/3"
    assert state_url("tickets") == "postgresql://db.internal/crewline"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CREWLINE_STATE_URL", "mysql://u:pw@h/db", "unknown"),
        ("CREWLINE_STATE_URL", "not a url", "not a"),
        ("CREWLINE_TICKETS_URL", "redis://127.0.0.1:6379/0", "tickets cannot live at"),
        ("CREWLINE_STORE_URL", "redis://127.0.0.1:6379/0", "store cannot live at"),
    ],
)
def test_a_bad_url_is_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    name = {"CREWLINE_TICKETS_URL": "tickets", "CREWLINE_STORE_URL": "store"}.get(variable, "keys")
    with pytest.raises(StateUrlError) as caught:
        state_url(name)
    text = str(caught.value)
    assert message in text and variable in text and "\n" not in text and "pw" not in text


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://crew:hunter2@127.0.0.1:1/nowhere",  # nothing listens on port 1
        "mysql://crew:hunter2@127.0.0.1/db",
        "sqlite://hostname/keys.sqlite",
    ],
)
def test_the_cli_answers_a_bad_state_url_with_exit_2(url: str, tmp_path: Path) -> None:
    done = crewline("keys", "list", data_dir=tmp_path, CREWLINE_STATE_URL=url)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crewline: error:"), done.stderr
    assert "hunter2" not in done.stderr and "Traceback" not in done.stderr


def test_a_redis_state_url_moves_what_redis_suits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREWLINE_STATE_URL", "redis://127.0.0.1:6379/2")
    targets = state_targets()
    assert {n for n, (kind, _) in targets.items() if kind == "redis"} == {"context", "ratelimit"}
    assert targets["tickets"][0] == "sqlite"  # tickets, keys, budgets and audit need a database


def test_the_server_rate_limiter_follows_the_state_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from crewline.graphs.serving.settings import ServingSettings

    assert ServingSettings().redis_url is None  # one machine: per-process buckets
    monkeypatch.setenv("CREWLINE_STATE_URL", "postgresql://db.internal/crewline")
    assert ServingSettings().redis_url == "postgresql://db.internal/crewline"
    monkeypatch.setenv("CREWLINE_REDIS_URL", "redis://127.0.0.1:6379/4")
    assert ServingSettings().redis_url == "redis://127.0.0.1:6379/4"
    monkeypatch.setenv("CREWLINE_STATE_URL", "mysql://u:pw@h/db")
    monkeypatch.delenv("CREWLINE_REDIS_URL")
    with pytest.raises(StateUrlError, match="CREWLINE_STATE_URL"):  # one line, not a validation dump
        ServingSettings()
