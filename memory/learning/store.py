"""Where experiences live: the :class:`ExperienceStore` protocol and its SQLite implementation.

One row per (thread, turn), replaced when the turn's resume ends (the human's decision arrives
then), and one row per piece of feedback. Where, in the order every kind of shared state resolves
(:mod:`crewline.memory.shared.urls`): ``CREWLINE_EXPERIENCES_URL``, else ``CREWLINE_STATE_URL`` when it
is a database URL, else ``experiences.sqlite`` in the data directory. One SQL text for both SQLite and
PostgreSQL through :mod:`crewline.memory.shared.database`.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from crewline.memory.checkpoint.urls import CheckpointerError, parse
from crewline.memory.learning.experiences import Clause, Feedback, Turn
from crewline.memory.paths import data_dir
from crewline.memory.shared.database import Database, open_database
from crewline.memory.shared.urls import STATE_VAR, StateUrlError

__all__ = [
    "EXPERIENCES_VAR",
    "ExperienceStore",
    "SqlExperienceStore",
    "experiences_url",
    "open_experience_store",
]

EXPERIENCES_VAR = "CREWLINE_EXPERIENCES_URL"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS learning_turns (
    thread_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    crew TEXT NOT NULL,
    spec TEXT NOT NULL,
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
CREATE INDEX IF NOT EXISTS learning_turns_crew ON learning_turns (crew, recorded_at);
CREATE TABLE IF NOT EXISTS learning_feedback (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    rating INTEGER,
    route TEXT,
    label TEXT,
    note TEXT,
    actor TEXT,
    recorded_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS learning_feedback_thread ON learning_feedback (thread_id, turn)
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


def _turn_of(row: Any) -> Turn:
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


def _feedback_of(row: Any) -> Feedback:
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


class SqlExperienceStore:
    """The experience store in SQLite (one host; WAL, so the server and the CLI share the file) or
    PostgreSQL (every host)."""

    def __init__(self, url: str) -> None:
        self.db: Database = open_database(url, what="experience store")
        self.location = self.db.location
        self.db.apply_schema(_SCHEMA)

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.db.read() as session:
            return list(session.execute(sql, params).fetchall())

    def record_turn(self, turn: Turn) -> None:
        with self.db.transaction() as session:
            session.execute(
                "INSERT INTO learning_turns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (thread_id, turn) DO UPDATE SET crew=excluded.crew, spec=excluded.spec, "
                "request=excluded.request, clauses=excluded.clauses, verdicts=excluded.verdicts, "
                "escalation_kind=excluded.escalation_kind, escalation_status=excluded.escalation_status, "
                "decision=excluded.decision, decided_route=excluded.decided_route, "
                "recorded_at=excluded.recorded_at",
                _turn_row(turn),
            )

    def latest_turn(self, thread_id: str) -> Turn | None:
        rows = self._read(
            "SELECT * FROM learning_turns WHERE thread_id = ? ORDER BY turn DESC LIMIT 1", (thread_id,)
        )
        return _turn_of(rows[0]) if rows else None

    def add_feedback(self, feedback: Feedback) -> None:
        with self.db.transaction() as session:
            session.execute(
                "INSERT INTO learning_feedback (id, thread_id, turn, rating, route, label, note, actor, "
                "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uuid.uuid4().hex,
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
        order = " ORDER BY recorded_at, thread_id, turn"
        if crew is None:
            rows = self._read("SELECT * FROM learning_turns" + order)
        else:
            rows = self._read("SELECT * FROM learning_turns WHERE crew = ?" + order, (crew,))
        return [_turn_of(row) for row in rows]

    def feedback(self, crew: str | None = None) -> list[Feedback]:
        if crew is None:
            rows = self._read("SELECT * FROM learning_feedback ORDER BY recorded_at, id")
        else:
            rows = self._read(
                "SELECT f.* FROM learning_feedback f JOIN learning_turns t "
                "ON t.thread_id = f.thread_id AND t.turn = f.turn WHERE t.crew = ? "
                "ORDER BY f.recorded_at, f.id",
                (crew,),
            )
        return [_feedback_of(row) for row in rows]


def experiences_url() -> str:
    """``CREWLINE_EXPERIENCES_URL``, else ``CREWLINE_STATE_URL`` when it names a database, else
    ``experiences.sqlite`` in the data directory."""
    own = os.environ.get(EXPERIENCES_VAR, "").strip()
    if own:
        return own
    shared = os.environ.get(STATE_VAR, "").strip()
    if shared:
        try:
            if parse(shared).kind in ("sqlite", "postgres"):
                return shared
        except CheckpointerError:
            raise StateUrlError(f"{STATE_VAR}: not a state URL for the experience store") from None
    return f"sqlite:///{(data_dir() / 'experiences.sqlite').as_posix()}"


def open_experience_store(url: str | None = None) -> ExperienceStore:
    """The experience store at ``url`` (default: :func:`experiences_url`); a bad URL is one line."""
    return SqlExperienceStore(url or experiences_url())
