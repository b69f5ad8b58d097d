"""The audit trail: an append-only, hash-chained log of who did what, when (SQLite or PostgreSQL).

Every entry stores the hash of the entry before it and its own hash over all its fields
(``seq, ts, actor, tenant_id, action, thread_id, detail, prev_hash``), and a one-row head table holds
the last ``(seq, hash)``, written in the same transaction. ``verify()`` walks the chain: a modified
field breaks that entry's hash, a deleted entry leaves a gap in ``seq`` (or a head that points past
the end), a reordered entry breaks the links. With ``CREWLINE_AUDIT_KEY`` set the hashes are
HMAC-SHA256 under that key, so nobody without it can rewrite the chain consistently.

Text in ``detail`` is redacted (``redactor``; by default e-mail addresses, card and phone numbers)
before it is written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from crewline.errors import ConfigurationError
from crewline.memory import sqlite_db
from crewline.memory.paths import data_dir

__all__ = [
    "GENESIS",
    "AuditEntry",
    "AuditError",
    "AuditLog",
    "Verification",
    "open_audit_log",
    "redact_pii",
]

GENESIS = "0" * 64
HASHED_FIELDS: tuple[str, ...] = (
    "seq",
    "ts",
    "actor",
    "tenant_id",
    "action",
    "thread_id",
    "detail",
    "prev_hash",
)

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}(?!\w)")

_TABLES = {
    "audit_log": (
        "CREATE TABLE IF NOT EXISTS audit_log (seq BIGINT PRIMARY KEY, ts TEXT NOT NULL, "
        "actor TEXT NOT NULL, tenant_id TEXT, action TEXT NOT NULL, thread_id TEXT, detail TEXT NOT NULL, "
        "prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
    ),
    "audit_head": (
        "CREATE TABLE IF NOT EXISTS audit_head "
        "(id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)"
    ),
}
_INIT_LOCK = 0x637265776C696E65  # "crewline": the advisory lock taken while creating the tables
_COLUMNS = "seq, ts, actor, tenant_id, action, thread_id, detail, prev_hash, hash"


class AuditError(ConfigurationError):
    """The audit log cannot be opened (bad URL, missing driver, not a database, no server)."""


def _cannot_open(exc: BaseException) -> bool:
    """Whether ``exc`` says the audit log's URL names no usable database (not a passing lock)."""
    if isinstance(exc, sqlite3.Error | OSError):
        return "locked" not in str(exc).lower()
    module = type(exc).__module__
    return module.startswith("psycopg") and type(exc).__name__ == "OperationalError"


def redact_pii(text: str) -> str:
    """Mask e-mail addresses, card numbers and phone numbers in ``text``."""
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub("[card]", text)
    return _PHONE.sub("[phone]", text)


