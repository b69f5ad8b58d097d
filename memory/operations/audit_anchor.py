"""What the audit log keeps *outside* its database: the key its entries are HMAC'd with, and a
signed checkpoint of its head (the anchor).

Both live in the data directory by default, never in the log's own tables, so someone who can write
the database (an SQL account, a leaked ``CREWLINE_AUDIT_URL``, a restored backup) can neither forge
an entry nor make the log look shorter than it was:

- the key is ``CREWLINE_AUDIT_KEY`` (at least 16 characters) or ``<data dir>/audit.key``: 32 random
  bytes created on first use, mode 0600, the way the vault's key is;
- the anchor is ``<anchor dir>/<log id>.json`` (``CREWLINE_AUDIT_ANCHOR_DIR``, default
  ``<data dir>/audit-anchors``): the last entry's ``(seq, hash)``, the time, and an HMAC over them.
  It is replaced atomically, under the log's own write lock, on every append, so it always names the
  newest entry and several processes appending to one log keep it in commit order.

See :mod:`crewline.memory.operations.audit` for the threat model.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crewline.errors import ConfigurationError
from crewline.memory.paths import data_dir

__all__ = [
    "ANCHOR_FORMAT",
    "Anchor",
    "AnchorStore",
    "AuditKeyError",
    "default_anchor_dir",
    "load_audit_key",
    "log_identity",
]

ANCHOR_FORMAT = "crewline-audit-anchor/1"
KEY_FILE = "audit.key"
_MIN_KEY_CHARS = 16


class AuditKeyError(ConfigurationError):
    """``CREWLINE_AUDIT_KEY`` is too short, or the key file is not a key."""


def load_audit_key() -> bytes:
    """``CREWLINE_AUDIT_KEY``, else the data directory's ``audit.key`` (created on first use)."""
    configured = os.environ.get("CREWLINE_AUDIT_KEY", "")
    if configured:
        if len(configured) < _MIN_KEY_CHARS:
            raise AuditKeyError(
                f"CREWLINE_AUDIT_KEY must be at least {_MIN_KEY_CHARS} characters of random secret "
                "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        return configured.encode("utf-8")
    path = data_dir() / KEY_FILE
    if not path.exists():
        _create_key(path)
    key = path.read_bytes()
    if len(key) != 32:
        raise AuditKeyError(f"{path} is not an audit key (expected 32 bytes, found {len(key)})")
    return key


def _create_key(path: Path) -> None:
    """Write a fresh key so that concurrent creators agree on one and no reader sees half of it: each
    writes its own temporary file in full, then links it into place (``link`` fails if one exists)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: its key is the key
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def default_anchor_dir() -> Path:
    configured = os.environ.get("CREWLINE_AUDIT_ANCHOR_DIR", "").strip()
    return Path(configured).expanduser() if configured else data_dir() / "audit-anchors"


def log_identity(url: str) -> str:
    """Where the log lives, independent of who connects (no user or password): a wiped and
    recreated log at the same place is found by the anchor its predecessor left."""
    if url.startswith("sqlite:///"):
        return "sqlite:" + str(Path(url.removeprefix("sqlite:///")).expanduser().resolve())
    try:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(url)
    except Exception:  # an unparsable URL fails to open long before this; keep a stable identity anyway
        return "postgresql:" + hashlib.sha256(url.encode()).hexdigest()
    where = {name: str(info.get(name) or "") for name in ("host", "hostaddr", "port", "dbname", "options")}
    return "postgresql:" + json.dumps(where, sort_keys=True)


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Anchor:
    """A signed statement "log ``log_id`` at ``log`` had reached entry ``seq`` with ``hash`` at ``ts``"."""

    log_id: str
    log: str
    seq: int
    hash: str
    ts: str
    sig: str
    path: Path

    def _payload(self) -> list[Any]:
        return [ANCHOR_FORMAT, self.log_id, self.log, self.seq, self.hash, self.ts]

    def signed_by(self, key: bytes) -> bool:
        return hmac.compare_digest(self.sig, _sign(key, self._payload()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": ANCHOR_FORMAT,
            "log_id": self.log_id,
            "log": self.log,
            "seq": self.seq,
            "hash": self.hash,
            "ts": self.ts,
            "sig": self.sig,
        }


def _sign(key: bytes, payload: list[Any]) -> str:
    return hmac.new(key, _canonical(payload), hashlib.sha256).hexdigest()


class AnchorError(ValueError):
    """An anchor file that cannot be read as one (not JSON, fields missing)."""


def read_anchor(path: Path) -> Anchor:
    """The anchor in ``path`` (:class:`AnchorError` if it is not one; ``OSError`` if unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != ANCHOR_FORMAT:
            raise AnchorError(f"{path} is not a crewline audit anchor")
        return Anchor(
            log_id=str(data["log_id"]),
            log=str(data["log"]),
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            ts=str(data["ts"]),
            sig=str(data["sig"]),
            path=path,
        )
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, AnchorError):
            raise
        raise AnchorError(f"{path} is not a readable audit anchor ({type(exc).__name__})") from None


class AnchorStore:
    """The anchors of the logs that write to one directory."""

    def __init__(self, directory: Path, key: bytes) -> None:
        self.directory = directory
        self._key = key

    def path(self, log_id: str) -> Path:
        return self.directory / f"{log_id}.json"

    def write(self, log_id: str, log: str, seq: int, digest: str) -> None:
        """Replace the anchor of ``log_id`` atomically (a reader sees the old one or the new one)."""
        ts = datetime.now(UTC).isoformat(timespec="microseconds")
        sig = _sign(self._key, [ANCHOR_FORMAT, log_id, log, seq, digest, ts])
        anchor = Anchor(log_id, log, seq, digest, ts, sig, self.path(log_id))
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.directory / f".{log_id}.{os.getpid()}.{threading.get_ident()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_canonical(anchor.as_dict()))
            handle.flush()
            os.fsync(handle.fileno())  # as durable as the database commit it stands for
        os.replace(tmp, anchor.path)

    def read(self, log_id: str) -> Anchor | None:
        """This log's anchor, or ``None`` if there is none (:class:`AnchorError` if it is damaged)."""
        try:
            return read_anchor(self.path(log_id))
        except FileNotFoundError:
            return None

    def others_for(self, log: str, log_id: str) -> list[Anchor]:
        """Anchors left at this directory by *another* log at the same place (one that was wiped)."""
        found: list[Anchor] = []
        if not self.directory.is_dir():
            return found
        for path in sorted(self.directory.glob("*.json")):
            with contextlib.suppress(OSError, AnchorError):
                anchor = read_anchor(path)
                if anchor.log == log and anchor.log_id != log_id and anchor.signed_by(self._key):
                    found.append(anchor)
        return found
