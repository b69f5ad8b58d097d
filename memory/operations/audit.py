"""The audit trail: an append-only, keyed hash chain of who did what, when (SQLite or PostgreSQL).

Every entry stores the hash of the entry before it and its own HMAC-SHA256 over all its fields and
the log's id (``v2:<hex>``); a one-row head table holds the last ``(seq, hash)`` and serialises
writers. The HMAC key and a signed checkpoint of the head (the *anchor*) are kept outside the
database (:mod:`crewline.memory.operations.audit_anchor`): ``CREWLINE_AUDIT_KEY`` or
``<data dir>/audit.key`` (created on first use, mode 0600), and ``<data dir>/audit-anchors/<log
id>.json``, replaced on every append under the log's write lock. ``verify()`` walks the chain and
checks the head row and the anchor.

Threat model. *Database write access, no key, no anchor* (an SQL account, a leaked audit URL, a
restored backup: the usual case for a PostgreSQL log, whose key and anchor stay on the app hosts):
every rewritten field breaks that entry's HMAC; a deleted or reordered entry breaks the sequence or
the links; an entry cannot be added or re-hashed without the key; deleting the newest entries, and
setting the head row to match, leaves the anchor naming an entry that is gone; emptying or
recreating the log leaves an anchor for this URL that names another log. All detected.
*Also write access to the anchor file, not the key*: a forged anchor fails its signature, a deleted
one is reported ("no anchor"), and an older copy put back is reported when the log goes on past it
("anchor older than the log"). What cannot be seen from one host: an older anchor put back *and*
the log truncated to match it. Against that, export the anchor (``crewline audit anchor``) to
somewhere the attacker cannot write (a WORM bucket, a ticket, syslog) and check it with ``crewline
audit verify --anchor FILE``: an exported anchor vouches for every entry up to it, even against
someone who later obtains the key. *The key*: whoever holds it can rewrite anything not covered by
an exported anchor; keep it out of the database and its backups (for a SQLite log the key sits
next to the database in the data directory, so the file system's permissions are the boundary;
set ``CREWLINE_AUDIT_KEY`` from a secret store to separate them).

Operations. Several processes appending to one log must share the key and the anchor directory
(one host's data directory; for several hosts on one PostgreSQL log, ``CREWLINE_AUDIT_URL`` or
``CREWLINE_STATE_URL``, ``CREWLINE_AUDIT_KEY`` and a shared ``CREWLINE_AUDIT_ANCHOR_DIR``: a host
with a key of its own writes entries the others report as "another audit key", and a host with an
anchor of its own sees every other host's entries as newer than its anchor). A process killed
between writing the anchor and committing its entry leaves an anchor one entry ahead: verify
reports that entry as missing, which it is.

Logs written before the key and anchor (plain SHA-256 or an unprefixed HMAC) still verify: those
entries are vouched for only as they stood when the first keyed entry was chained after them.

Text in ``detail`` is redacted (``redactor``; by default e-mail addresses, card and phone numbers)
before it is written.

The entry's format and redaction are :mod:`crewline.memory.operations.audit_entry`, the verification
walk :mod:`crewline.memory.operations.audit_verify`; this module opens, writes and reads the log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from crewline.errors import ConfigurationError
from crewline.memory import sqlite_db
from crewline.memory.operations.audit_anchor import (
    Anchor,
    AnchorStore,
    default_anchor_dir,
    load_audit_key,
    log_identity,
)
from crewline.memory.operations.audit_entry import (
    ENTRY_DOMAIN,
    GENESIS,
    HASH_PREFIX,
    HASHED_FIELDS,
    AuditEntry,
    canonical,
    redact_detail,
    redact_pii,
)
from crewline.memory.operations.audit_verify import Verification, verify_log
from crewline.memory.shared.urls import state_url

__all__ = [
    "GENESIS",
    "HASHED_FIELDS",
    "AuditEntry",
    "AuditError",
    "AuditLog",
    "Verification",
    "open_audit_log",
    "redact_pii",
]

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
    # the log's id: in every entry's HMAC, and the name of its anchor outside the database
    "audit_meta": "CREATE TABLE IF NOT EXISTS audit_meta (id INTEGER PRIMARY KEY, log_id TEXT NOT NULL)",
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


class AuditLog:
    """Append and verify. One connection per thread; appends are serialized by the database."""

    def __init__(
        self,
        url: str,
        *,
        key: bytes | None = None,
        anchor_dir: Path | None = None,
        redactor: Callable[[str], str] = redact_pii,
    ) -> None:
        self.url = url
        self.redactor = redactor
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
        self._key = key or load_audit_key()
        self.anchors = AnchorStore(anchor_dir or default_anchor_dir(), self._key)
        self.identity = log_identity(url)
        try:
            with self._transaction() as run:
                if self._postgres:  # concurrent CREATE TABLE IF NOT EXISTS can collide: take turns
                    run("SELECT pg_advisory_xact_lock(?)", (_INIT_LOCK,))
                for ddl in _TABLES.values():
                    run(ddl)
                if run("SELECT seq FROM audit_head WHERE id = 1").fetchone() is None:
                    run("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ?)", (GENESIS,))
                row = run("SELECT log_id FROM audit_meta WHERE id = 1").fetchone()
                if row is None:
                    row = (secrets.token_hex(16),)
                    run("INSERT INTO audit_meta (id, log_id) VALUES (1, ?)", row)
                self.log_id = str(row[0])
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
    def _transaction(self, begin: str | None = None) -> Iterator[Callable[..., Any]]:
        conn = self._connection()

        def run(sql: str, params: tuple[Any, ...] = ()) -> Any:
            return conn.execute(sql.replace("?", "%s") if self._postgres else sql, params)

        run(begin or ("BEGIN" if self._postgres else "BEGIN IMMEDIATE"))
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
    def entry_hash(self, values: Mapping[str, Any], *, log_id: str | None = None) -> str:
        """The keyed hash of one entry: HMAC-SHA256 over the log's id and ``HASHED_FIELDS``."""
        fields = [values[name] for name in HASHED_FIELDS]
        payload = canonical([ENTRY_DOMAIN, log_id or self.log_id, *fields]).encode("utf-8")
        return HASH_PREFIX + hmac.new(self._key, payload, hashlib.sha256).hexdigest()

    def legacy_hashes(self, values: Mapping[str, Any]) -> set[str]:
        """What an entry written before keyed hashes may carry: plain SHA-256, or an HMAC under this key
        (``CREWLINE_AUDIT_KEY`` was optional then)."""
        payload = canonical([values[name] for name in HASHED_FIELDS]).encode("utf-8")
        return {hashlib.sha256(payload).hexdigest(), hmac.new(self._key, payload, hashlib.sha256).hexdigest()}

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
        """Add one entry at the end of the chain (``detail`` is redacted first) and move the anchor."""
        text = canonical(redact_detail(dict(detail or {}), self.redactor))
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
            # Still under the write lock, so anchors are written in commit order by every process; last,
            # so a failure before it rolls the entry back and leaves the anchor where it was.
            self.anchors.write(self.log_id, self.identity, values["seq"], digest)
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

    def anchor(self) -> Anchor | None:
        """This log's current anchor (to export with ``crewline audit anchor``)."""
        return self.anchors.read(self.log_id)

    def rows_after(self, seq: int) -> list[Any]:
        """The raw rows (``HASHED_FIELDS`` and ``hash``) of the entries after ``seq``, in chain order."""
        return self._query(f"SELECT {_COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq", (seq,))

    def signed(self, anchor: Anchor) -> bool:
        """Whether ``anchor`` carries this log's key's signature."""
        return anchor.signed_by(self._key)

    # --- verifying ---------------------------------------------------------------------------------
    def verify(self, anchors: Sequence[Path] = ()) -> Verification:
        """Walk the whole chain, then check the head row, this log's anchor and any exported
        ``anchors``; every problem found is one line in ``problems``, the first bad entry first."""
        return verify_log(self, anchors)

    def snapshot(self) -> tuple[list[Any], list[Any], str | None]:
        """Entries, head row and log id as of one instant (a read transaction: appends may go on)."""
        begin = "BEGIN ISOLATION LEVEL REPEATABLE READ" if self._postgres else "BEGIN"
        with self._transaction(begin) as run:
            rows = run(f"SELECT {_COLUMNS} FROM audit_log ORDER BY seq").fetchall()
            head = run("SELECT seq, hash FROM audit_head WHERE id = 1").fetchall()
            meta = run("SELECT log_id FROM audit_meta WHERE id = 1").fetchall()
        return rows, head, (str(meta[0][0]) if meta else None)

    def wait_for_writers(self) -> None:
        """Return once no append is between writing its anchor and committing its entry."""
        try:
            with self._transaction() as run:
                if self._postgres:
                    run("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
        except Exception:  # a read-only account cannot take the lock: the entries as read stand
            return


def default_audit_url() -> str:
    """``CREWLINE_AUDIT_URL``, else ``CREWLINE_STATE_URL`` (PostgreSQL), else
    ``sqlite:///<data dir>/audit.sqlite``."""
    return state_url("audit")


def open_audit_log(url: str | None = None, *, redactor: Callable[[str], str] | None = None) -> AuditLog:
    """The audit log at ``url`` (default ``default_audit_url()``), keyed by ``CREWLINE_AUDIT_KEY`` or the
    data directory's ``audit.key``, anchored in ``CREWLINE_AUDIT_ANCHOR_DIR`` or the data directory."""
    return AuditLog(url or default_audit_url(), redactor=redactor or redact_pii)
