"""Where experiences live: the :class:`ExperienceStore` protocol and its SQLite implementation.

One row per (thread, turn), replaced when the turn's resume ends (the human's decision arrives
then), and one row per piece of feedback. SQLite in the data directory by default
(``experiences.sqlite``), or the file ``CREWLINE_EXPERIENCES_URL=sqlite:///PATH`` names. A PostgreSQL
store implements the same protocol; until it exists a ``postgresql://`` URL is a one-line error rather
than a silent fallback to a file one host cannot share.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, cast

from crewline.errors import ConfigurationError
from crewline.memory.checkpoint.urls import CheckpointerError, parse
from crewline.memory.learning.experiences import Clause, Feedback, Turn
from crewline.memory.paths import data_dir
from crewline.memory.sqlite_db import apply_schema, connect

__all__ = ["EXPERIENCES_VAR", "ExperienceStore", "SqliteExperienceStore", "open_experience_store"]

EXPERIENCES_VAR = "CREWLINE_EXPERIENCES_URL"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    thread_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    crew TEXT NOT NULL,
    spec TEXT NOT NULL DEFAULT '',
    request TEXT NOT NULL,
    clauses TEXT NOT NULL,
    verdicts TEXT NOT NULL,
    escalation_kind TEXT,
    escalation_status TEXT,
    decision TEXT,
    decided_route TEXT,
    recorded_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (thread_id, turn)
);
CREATE INDEX IF NOT EXISTS turns_crew ON turns (crew);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    rating INTEGER,
    route TEXT,
    label TEXT,
    note TEXT,
    actor TEXT,
    recorded_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_thread ON feedback (thread_id, turn);
"""


class ExperienceStore(Protocol):
    """Turns and feedback, by thread and by crew."""

    location: str

    def record_turn(self, turn: Turn) -> None:
        """Insert ``turn``, or replace the row of its (thread, turn): a resume ends with the decision."""
        ...

    def latest_turn(self, thread_id: str) -> Turn | None: ...

    def add_feedback(self, feedback: Feedback) -> None: ...

    def turns(self, crew: str | None = None) -> list[Turn]:
        """Every recorded turn (of ``crew``), oldest first."""
        ...

    def feedback(self, crew: str | None = None) -> list[Feedback]:
        """Every piece of feedback (on turns of ``crew``), oldest first."""
        ...


def _turn_row(turn: Turn) -> tuple[Any, ...]:
    clauses = [[c.text, c.route, c.confidence] for c in turn.clauses]
    return (
        turn.thread_id,
        turn.turn,
        turn.crew,
        turn.spec,
        turn.request,
        json.dumps(clauses, ensure_ascii=False),
        json.dumps([list(v) for v in turn.verdicts], ensure_ascii=False),
        turn.escalation_kind,
        turn.escalation_status,
        turn.decision,
        turn.decided_route,
        turn.recorded_at or time.time(),
    )


def _turn_of(row: sqlite3.Row) -> Turn:
    clauses = tuple(
        Clause(str(t), r if r is None else str(r), float(c)) for t, r, c in json.loads(row["clauses"])
    )
    verdicts = tuple((str(g), str(a), float(s)) for g, a, s in json.loads(row["verdicts"]))
    return Turn(
        thread_id=row["thread_id"],
        turn=int(row["turn"]),
        crew=row["crew"],
        spec=row["spec"],
        request=row["request"],
        clauses=clauses,
        verdicts=verdicts,
        escalation_kind=row["escalation_kind"],
        escalation_status=row["escalation_status"],
        decision=row["decision"],
        decided_route=row["decided_route"],
        recorded_at=float(row["recorded_at"]),
    )


def _feedback_of(row: sqlite3.Row) -> Feedback:
    return Feedback(
        thread_id=row["thread_id"],
        turn=int(row["turn"]),
        rating=row["rating"],
        route=row["route"],
        label=row["label"],
        note=row["note"],
        actor=row["actor"],
        recorded_at=float(row["recorded_at"]),
    )


class SqliteExperienceStore:
    """The experience store in one SQLite file (WAL: the server and CLI processes share it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = connect(path, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()  # one connection, shared by the server's threads
        apply_schema(self._conn, _SCHEMA)

    def _write(self, sql: str, params: Sequence[Any]) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(sql, params)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return cast(list[sqlite3.Row], self._conn.execute(sql, params).fetchall())

    def record_turn(self, turn: Turn) -> None:
        self._write(
            "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (thread_id, turn) "
            "DO UPDATE SET crew=excluded.crew, spec=excluded.spec, request=excluded.request, "
            "clauses=excluded.clauses, verdicts=excluded.verdicts, "
            "escalation_kind=excluded.escalation_kind, escalation_status=excluded.escalation_status, "
            "decision=excluded.decision, decided_route=excluded.decided_route, "
            "recorded_at=excluded.recorded_at",
            _turn_row(turn),
        )

    def latest_turn(self, thread_id: str) -> Turn | None:
        rows = self._read("SELECT * FROM turns WHERE thread_id = ? ORDER BY turn DESC LIMIT 1", (thread_id,))
        return _turn_of(rows[0]) if rows else None

    def add_feedback(self, feedback: Feedback) -> None:
        self._write(
            "INSERT INTO feedback (thread_id, turn, rating, route, label, note, actor, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                feedback.thread_id,
                feedback.turn,
                feedback.rating,
                feedback.route,
                feedback.label,
                feedback.note,
                feedback.actor,
                feedback.recorded_at or time.time(),
            ),
        )

    def turns(self, crew: str | None = None) -> list[Turn]:
        if crew is None:
            rows = self._read("SELECT * FROM turns ORDER BY recorded_at, thread_id, turn")
        else:
            rows = self._read(
                "SELECT * FROM turns WHERE crew = ? ORDER BY recorded_at, thread_id, turn", (crew,)
            )
        return [_turn_of(row) for row in rows]

    def feedback(self, crew: str | None = None) -> list[Feedback]:
        if crew is None:
            rows = self._read("SELECT * FROM feedback ORDER BY id")
        else:
            rows = self._read(
                "SELECT f.* FROM feedback f JOIN turns t ON t.thread_id = f.thread_id AND t.turn = f.turn "
                "WHERE t.crew = ? ORDER BY f.id",
                (crew,),
            )
        return [_feedback_of(row) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def experiences_url() -> str:
    """``CREWLINE_EXPERIENCES_URL``, else ``experiences.sqlite`` in the data directory."""
    configured = os.environ.get(EXPERIENCES_VAR, "").strip()
    return configured or f"sqlite:///{(data_dir() / 'experiences.sqlite').as_posix()}"


def open_experience_store(url: str | None = None) -> ExperienceStore:
    """The experience store at ``url`` (default: :func:`experiences_url`); a bad URL is one line."""
    url = url or experiences_url()
    try:
        target = parse(url)
    except CheckpointerError as exc:
        raise ConfigurationError(str(exc).replace("checkpointer URL", "experience store URL")) from None
    if target.kind != "sqlite":
        raise ConfigurationError(
            f"experience store {target.redacted}: only sqlite:///PATH is implemented so far "
            f"(set {EXPERIENCES_VAR} to a sqlite URL or leave it unset for the data directory)"
        )
    return SqliteExperienceStore(Path(target.location).expanduser())
