"""Escalation tickets: what a human was asked to decide, and what they decided.

Stored in SQLite (the data directory's ``tickets.sqlite``) or PostgreSQL (``CREWLINE_TICKETS_URL``
or ``CREWLINE_STATE_URL``), so a ticket opened on one host is decided on another; the SQL is the
same on both and every decision is one conditional statement, so it is taken once. ``create`` is
idempotent on a caller-chosen ``key`` because a LangGraph node re-executes from its start when a
thread resumes after ``interrupt()``: the second run must find the ticket the first one wrote.

The same file holds the ledger of approved actions (``approved_actions``, one row per idempotency
key): a row is claimed (``started``) before an approved tool runs and settled (``applied`` or
``failed``) after, so a replay, a fork or a resume after a crash finds what already happened
(:mod:`crewline.nodes.escalation` decides what to do with it). Retention deletes tickets, never
ledger rows: a checkpoint replayed after its ticket is gone still finds its action's key.
"""

from __future__ import annotations

import builtins
import json
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crewline.errors import RunError
from crewline.memory.shared.database import Database, open_database
from crewline.memory.shared.urls import state_url

__all__ = [
    "RESOLVED_STATUSES",
    "STATUSES",
    "ActionRecord",
    "Ticket",
    "TicketDecided",
    "TicketStore",
    "default_ticket_store",
]

