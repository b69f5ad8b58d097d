"""Console sessions in the API keys' database, so that every server worker knows every session.

Behind several Aegra workers and a load balancer without sticky sessions, a session kept in one
worker's memory is unknown to the next request's worker. When the keys' state is shared
(``CREWLINE_KEYS_URL`` or ``CREWLINE_STATE_URL``), :func:`default_session_store` puts the sessions
in the same database (SQLite or PostgreSQL, through :mod:`crewline.memory.shared.database`).

Nothing in the table signs anyone in: a row is keyed by the SHA-256 of its session id (the cookie
holds the id itself; 256 random bits, so an unsalted digest is safe), and the API key or JWT the
console acts with, the CSRF token and the identity are sealed with crewline's vault (AES-GCM under
``CREWLINE_AES_KEY``, bound to the row's digest, so a sealed value moved to another row does not
open). Workers on several hosts must therefore share ``CREWLINE_AES_KEY`` (as they must for a shared
checkpointer); a row sealed under another key reads as no session: its holder signs in again.

Times are wall-clock seconds (several hosts, one clock each; a skew of seconds is small against the
idle limit). Expiry is the in-memory store's: ``idle_s`` without a request, ``max_age_s`` after
sign-in, sign-out; the console re-checks the key on every request, so a revoked key still ends its
sessions at once.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from crewline.graphs.serving.console.sessions import Session, Sessions, SessionStore, new_session
from crewline.graphs.serving.services import Identity
from crewline.memory.shared.database import Database, open_database
from crewline.memory.shared.urls import configured_state_url
from crewline.nodes.guards.vault import Vault, default_vault

__all__ = ["SqlSessionStore", "default_session_store", "session_digest"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS console_sessions (
    id_digest  TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    tenant_id  TEXT NOT NULL,
    sealed     TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    last_seen  DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS console_sessions_last_seen ON console_sessions (last_seen);
CREATE INDEX IF NOT EXISTS console_sessions_created_at ON console_sessions (created_at)
"""


def session_digest(session_id: str) -> str:
    """The stored form of a session id: its SHA-256, hex."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _purpose(digest: str) -> bytes:
    return f"crewline-console-session:{digest}".encode()


class SqlSessionStore:
    """The console's sessions in one database (``sqlite:///PATH`` or ``postgresql://...``), shared by
    every process and, on PostgreSQL, every host that opens the same URL."""

    def __init__(
        self,
        url: str,
        *,
        idle_s: float = 30 * 60,
        max_age_s: float = 8 * 3600,
        vault: Vault | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.idle_s, self.max_age_s = idle_s, max_age_s
        self._vault = vault or default_vault()
        self._clock = clock  # wall clock: rows are compared across hosts
        self.db: Database = open_database(url, what="console session store")
        self.db.apply_schema(_SCHEMA)

    def open(self, identity: Identity, api_key: str, origin: str) -> Session:
        now = self._clock()
        session = new_session(identity, api_key, origin, now)
        digest = session_digest(session.session_id)
        secret = json.dumps(
            {
                "identity": _identity_fields(identity),
                "api_key": api_key,
                "csrf": session.csrf,
                "origin": origin,
            }
        )
        with self.db.transaction() as conn:
            conn.execute(
                "DELETE FROM console_sessions WHERE last_seen < ? OR created_at < ?",
                (now - self.idle_s, now - self.max_age_s),
            )
            conn.execute(
                "INSERT INTO console_sessions (id_digest, user_id, tenant_id, sealed, created_at, last_seen) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    digest,
                    identity.user_id,
                    identity.tenant_id,
                    self._vault.seal(secret, _purpose(digest)),
                    now,
                    now,
                ),
            )
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id (its idle clock restarted, for every worker), or ``None``."""
        if not session_id:
            return None
        digest = session_digest(session_id)
        now = self._clock()
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT sealed, created_at, last_seen FROM console_sessions WHERE id_digest = ?", (digest,)
            ).fetchone()
        if row is None:
            return None
        created, last_seen = float(row[1]), float(row[2])
        if now - last_seen > self.idle_s or now - created > self.max_age_s:
            self.close(session_id)
            return None
        opened = self._vault.unseal(row[0], _purpose(digest))
        if opened is None:  # sealed under another CREWLINE_AES_KEY: not a session this worker can use
            return None
        # losing the last touch in a database crash only shortens a session: no need to wait for a flush
        with self.db.transaction(durable=False) as conn:
            conn.execute(
                "UPDATE console_sessions SET last_seen = ? WHERE id_digest = ? AND last_seen < ?",
                (now, digest, now),
            )
        secret: dict[str, Any] = json.loads(opened)
        return Session(
            session_id=session_id,
            identity=_identity(secret["identity"]),
            api_key=secret["api_key"],
            csrf=secret["csrf"],
            origin=secret["origin"],
            created=created,
            last_seen=now,
        )

    def close(self, session_id: str | None) -> None:
        if not session_id:
            return
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM console_sessions WHERE id_digest = ?", (session_digest(session_id),))


def _identity_fields(identity: Identity) -> dict[str, Any]:
    return {
        "user_id": identity.user_id,
        "tenant_id": identity.tenant_id,
        "roles": list(identity.roles),
        "via": identity.via,
        "key_id": identity.key_id,
        "permissions": list(identity.permissions),
        "customers": list(identity.customers),
    }


def _identity(fields: dict[str, Any]) -> Identity:
    return Identity(
        user_id=fields["user_id"],
        tenant_id=fields["tenant_id"],
        roles=tuple(fields["roles"]),
        via=fields["via"],
        key_id=fields["key_id"],
        permissions=tuple(fields["permissions"]),
        customers=tuple(fields["customers"]),
    )


def default_session_store(*, idle_s: float = 30 * 60, max_age_s: float = 8 * 3600) -> Sessions:
    """Shared sessions where the API keys are shared (``CREWLINE_KEYS_URL``/``CREWLINE_STATE_URL``:
    several workers or hosts), else this process's memory (a single machine)."""
    url = configured_state_url("keys")
    if url is None:
        return SessionStore(idle_s=idle_s, max_age_s=max_age_s)
    return SqlSessionStore(url, idle_s=idle_s, max_age_s=max_age_s)
