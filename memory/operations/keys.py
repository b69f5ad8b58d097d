"""API keys for the server: created, looked up and revoked; only their SHA-256 digests are stored.

A key is ``cl_<key id>_<secret>``: 24 random bytes of secret, so an unsalted digest is safe (nobody
can brute-force 192 bits), and the lookup is one indexed read. The store is SQLite (WAL) under the
data directory (or ``CREWLINE_KEYS_PATH``), or PostgreSQL (``CREWLINE_KEYS_URL`` or
``CREWLINE_STATE_URL``: every host then accepts and revokes the same keys). A key carries its
user, tenant and role, and the customers it may act for (``customers``: ids, or ``*`` for a staff
key; see :mod:`crewline.memory.state.access`); the key itself is shown once, at creation, and never
again.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from crewline.errors import ConfigurationError
from crewline.memory.shared.database import Database, open_database
from crewline.memory.shared.urls import StateUrlError, state_url

__all__ = [
    "ROLES",
    "ApiKey",
    "KeyStore",
    "KeyStoreError",
    "check_customers",
    "default_key_store",
    "key_digest",
]

ROLES: tuple[str, ...] = ("user", "approver", "admin")
_PREFIX = "cl_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$")
_KEY_SHAPE = re.compile(r"^cl_([0-9a-f]{12})_([A-Za-z0-9_-]{20,64})$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id     TEXT PRIMARY KEY,
    digest     TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL,
    tenant_id  TEXT NOT NULL,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    customers  TEXT NOT NULL DEFAULT ''
);
"""
# keys created before customer bindings existed: the column is added, bound to nobody (fail closed)
_MIGRATION = "ALTER TABLE api_keys ADD COLUMN customers TEXT NOT NULL DEFAULT ''"
_CUSTOMER = re.compile(r"^C-\d{4,}$")


class KeyStoreError(ConfigurationError):
    """Bad input to the key store (unknown role, malformed name, unknown key id)."""


