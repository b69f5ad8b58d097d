"""Console sessions shared by several workers (the keys' database, SQLite and PostgreSQL): a session
opened by one worker is known to another, expires by idle time and age for both, ends for both at
sign-out, and the table holds neither the session id nor the key in clear."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewline.graphs.serving.console.sessions import SessionStore
from crewline.graphs.serving.console.shared_sessions import (
    SqlSessionStore,
    default_session_store,
    session_digest,
)
from crewline.graphs.serving.services import Identity
from crewline.nodes.guards.vault import Vault
from tests.support.state_backends import BACKENDS, backend_url

KEY = "cl_0123456789ab_secret-of-the-key-0123456789"
ORIGIN = "http://127.0.0.1:8123"
IDENTITY = Identity("bob", "acme", ("approver",), "api_key", "0123456789ab", ("escalations:approve",), ("*",))


class Clock:
    """Wall-clock seconds the test moves forward (both workers read the same clock)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request, tmp_path, "keys.sqlite")


def _workers(
    url: str, clock: Clock, idle_s: float = 1800, max_age_s: float = 8 * 3600
) -> tuple[SqlSessionStore, SqlSessionStore]:
    """Two stores on one URL, as two server workers behind a load balancer."""
    stores = (SqlSessionStore(url, idle_s=idle_s, max_age_s=max_age_s, clock=clock) for _ in range(2))
    return next(stores), next(stores)


def test_a_session_opened_by_one_worker_is_known_to_another(url: str) -> None:
    clock = Clock()
    first, second = _workers(url, clock)
    opened = first.open(IDENTITY, KEY, ORIGIN)
    clock.now += 60
    seen = second.get(opened.session_id)
    assert seen is not None
    assert (seen.identity, seen.api_key, seen.csrf, seen.origin) == (IDENTITY, KEY, opened.csrf, ORIGIN)
    assert seen.may_decide and seen.last_seen == clock.now and seen.created == opened.created
    assert second.get("not-a-session") is None and second.get(None) is None


def test_sessions_expire_by_idle_time_and_by_age_for_every_worker(url: str) -> None:
    clock = Clock()
    first, second = _workers(url, clock, idle_s=600, max_age_s=3600)
    idle = first.open(IDENTITY, KEY, ORIGIN)
    clock.now += 500
    assert second.get(idle.session_id) is not None  # a request on the other worker restarts the idle clock
    clock.now += 500
    assert first.get(idle.session_id) is not None  # 500 s since the last request anywhere: still live
    clock.now += 601
    assert second.get(idle.session_id) is None
    assert first.get(idle.session_id) is None  # gone for both

    old = first.open(IDENTITY, KEY, ORIGIN)
    for _ in range(7):  # busy all along: never idle, yet it ends an hour after sign-in
        clock.now += 500
        assert second.get(old.session_id) is not None
    clock.now += 101
    assert first.get(old.session_id) is None and second.get(old.session_id) is None


def test_sign_out_on_one_worker_ends_the_session_for_all(url: str) -> None:
    clock = Clock()
    first, second = _workers(url, clock)
    leaving = first.open(IDENTITY, KEY, ORIGIN)
    staying = first.open(IDENTITY, KEY, ORIGIN)
    second.close(leaving.session_id)
    assert first.get(leaving.session_id) is None and second.get(leaving.session_id) is None
    assert second.get(staying.session_id) is not None


def test_the_table_holds_neither_session_ids_nor_keys_in_clear(url: str) -> None:
    store = SqlSessionStore(url, clock=Clock())
    session = store.open(IDENTITY, KEY, ORIGIN)
    with store.db.read() as conn:
        rows = conn.execute("SELECT * FROM console_sessions").fetchall()
    stored = " ".join(str(value) for row in rows for value in tuple(row))
    assert len(rows) == 1 and session_digest(session.session_id) in stored
    for secret in (session.session_id, KEY, session.csrf, "secret-of-the-key"):
        assert secret not in stored
    # sealed under another vault key (a worker without the shared CREWLINE_AES_KEY): no session
    stranger = SqlSessionStore(url, vault=Vault(b"k" * 32), clock=Clock())
    assert stranger.get(session.session_id) is None
    assert store.get(session.session_id) is not None


def test_sessions_are_shared_exactly_when_the_keys_are(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for variable in ("CREWLINE_STATE_URL", "CREWLINE_KEYS_URL", "CREWLINE_KEYS_PATH"):
        monkeypatch.delenv(variable, raising=False)
    assert isinstance(default_session_store(), SessionStore)  # a single machine: this process's memory
    monkeypatch.setenv("CREWLINE_KEYS_URL", f"sqlite:///{tmp_path / 'keys.sqlite'}")
    first, second = default_session_store(), default_session_store()
    assert isinstance(first, SqlSessionStore)
    assert second.get(first.open(IDENTITY, KEY, ORIGIN).session_id) is not None
