"""crewline's SQLite conventions hold when many connections open and set up one new file at once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crewline.memory import sqlite_db
from tests.support.threads import run_together

_SCHEMA = "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"


def _open_together(path: Path, count: int) -> list[BaseException]:
    def open_and_write(index: int) -> None:
        conn = sqlite_db.connect(path)
        try:
            sqlite_db.apply_schema(conn, _SCHEMA)
            with sqlite_db.immediate_transaction(conn):
                conn.execute("INSERT INTO items (name) VALUES (?)", (f"n{index}",))
        finally:
            conn.close()

    return run_together(count, open_and_write)


def test_connections_opening_one_new_file_together_all_succeed(tmp_path: Path) -> None:
    # Each round races 16 first opens of a new file: the WAL switch is where SQLite refused at once.
    for round_ in range(25):
        path = tmp_path / f"db-{round_}.sqlite"
        assert _open_together(path, 16) == []
        conn = sqlite_db.connect(path)
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 16
        finally:
            conn.close()


def test_apply_schema_rolls_back_a_failing_script(tmp_path: Path) -> None:
    conn = sqlite_db.connect(tmp_path / "db.sqlite")
    try:
        with pytest.raises(sqlite3.OperationalError):
            sqlite_db.apply_schema(conn, "CREATE TABLE good (id INTEGER); CREATE TABLE broken (;")
        assert not conn.in_transaction
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        assert tables == []
    finally:
        conn.close()


def test_immediate_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    conn = sqlite_db.connect(tmp_path / "db.sqlite")
    try:
        sqlite_db.apply_schema(conn, _SCHEMA)
        with pytest.raises(RuntimeError), sqlite_db.immediate_transaction(conn):
            conn.execute("INSERT INTO items (name) VALUES ('kept?')")
            raise RuntimeError("boom")
        assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0
    finally:
        conn.close()


class _LockedAtFirst:
    """A connection whose WAL switch finds the file locked ``failures`` times (SQLite's immediate answer
    to a concurrent switch, which the busy timeout does not wait out)."""

    def __init__(self, failures: int, message: str = "database is locked") -> None:
        self.failures, self.message, self.calls = failures, message, 0

    def execute(self, sql: str) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise sqlite3.OperationalError(self.message)


def test_the_wal_switch_is_retried_while_the_file_is_locked() -> None:
    conn = _LockedAtFirst(failures=5)
    sqlite_db._enable_wal(conn)  # type: ignore[arg-type]
    assert conn.calls == 6


def test_other_errors_and_a_lock_that_outlasts_the_timeout_are_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = _LockedAtFirst(failures=1, message="disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        sqlite_db._enable_wal(broken)  # type: ignore[arg-type]
    assert broken.calls == 1
    monkeypatch.setattr(sqlite_db, "BUSY_TIMEOUT_S", 0.05)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        sqlite_db._enable_wal(_LockedAtFirst(failures=10**6))  # type: ignore[arg-type]
