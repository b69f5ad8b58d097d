"""Audit logs for the audit tests: filled with entries, tampered with through SQL (SQLite or
PostgreSQL, as an attacker with database access would), and written in the old, unkeyed format."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crewline.memory.operations.audit import HASHED_FIELDS, AuditLog

COLUMNS = (*HASHED_FIELDS, "hash")


def isolated_audit_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory (audit key, anchors) per test, as a deployment has one per host."""
    monkeypatch.delenv("CREWLINE_AUDIT_KEY", raising=False)
    monkeypatch.delenv("CREWLINE_AUDIT_ANCHOR_DIR", raising=False)
    monkeypatch.setenv("CREWLINE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def audit_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The ``audit_url`` fixture's body: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.sqlite'}"
    else:
        yield request.getfixturevalue("fresh_postgres_url")


def fill(log: AuditLog, n: int = 6) -> None:
    for i in range(n):
        log.append(
            ("run.create", "guard.verdicts", "escalation.approval")[i % 3],
            actor=f"user-{i % 2}",
            tenant_id="acme" if i % 2 else None,
            thread_id=f"thread-{i}" if i % 3 else None,
            detail={"i": i, "note": f"step {i}"},
        )


def execute(url: str, sql: str, params: tuple[Any, ...] = ()) -> None:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql, params)
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]


def tampered(value: Any, column: str) -> Any:
    if column == "seq":
        return int(value) + 100
    if value is None:
        return "x"
    return str(value) + "x" if column != "detail" else str(value).replace('"step', '"stop')


def stored_rows(url: str) -> list[tuple[Any, ...]]:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return list(conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY seq"))
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY seq"))  # type: ignore[arg-type]


def first_problem(log: AuditLog) -> str:
    result = log.verify()
    assert not result.ok, "tampering went undetected"
    return result.problems[0]


def write_old_format(url: str, n: int) -> None:
    """Entries exactly as the previous writer stored them: bare SHA-256 chain, head row, no anchor."""
    AuditLog(url).close()  # the tables
    prev = "0" * 64
    for seq in range(1, n + 1):
        values: dict[str, Any] = {"seq": seq, "ts": f"2026-01-0{seq}T00:00:00.000000+00:00", "actor": "old",
                                  "tenant_id": None, "action": "run.create", "thread_id": None,
                                  "detail": json.dumps({"i": seq}), "prev_hash": prev}  # fmt: skip
        payload = json.dumps([values[c] for c in HASHED_FIELDS], sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(payload.encode()).hexdigest()
        execute(url, f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (*values.values(), digest))  # fmt: skip
        execute(url, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, digest))
        prev = digest