def _redact(value: Any, redactor: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redactor(value)
    if isinstance(value, Mapping):
        return {str(k): _redact(v, redactor) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v, redactor) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redactor(str(value))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    ts: str  # ISO 8601, UTC
    actor: str
    tenant_id: str | None
    action: str
    thread_id: str | None
    detail: str  # canonical JSON, exactly as hashed
    prev_hash: str
    hash: str

    @property
    def data(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.detail)
        return loaded

    def as_dict(self) -> dict[str, Any]:
        return {**{name: getattr(self, name) for name in (*HASHED_FIELDS, "hash")}, "detail": self.data}


@dataclass
class Verification:
    """The result of walking the chain: ``ok`` only if every entry and the head check out."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class AuditLog:
    """Append and verify. One connection per thread; appends are serialized by the database."""

    def __init__(
        self, url: str, *, key: bytes | None = None, redactor: Callable[[str], str] = redact_pii
    ) -> None:
        self.url = url
        self.redactor = redactor
        self._key = key
        self._local = threading.local()
        if url.startswith(("postgresql://", "postgres://")):
            self._postgres = True
            try:
                import psycopg  # noqa: F401
            except ImportError as exc:  # pragma: no cover - the postgres extra is missing
                raise AuditError("a postgresql:// audit log needs: pip install 'crewline[postgres]'") from exc
        elif url.startswith("sqlite:///"):
            self._postgres = False
            try:
                Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                self._refuse(exc)
        else:
            raise AuditError(f"unsupported audit log URL {url!r}: use sqlite:///PATH or postgresql://...")
        try:
            with self._transaction() as run:
                if self._postgres:  # concurrent CREATE TABLE IF NOT EXISTS can collide: take turns
                    run("SELECT pg_advisory_xact_lock(?)", (_INIT_LOCK,))
                for ddl in _TABLES.values():
                    run(ddl)
                if run("SELECT seq FROM audit_head WHERE id = 1").fetchone() is None:
                    run("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ?)", (GENESIS,))
        except Exception as exc:
            self._refuse(exc)

    def _refuse(self, exc: Exception) -> NoReturn:
        """An audit log that cannot be opened: a one-line :class:`AuditError` (no password in it)."""
        if not _cannot_open(exc):
            raise exc
        from crewline.memory.checkpoint.urls import redact_url

        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise AuditError(f"cannot open audit log {redact_url(self.url)}: {detail}") from None

    # --- connections -------------------------------------------------------------------------------
    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._postgres:
                import psycopg

                conn = psycopg.connect(self.url, autocommit=True)
            else:
                path = Path(self.url.removeprefix("sqlite:///")).expanduser()
                conn = sqlite_db.connect(path, check_same_thread=False)
            self._local.conn = conn
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[Callable[..., Any]]:
        conn = self._connection()

        def run(sql: str, params: tuple[Any, ...] = ()) -> Any:
            return conn.execute(sql.replace("?", "%s") if self._postgres else sql, params)

        run("BEGIN" if self._postgres else "BEGIN IMMEDIATE")
        try:
            yield run
        except BaseException:
            run("ROLLBACK")
            raise
        run("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # --- hashing -----------------------------------------------------------------------------------
    def entry_hash(self, values: Mapping[str, Any]) -> str:
        """The hash of one entry over ``HASHED_FIELDS``."""
        payload = _canonical([values[name] for name in HASHED_FIELDS]).encode("utf-8")
        if self._key:
            return hmac.new(self._key, payload, hashlib.sha256).hexdigest()
        return hashlib.sha256(payload).hexdigest()

    # --- writing -----------------------------------------------------------------------------------
    def append(
        self,
        action: str,
        *,
        actor: str,
        tenant_id: str | None = None,
        thread_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Add one entry at the end of the chain (``detail`` is redacted first)."""
        text = _canonical(_redact(dict(detail or {}), self.redactor))
        with self._transaction() as run:
            head = run(
                "SELECT seq, hash FROM audit_head WHERE id = 1" + (" FOR UPDATE" if self._postgres else "")
            ).fetchone()
            values: dict[str, Any] = {
                "seq": int(head[0]) + 1,
                "ts": datetime.now(UTC).isoformat(timespec="microseconds"),
                "actor": actor,
                "tenant_id": tenant_id,
                "action": action,
                "thread_id": thread_id,
                "detail": text,
                "prev_hash": head[1],
            }
            digest = self.entry_hash(values)
            run(
                f"INSERT INTO audit_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*(values[name] for name in HASHED_FIELDS), digest),
            )
            run("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (values["seq"], digest))
        return AuditEntry(**values, hash=digest)

    # --- reading -----------------------------------------------------------------------------------
    def entries(
        self, *, action: str | None = None, tenant_id: str | None = None, after: int = 0
    ) -> list[AuditEntry]:
        """Entries in chain order, optionally one action or tenant only, after ``seq`` ``after``."""
        sql = f"SELECT {_COLUMNS} FROM audit_log WHERE seq > ?"
        params: list[Any] = [after]
        for column, value in (("action", action), ("tenant_id", tenant_id)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        rows = self._query(sql + " ORDER BY seq", tuple(params))
        return [AuditEntry(int(r[0]), *r[1:]) for r in rows]

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        conn = self._connection()
        rows: list[Any] = conn.execute(sql.replace("?", "%s") if self._postgres else sql, params).fetchall()
        return rows

    def head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last entry (``(0, GENESIS)`` for an empty log)."""
        rows = self._query("SELECT seq, hash FROM audit_head WHERE id = 1")
        return (int(rows[0][0]), str(rows[0][1])) if rows else (0, GENESIS)

    def verify(self) -> Verification:
        """Walk the whole chain; every problem found is one line in ``problems``."""
        result = Verification()
        expected_seq, prev = 1, GENESIS
        for row in self._query(f"SELECT {_COLUMNS} FROM audit_log ORDER BY seq"):
            values = dict(zip((*HASHED_FIELDS, "hash"), row, strict=True))
            seq = int(values["seq"])
            result.checked += 1
            if seq != expected_seq:
                result.problems.append(
                    f"entry {seq}: expected entry {expected_seq} here (entries missing or reordered)"
                )
            if values["prev_hash"] != prev:
                result.problems.append(f"entry {seq}: does not link to the entry before it")
            if self.entry_hash(values) != values["hash"]:
                result.problems.append(f"entry {seq}: contents do not match its hash (modified)")
            expected_seq, prev = seq + 1, str(values["hash"])
        head = self._query("SELECT seq, hash FROM audit_head WHERE id = 1")
        if not head:
            result.problems.append("the head record is missing")
        elif int(head[0][0]) != expected_seq - 1 or head[0][1] != prev:
            result.problems.append(
                f"the head says the log ends at entry {head[0][0]}, the log ends at entry {expected_seq - 1} "
                "(entries deleted from the end, or the head modified)"
            )
        return result


def default_audit_url() -> str:
    """``CREWLINE_AUDIT_URL``, else ``sqlite:///<data dir>/audit.sqlite``."""
    configured = os.environ.get("CREWLINE_AUDIT_URL", "").strip()
    return configured or f"sqlite:///{data_dir() / 'audit.sqlite'}"


def open_audit_log(url: str | None = None, *, redactor: Callable[[str], str] | None = None) -> AuditLog:
    """The audit log at ``url`` (default ``default_audit_url()``), keyed by ``CREWLINE_AUDIT_KEY`` if set."""
    key = os.environ.get("CREWLINE_AUDIT_KEY", "")
    return AuditLog(
        url or default_audit_url(), key=key.encode("utf-8") if key else None, redactor=redactor or redact_pii
    )
