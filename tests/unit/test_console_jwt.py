"""Signing in to the console with a JWT, where the server verifies JWTs (``CREWLINE_JWT_SECRET``): the
same session as with an API key, the decision signed by the token's subject, and the session ends
when the token expires."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import jwt
import pytest
from starlette.testclient import TestClient

from tests.browser.console_site import CONSOLE, ConsoleWorld, console_world
from tests.support import crews

SECRET = "console-test-secret-of-at-least-32-bytes"
FREEZE = "please freeze the card of customer C-1001"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[ConsoleWorld]:
    monkeypatch.setenv("CREWLINE_JWT_SECRET", SECRET)
    crews.FROZEN.clear()
    with console_world() as found:
        yield found


def _token(sub: str, role: str, tenant: str = "acme", ttl_s: float = 600, secret: str = SECRET) -> str:
    claims = {"sub": sub, "tenant": tenant, "roles": [role], "exp": int(time.time() + ttl_s)}
    return jwt.encode(claims, secret, algorithm="HS256")


def _sign_in(world: ConsoleWorld, token: str) -> tuple[TestClient, int]:
    client = TestClient(world.app, base_url="http://127.0.0.1")
    form = client.get(f"{CONSOLE}/login")
    assert "API key or JWT" in form.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    done = client.post(
        f"{CONSOLE}/login", data={"csrf": csrf.group(1), "api_key": token}, follow_redirects=False
    )
    return client, done.status_code


def test_an_approver_signs_in_with_a_jwt_and_decides(world: ConsoleWorld) -> None:
    _, ticket_id = world.escalate(FREEZE)
    client, status = _sign_in(world, _token("bob", "approver"))
    assert status == 303
    inbox = client.get(f"{CONSOLE}/")
    assert "bob · acme · approver" in inbox.text and ticket_id in inbox.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', inbox.text)
    assert csrf
    done = client.post(
        f"{CONSOLE}/tickets/{ticket_id}/decision", data={"csrf": csrf.group(1), "decision": "approve"}
    )
    assert done.status_code == 200 and "Thread complete" in done.text and crews.FROZEN == ["C-1001"]
    [entry] = world.services.audit.entries(action="console.sign_in")
    assert entry.actor == "bob" and entry.data["via"] == "jwt"


def test_a_forged_or_expired_jwt_is_refused(world: ConsoleWorld) -> None:
    assert _sign_in(world, _token("bob", "approver", secret="another-secret-of-at-least-32-bytes"))[1] == 401
    assert _sign_in(world, _token("bob", "approver", ttl_s=-5))[1] == 401


def test_the_session_ends_when_its_jwt_expires(world: ConsoleWorld) -> None:
    client, status = _sign_in(world, _token("bob", "approver", ttl_s=2))
    assert status == 303 and client.get(f"{CONSOLE}/api/pending").status_code == 200
    time.sleep(2.5)
    assert client.get(f"{CONSOLE}/api/pending").status_code == 401
    assert client.get(f"{CONSOLE}/", follow_redirects=False).headers["location"] == f"{CONSOLE}/login"
