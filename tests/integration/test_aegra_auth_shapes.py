"""crewline's auth handler under Aegra's request shapes, in process (no server): str header keys and no
scope, ``ctx.user`` a pydantic model, a flat ``threads.create_run`` body; and the resume signing the
admission middleware does in the body. The two-instance tests drive the same code through Aegra."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from langgraph_sdk import Auth
from pydantic import BaseModel, ConfigDict

from crewline.graphs.serving import auth as auth_module
from crewline.graphs.serving.aegra_server import ACTOR_KEY, Admission, _signed
from crewline.graphs.serving.services import Identity, get_services, reset_services

# the handlers as Aegra calls them (positional ctx and value, plain dicts back): langgraph_sdk types
# the decorated handlers for langgraph-api's shapes, which is what these tests are not about
authenticate: Any = auth_module.authenticate
on_run_create: Any = auth_module.on_run_create


class AegraUser(BaseModel):
    """The shape of Aegra's ``User``: no ``__getitem__``, extra fields as attributes."""

    model_config = ConfigDict(extra="allow")
    identity: str
    permissions: list[str] = []


@pytest.fixture(autouse=True)
def fresh_services(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CREWLINE_DATA_DIR", str(tmp_path))
    for variable in ("CREWLINE_STATE_URL", "CREWLINE_KEYS_URL", "CREWLINE_AUDIT_URL", "CREWLINE_TICKETS_URL"):
        monkeypatch.delenv(variable, raising=False)
    reset_services()
    yield
    reset_services()


def _ctx(user_id: str, role: str = "user", acting_for: str | None = None) -> Auth.types.AuthContext:
    permissions = {"user": [], "approver": ["tenant:read", "escalations:approve"]}[role]
    fields = {"tenant_id": "acme", "roles": [role], "via": "api_key", ACTOR_KEY: user_id}
    user = AegraUser(identity=acting_for or user_id, permissions=permissions, **fields)
    return Auth.types.AuthContext(permissions=permissions, user=user, resource="threads", action="create_run")  # type: ignore[arg-type]


async def test_str_headers_without_a_scope_authenticate() -> None:
    key = get_services().keys.create(user_id="alice", tenant_id="acme", role="user", customers=("C-1001",))[0]
    user = await authenticate({"x-api-key": key})
    assert user["identity"] == "alice" and user["tenant_id"] == "acme"
    with pytest.raises(Auth.exceptions.HTTPException) as refused:
        await authenticate({"x-api-key": "cl_000000000000_" + secrets.token_urlsafe(24)})
    assert refused.value.status_code == 401


async def test_a_users_flat_resume_is_refused() -> None:
    value = {"thread_id": "t-1", "assistant_id": "support", "command": {"resume": {"decision": "approve"}}}
    with pytest.raises(Auth.exceptions.HTTPException) as refused:
        await on_run_create(_ctx("alice"), value)
    assert refused.value.status_code == 403 and "approver" in str(refused.value.detail)


async def test_an_unsigned_flat_resume_is_refused_even_for_an_approver() -> None:
    command = {"resume": {"decision": "approve", "by": "somebody-else"}}
    with pytest.raises(Auth.exceptions.HTTPException) as refused:
        await on_run_create(_ctx("carol", "approver"), {"thread_id": "t-1", "command": command})
    assert refused.value.status_code == 403


async def test_a_flat_run_returns_its_config_with_the_callers_identity() -> None:
    value: dict[str, Any] = {"thread_id": None, "assistant_id": "support", "input": {"messages": []}}
    returned = await on_run_create(_ctx("alice"), value)
    assert returned["tenant_id"] == "acme" and returned["owner"] == "alice"
    assert returned["config"]["configurable"]["user_id"] == "alice"  # Aegra keeps returned config only


async def test_an_approver_acting_for_the_owner_starts_no_plain_run() -> None:
    value: dict[str, Any] = {"thread_id": "t-1", "assistant_id": "support", "input": {"messages": []}}
    with pytest.raises(Auth.exceptions.HTTPException) as refused:
        await on_run_create(_ctx("carol", "approver", acting_for="alice"), value)
    assert refused.value.status_code == 404


def test_admission_names_the_caller_and_the_owner_it_acts_for() -> None:
    carol = Identity(user_id="carol", tenant_id="acme", roles=("approver",), via="api_key")
    user = Admission(carol, owner="alice").as_user()
    assert user["identity"] == "alice" and user[ACTOR_KEY] == "carol"  # Aegra scopes on the owner
    assert Admission(carol).as_user()["identity"] == "carol"


def test_a_resume_is_signed_in_the_body() -> None:
    body = json.dumps({"command": {"resume": {"decision": "approve", "by": "mallory"}}}).encode()
    assert json.loads(_signed(body, "carol"))["command"]["resume"]["by"] == "carol"
    for untouched in (b"not json", b"", json.dumps({"input": {"by": "x"}}).encode()):
        assert _signed(untouched, "carol") == untouched