def key_digest(key: str) -> str:
    """The stored form of a key: its SHA-256, hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    """What a key stands for. ``revoked_at`` is ``None`` while the key is valid."""

    key_id: str
    user_id: str
    tenant_id: str
    role: str
    created_at: datetime
    revoked_at: datetime | None = None
    customers: tuple[str, ...] = ()  # the customer ids it may act for, or ("*",)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _check_name(kind: str, value: str) -> str:
    value = value.strip()
    if not _NAME.match(value):
        raise KeyStoreError(
            f"invalid {kind} {value!r}: use 1-128 letters, digits or . _ @ : + - (starting with a letter "
            "or digit)"
        )
    return value


def check_customers(role: str, customers: Sequence[str]) -> tuple[str, ...]:
    """The customer binding of a new key: ids like C-1001, or ``*`` (every customer of the tenant),
    which only a staff key (approver, admin) may have: a ``user`` key is bound to named customers."""
    ids = tuple(dict.fromkeys(c.strip().upper() for c in customers if c.strip()))
    if "*" in ids:
        if role == "user":
            raise KeyStoreError(
                "a user key cannot be bound to every customer (*); name the customers, or create an "
                "approver or admin key for staff"
            )
        return ("*",)
    for customer in ids:
        if not _CUSTOMER.match(customer):
            raise KeyStoreError(f"invalid customer id {customer!r}: customer ids look like C-1001")
    return ids


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class KeyStore:
    """API keys in one database (a SQLite path or URL, or ``postgresql://...``); safe across threads,
    processes and, on PostgreSQL, hosts."""

    def __init__(self, location: str | Path) -> None:
        url = location if isinstance(location, str) and "://" in location else f"sqlite:///{location}"
        try:
            self.db: Database = open_database(url, what="API key store")
            self.db.apply_schema(_SCHEMA)
            self._migrate()
        except StateUrlError as exc:
            raise KeyStoreError(str(exc)) from None
        self.location = self.db.location

    @property
    def path(self) -> Path | None:
        """The SQLite file (None on PostgreSQL)."""
        return Path(self.location) if self.db.kind == "sqlite" else None

    def _migrate(self) -> None:
        if self.db.kind != "sqlite":  # PostgreSQL stores began with the column
            return
        with self.db.read() as conn:
            columns = {row[1] for row in conn.execute("PRAGMA table_info(api_keys)").fetchall()}
        if "customers" not in columns:
            with self.db.transaction() as conn:
                try:
                    conn.execute(_MIGRATION)
                except Exception as exc:  # another process added it first
                    if "duplicate column" not in str(exc).lower():
                        raise

    def create(
        self, *, user_id: str, tenant_id: str, role: str = "user", customers: Sequence[str] = ()
    ) -> tuple[str, ApiKey]:
        """A new key for ``user_id`` in ``tenant_id`` acting for ``customers`` (staff keys: every
        customer of the tenant): ``(the key, its record)``. Only the digest is kept."""
        if role not in ROLES:
            raise KeyStoreError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
        bound = check_customers(role, customers)
        if role != "user":  # staff act for every customer of their tenant, whatever was named
            bound = ("*",)
        user_id = _check_name("user", user_id)
        tenant_id = _check_name("tenant", tenant_id)
        key_id = secrets.token_hex(6)
        key = f"{_PREFIX}{key_id}_{secrets.token_urlsafe(24)}"
        now = datetime.now(UTC)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO api_keys (key_id, digest, user_id, tenant_id, role, created_at, customers) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key_id, key_digest(key), user_id, tenant_id, role, now.isoformat(), " ".join(bound)),
            )
        record = ApiKey(key_id, user_id, tenant_id, role, now, customers=bound)
        return key, record

    def lookup(self, key: str) -> ApiKey | None:
        """The active key ``key`` stands for, or ``None`` (unknown, malformed or revoked)."""
        shape = _KEY_SHAPE.match(key.strip())
        if shape is None:
            return None
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT key_id, digest, user_id, tenant_id, role, created_at, revoked_at, customers "
                "FROM api_keys WHERE key_id = ?",
                (shape.group(1),),
            ).fetchone()
        if row is None or row[6] is not None or not hmac.compare_digest(row[1], key_digest(key.strip())):
            return None
        return ApiKey(
            row[0], row[2], row[3], row[4], datetime.fromisoformat(row[5]), customers=tuple(row[7].split())
        )

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by its id (the part after ``cl_``); revoking twice is a no-op."""
        key_id = key_id.strip()
        if key_id.startswith(_PREFIX):  # a whole key was given: take its id
            shape = _KEY_SHAPE.match(key_id)
            key_id = shape.group(1) if shape else key_id
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                (datetime.now(UTC).isoformat(), key_id),
            )
        found = [k for k in self.list(include_revoked=True) if k.key_id == key_id]
        if not found:
            raise KeyStoreError(f"no API key with id {key_id!r}")
        return found[0]

    def count(self) -> int:
        """How many keys are active."""
        with self.db.read() as conn:
            row = conn.execute("SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL").fetchone()
        return int(row[0])

    def list(self, *, tenant_id: str | None = None, include_revoked: bool = False) -> builtins.list[ApiKey]:
        """Keys, oldest first (never the keys themselves: they are not stored)."""
        sql = "SELECT key_id, user_id, tenant_id, role, created_at, revoked_at, customers FROM api_keys"
        clauses, params = [], []
        if tenant_id is not None:
            clauses.append("tenant_id = ?")
            params.append(tenant_id)
        if not include_revoked:
            clauses.append("revoked_at IS NULL")
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        with self.db.read() as conn:
            rows = conn.execute(sql + " ORDER BY created_at, key_id", params).fetchall()
        return [
            ApiKey(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4]), _parse_time(r[5]), (*r[6].split(),))
            for r in rows
        ]


def default_key_store() -> KeyStore:
    """The store at ``CREWLINE_KEYS_URL`` (or the file ``CREWLINE_KEYS_PATH``), else
    ``CREWLINE_STATE_URL``, else ``data_dir()/keys.sqlite``."""
    return KeyStore(state_url("keys"))