STATUSES: tuple[str, ...] = ("open", "approved", "rejected", "edited", "closed")
RESOLVED_STATUSES: tuple[str, ...] = STATUSES[1:]
_ID_ATTEMPTS = 8

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id     TEXT PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    thread_id     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL,
    transcript    TEXT NOT NULL,
    payload       TEXT NOT NULL,
    user_id       TEXT,
    tenant_id     TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    decided_by    TEXT,
    decision_note TEXT
);
CREATE INDEX IF NOT EXISTS tickets_thread ON tickets (thread_id, created_at);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets (status, created_at);
CREATE TABLE IF NOT EXISTS approved_actions (
    key         TEXT PRIMARY KEY,
    ticket_id   TEXT NOT NULL,
    tool        TEXT NOT NULL,
    status      TEXT NOT NULL,
    outcome     TEXT,
    attempts    INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
"""
ACTION_STATUSES: tuple[str, ...] = ("started", "applied", "failed")

_ACTION_COLUMNS = "key, ticket_id, tool, status, outcome, attempts"
_COLUMNS = (
    "ticket_id, thread_id, kind, reason, status, transcript, payload, user_id, tenant_id, "
    "created_at, updated_at, decided_by, decision_note"
)


@dataclass(frozen=True)
class Ticket:
    """One escalation. Timestamps are timezone-aware UTC; ``payload`` is JSON-shaped data."""

    ticket_id: str
    thread_id: str
    kind: str
    reason: str
    status: str
    transcript: str
    payload: dict[str, Any] = field(default_factory=dict)
    user_id: str | None = None
    tenant_id: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    decided_by: str | None = None
    decision_note: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (timestamps as ISO 8601 strings)."""
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["updated_at"] = self.updated_at.isoformat()
        return data

    @classmethod
    def _from_row(cls, row: Any) -> Ticket:
        return cls(
            ticket_id=row["ticket_id"],
            thread_id=row["thread_id"],
            kind=row["kind"],
            reason=row["reason"],
            status=row["status"],
            transcript=row["transcript"],
            payload=json.loads(row["payload"]),
            user_id=row["user_id"],
            tenant_id=row["tenant_id"],
            created_at=datetime.fromisoformat(row["created_at"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
            decided_by=row["decided_by"],
            decision_note=row["decision_note"],
        )


class TicketDecided(RunError, ValueError):
    """A second, different decision on a resolved ticket (the first one stands)."""

    def __init__(self, ticket: Ticket, wanted: str) -> None:
        self.ticket, self.wanted = ticket, wanted
        by = f" by {ticket.decided_by}" if ticket.decided_by else ""
        super().__init__(
            f"ticket {ticket.ticket_id} was already {ticket.status}{by}; a second decision "
            f"({wanted}) is refused"
        )


@dataclass(frozen=True)
class ActionRecord:
    """One approved action in the ledger: ``started`` (claimed, outcome unknown yet), ``applied`` or
    ``failed``; ``outcome`` is what the caller stored with the settlement (sealed text, or None);
    ``attempts`` counts the claims (1 for an action that ran once)."""

    key: str
    ticket_id: str
    tool: str
    status: str
    outcome: str | None
    attempts: int


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _new_ticket_id() -> str:
    return f"T-{secrets.token_hex(4)}"


class TicketStore:
    """Tickets and the approved-action ledger in one database: ``sqlite:///PATH`` or a path (one
    file), or ``postgresql://...`` (shared by every host); safe across threads and processes."""

    def __init__(self, location: Path | str) -> None:
        url = location if isinstance(location, str) and "://" in location else f"sqlite:///{location}"
        self.url = url
        self.db: Database = open_database(url, what="ticket store")
        self.location = self.db.location
        self.db.apply_schema(_SCHEMA)

    @property
    def path(self) -> Path | None:
        """The SQLite file (None on PostgreSQL)."""
        return Path(self.location) if self.db.kind == "sqlite" else None

    def __repr__(self) -> str:
        return f"TicketStore({self.location!r})"

    def create(
        self,
        *,
        key: str,
        thread_id: str,
        kind: str,
        reason: str,
        transcript: str,
        payload: Mapping[str, Any] | None = None,
        user_id: str | None = None,
        tenant_id: str | None = None,
    ) -> Ticket:
        """Open a ticket, or return the one already created with ``key`` (unchanged, whatever its status).

        ``payload`` is stored as JSON; values JSON cannot represent are stored as their ``str()``.
        """
        if not key:
            raise ValueError("a ticket needs a non-empty idempotency key")
        payload_json = json.dumps(dict(payload or {}), default=str, sort_keys=True)
        for _ in range(_ID_ATTEMPTS):
            now = _now()
            with self.db.transaction() as conn:
                # DO NOTHING on either unique column: a concurrent creator of the same key (another
                # process, another host) waits for ours and then finds it
                conn.execute(
                    f"INSERT INTO tickets (key, {_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, NULL, NULL) ON CONFLICT DO NOTHING",
                    (
                        key,
                        _new_ticket_id(),
                        thread_id,
                        kind,
                        reason,
                        transcript,
                        payload_json,
                        user_id,
                        tenant_id,
                        now,
                        now,
                    ),
                )
                row = conn.execute(f"SELECT {_COLUMNS} FROM tickets WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return Ticket._from_row(row)
            # no row under the key: the new ticket id collided with another ticket's; draw again
        raise RuntimeError(f"could not allocate a unique ticket id in {self.location}")

    def resolve(
        self,
        ticket_id: str,
        *,
        status: str,
        decided_by: str | None = None,
        note: str | None = None,
    ) -> Ticket:
        """Record a decision. The same decision again is a no-op; a different one is refused
        (:class:`TicketDecided`, a ``ValueError`` too): the first decision stands."""
        if status not in RESOLVED_STATUSES:
            raise ValueError(f"cannot resolve a ticket as {status!r}; expected one of {RESOLVED_STATUSES}")
        with self.db.transaction() as conn:
            # one conditional update: of two deciders on two hosts, exactly one finds the ticket open
            conn.execute(
                "UPDATE tickets SET status = ?, decided_by = ?, decision_note = ?, updated_at = ? "
                "WHERE ticket_id = ? AND status = 'open'",
                (status, decided_by, note, _now(), ticket_id),
            )
            row = conn.execute(f"SELECT {_COLUMNS} FROM tickets WHERE ticket_id = ?", (ticket_id,)).fetchone()
        if row is None:
            raise KeyError(f"no ticket {ticket_id!r} in {self.location}")
        current = Ticket._from_row(row)
        if current.status != status:
            raise TicketDecided(current, status)
        return current

    # -- the ledger of approved actions --

    def claim_action(self, key: str, *, ticket_id: str, tool: str) -> tuple[ActionRecord, bool]:
        """Record that the action under ``key`` is about to run: ``(record, first)``; ``first`` is
        False when the key was claimed before (the record says how that attempt ended, if it did)."""
        if not key:
            raise ValueError("an approved action needs a non-empty idempotency key")
        now = _now()
        with self.db.transaction() as conn:
            inserted = conn.execute(
                "INSERT INTO approved_actions (key, ticket_id, tool, status, outcome, attempts, created_at, "
                "updated_at) VALUES (?, ?, ?, 'started', NULL, 1, ?, ?) ON CONFLICT (key) DO NOTHING",
                (key, ticket_id, tool, now, now),
            ).rowcount
            if inserted == 1:
                return ActionRecord(key, ticket_id, tool, "started", None, 1), True
            row = conn.execute(
                "UPDATE approved_actions SET attempts = attempts + 1, updated_at = ? WHERE key = ? "
                f"RETURNING {_ACTION_COLUMNS}",
                (now, key),
            ).fetchone()
        return _action(row), False

    def settle_action(self, key: str, *, status: str, outcome: str | None) -> ActionRecord:
        """Record how the action under ``key`` ended (``applied`` or ``failed``). A settled action is
        never settled again: the first outcome is the one that happened."""
        if status not in ACTION_STATUSES[1:]:
            raise ValueError(f"an action settles as applied or failed, not {status!r}")
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE approved_actions SET status = ?, outcome = ?, updated_at = ? "
                "WHERE key = ? AND status = 'started'",
                (status, outcome, _now(), key),
            )
            row = conn.execute(
                f"SELECT {_ACTION_COLUMNS} FROM approved_actions WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            raise KeyError(f"no approved action {key!r} in {self.location}")
        return _action(row)

    def actions(self, ticket_id: str | None = None) -> builtins.list[ActionRecord]:
        """The ledger (of one ticket), oldest first."""
        where, params = (" WHERE ticket_id = ?", (ticket_id,)) if ticket_id else ("", ())
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_ACTION_COLUMNS} FROM approved_actions{where} ORDER BY created_at, key", params
            ).fetchall()
        return [_action(row) for row in rows]

    def get(self, ticket_id: str) -> Ticket | None:
        with self.db.read() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM tickets WHERE ticket_id = ?", (ticket_id,)).fetchone()
        return None if row is None else Ticket._from_row(row)

    def get_by_key(self, key: str) -> Ticket | None:
        """The ticket created with idempotency ``key``, if any."""
        with self.db.read() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM tickets WHERE key = ?", (key,)).fetchone()
        return None if row is None else Ticket._from_row(row)

    def list(
        self,
        thread_id: str | None = None,
        status: str | None = None,
        *,
        tenant_id: str | None = None,
    ) -> builtins.list[Ticket]:
        """Tickets matching every filter given, oldest first."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown ticket status {status!r}; expected one of {STATUSES}")
        clauses: builtins.list[str] = []
        params: builtins.list[str] = []
        for column, value in (("thread_id", thread_id), ("status", status), ("tenant_id", tenant_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM tickets{where} ORDER BY created_at, ticket_id", params
            ).fetchall()
        return [Ticket._from_row(row) for row in rows]

    def delete_older_than(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        """Delete tickets last updated before ``cutoff`` (count only with ``dry_run``); how many.

        The ledger rows of their approved actions go with them once those are older too: retention
        deletes the thread's checkpoints by the same cutoff, so nothing is left to resume and re-run
        an action whose ledger row is gone. A ledger row of a ticket that is kept stays."""
        if cutoff.tzinfo is None:
            raise ValueError("the retention cutoff must be timezone-aware")
        bound = cutoff.astimezone(UTC).isoformat()
        with self.db.transaction() as conn:
            if dry_run:
                return int(
                    conn.execute("SELECT COUNT(*) FROM tickets WHERE updated_at < ?", (bound,)).fetchone()[0]
                )
            deleted = conn.execute("DELETE FROM tickets WHERE updated_at < ?", (bound,)).rowcount
            conn.execute(
                "DELETE FROM approved_actions WHERE updated_at < ? "
                "AND ticket_id NOT IN (SELECT ticket_id FROM tickets)",
                (bound,),
            )
            return int(deleted)


def _action(row: Any) -> ActionRecord:
    return ActionRecord(
        row["key"], row["ticket_id"], row["tool"], row["status"], row["outcome"], int(row["attempts"])
    )


def default_ticket_store() -> TicketStore:
    """The store at ``CREWLINE_TICKETS_URL``, else ``CREWLINE_STATE_URL``, else the data directory's
    ``tickets.sqlite``."""
    return TicketStore(state_url("tickets"))
