"""Console sessions: an API key (or a JWT, where the server verifies them), checked at sign-in, becomes
a random session id in an HttpOnly, SameSite=Strict cookie; the key never goes back to the browser.

Where sessions live follows where the API keys live. On a single machine (no ``CREWLINE_KEYS_URL``
or ``CREWLINE_STATE_URL``) they stay in this process's memory (:class:`SessionStore`): a restart
signs everyone out, which is the safe direction. When the keys' state is shared, so are the
sessions (:mod:`crewline.graphs.serving.console.shared_sessions`, in the keys' database): several
server workers behind a load balancer without sticky sessions all know every session.

Each session carries its own CSRF token, which every state-changing form must send back; a session
ends at sign-out, after ``idle_s`` without a request, or ``max_age_s`` after sign-in, whichever
comes first. The key is checked again on every request
(a revoked key or an expired JWT ends its sessions at once).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Protocol

from crewline.graphs.serving.services import Identity

__all__ = ["SESSION_COOKIE", "Session", "SessionStore", "Sessions", "same_token"]

SESSION_COOKIE = "crewline_console"
LOGIN_COOKIE = "crewline_console_login"  # the sign-in form's own CSRF token (no session yet)


def same_token(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token (an empty or missing one never matches)."""
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given or "")


@dataclass(frozen=True)
class Session:
    session_id: str
    identity: Identity
    api_key: str  # kept server-side only: the console acts through the server API with it
    csrf: str
    origin: str  # where the server API answers (the console's own origin)
    created: float
    last_seen: float = field(default=0.0)

    @property
    def may_decide(self) -> bool:
        return "escalations:approve" in self.identity.permissions


class Sessions(Protocol):
    """Where the console keeps its sessions: this process's memory, or the keys' shared database."""

    idle_s: float
    max_age_s: float

    def open(self, identity: Identity, api_key: str, origin: str) -> Session: ...

    def get(self, session_id: str | None) -> Session | None: ...

    def close(self, session_id: str | None) -> None: ...


def new_session(identity: Identity, api_key: str, origin: str, now: float) -> Session:
    """A new session with a fresh random id and CSRF token (``now`` on the store's own clock)."""
    return Session(
        session_id=secrets.token_urlsafe(32),
        identity=identity,
        api_key=api_key,
        csrf=secrets.token_urlsafe(32),
        origin=origin,
        created=now,
        last_seen=now,
    )


class SessionStore:
    """The console's sessions, in memory, safe across threads (one process: a single machine)."""

    def __init__(self, *, idle_s: float = 30 * 60, max_age_s: float = 8 * 3600) -> None:
        self.idle_s, self.max_age_s = idle_s, max_age_s
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, identity: Identity, api_key: str, origin: str) -> Session:
        now = time.monotonic()
        session = new_session(identity, api_key, origin, now)
        with self._lock:
            self._drop_expired(now)
            self._sessions[session.session_id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id (its idle clock restarted), or ``None``."""
        if not session_id:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if self._expired(session, now):
                del self._sessions[session_id]
                return None
            session = replace(session, last_seen=now)
            self._sessions[session_id] = session
            return session

    def close(self, session_id: str | None) -> None:
        with self._lock:
            self._sessions.pop(session_id or "", None)

    def _expired(self, session: Session, now: float) -> bool:
        return now - session.last_seen > self.idle_s or now - session.created > self.max_age_s

    def _drop_expired(self, now: float) -> None:
        for session_id in [s for s, v in self._sessions.items() if self._expired(v, now)]:
            del self._sessions[session_id]
