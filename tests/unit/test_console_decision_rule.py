"""One decision rule for the server's auth handler and the console: who may decide which escalation.

The rule itself on small facts, then both callers on the same refusals: the auth handler (in
process, as the server calls it) and the console's own backend over a real escalated thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from langgraph_sdk import Auth
from pydantic import BaseModel, ConfigDict

from crewline.graphs.serving import auth as auth_module
from crewline.graphs.serving.console import Decision, LocalCrew
from crewline.graphs.serving.console.sessions import SessionStore
from crewline.graphs.serving.decision_rule import NEEDS_APPROVER, decision_refusal, latest_ticket
from crewline.memory.state.tickets import Ticket, default_ticket_store
from tests.browser.console_site import ConsoleWorld, console_world
from tests.support import crews

APPROVER = ("escalations:approve", "tenant:read")
FREEZE = "please freeze the card of customer C-1001"


def _ticket(status: str = "open", tenant: str | None = "acme") -> Ticket:
    return Ticket("T-1", "thread-1", "approval", "freeze", status, "", tenant_id=tenant)


def _rule(permissions: tuple[str, ...], tenant: str, thread_tenant: str | None, **kw: Any) -> Any:
    kw.setdefault("latest", _ticket())
    kw.setdefault("decision", "approve")
    return decision_refusal(permissions=permissions, tenant_id=tenant, thread_tenant=thread_tenant, **kw)


def test_an_approver_of_the_threads_tenant_may_decide() -> None:
    assert _rule(APPROVER, "acme", "acme") is None


def test_a_user_is_refused_for_the_role_and_another_tenants_approver_as_not_found() -> None:
    user = _rule(("tenant:none",), "acme", "acme")
    assert (user.status, user.detail) == (403, NEEDS_APPROVER)
    stranger = _rule(APPROVER, "globex", "acme")
    assert stranger.status == 404 and "acme" not in stranger.detail  # learns nothing of the thread


def test_a_second_different_decision_is_refused_and_the_same_one_is_not() -> None:
    rejected = _ticket("rejected")
    assert _rule(APPROVER, "acme", "acme", latest=rejected, decision="approve").status == 409
    assert _rule(APPROVER, "acme", "acme", latest=rejected, decision="reject") is None


def test_a_run_without_a_tenant_is_decidable_only_where_untenanted_runs_are_everyones() -> None:
    assert _rule(APPROVER, "acme", None).status == 404
    assert _rule(APPROVER, "acme", None, untenanted=True) is None


def test_the_latest_ticket_is_the_callers_tenants_or_an_untenanted_one() -> None:
    mine, theirs, local = _ticket(tenant="acme"), _ticket(tenant="globex"), _ticket(tenant=None)
    assert latest_ticket([mine, theirs], "acme") is mine
    assert latest_ticket([theirs, local], "acme") is local
    assert latest_ticket([theirs], "acme") is None


# --- both callers refuse the same people --------------------------------------------------------
@pytest.fixture
def world() -> Iterator[ConsoleWorld]:
    crews.FROZEN.clear()
    with console_world() as found:
        yield found


class _User(BaseModel):
    """The authenticated user as the handler reads it (fields as attributes, as under Aegra)."""

    model_config = ConfigDict(extra="forbid")
    identity: str
    tenant_id: str
    roles: list[str]
    via: str = "api_key"


def _ctx(user: str, tenant: str, permissions: tuple[str, ...]) -> Auth.types.AuthContext:
    who = _User(identity=user, tenant_id=tenant, roles=["approver" if permissions else "user"])
    return Auth.types.AuthContext(
        permissions=list(permissions),
        user=who,  # type: ignore[arg-type]
        resource="threads",
        action="create_run",
    )


async def _through_auth(thread_id: str, ctx: Auth.types.AuthContext) -> int:
    command = {"resume": {"decision": "approve"}}
    value: Any = {"thread_id": thread_id, "assistant_id": "support", "kwargs": {"command": command}}
    with pytest.raises(Auth.exceptions.HTTPException) as refused:
        await auth_module.on_run_create(ctx, value)  # type: ignore[call-arg]
    return refused.value.status_code


async def _through_console(world: ConsoleWorld, ticket_id: str, key: str) -> int:
    identity = await world.services.identify(key)
    assert identity is not None
    session = SessionStore().open(identity, key, "http://127.0.0.1")
    ticket = default_ticket_store().get(ticket_id)
    assert ticket is not None
    outcome = await LocalCrew.of(world.graph).decide(session, ticket, Decision("approve"))
    assert outcome.state == "refused"
    return outcome.status


def test_a_user_and_another_tenants_approver_are_refused_by_both_paths(world: ConsoleWorld) -> None:
    thread_id, ticket_id = world.escalate(FREEZE, user="ann", tenant="acme")
    user = (world.key("ann", "user"), _ctx("ann", "acme", ()))
    stranger = (world.key("eve", "approver", tenant="globex"), _ctx("eve", "globex", APPROVER))

    async def both(key: str, ctx: Auth.types.AuthContext) -> tuple[int, int]:
        return await _through_console(world, ticket_id, key), await _through_auth(thread_id, ctx)

    assert asyncio.run(both(*user)) == (403, 403)
    assert asyncio.run(both(*stranger)) == (404, 404)
    refused = world.services.audit.entries(action="escalation.refused")
    assert sorted(e.actor for e in refused) == ["ann", "ann", "eve", "eve"]
    assert world.services.audit.entries(action="escalation.decision") == [] and crews.FROZEN == []
