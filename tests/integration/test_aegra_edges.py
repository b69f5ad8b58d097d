"""The same edges under Aegra (one instance on the test PostgreSQL and Redis): Aegra has no
``POST /threads/{id}/copy``, so a copy cannot carry an escalation away from its ticket there, and the
route answers 404 to the owner and to another tenant alike. A ``user``'s run from an earlier checkpoint
of an escalated thread is refused at the door with the reason (Aegra sends ``checkpoint_id`` at the
top of the body, where the handler did not look: the crew refused it as HTTP 200 ``__error__``), and a
checkpoint the thread does not hold is a 404 naming it. A store search without its prefix, a crew
input no crew takes and FastAPI's own validation errors are one-line 422s, as under ``langgraph dev``
(``test_server_thread_copy.py``, ``test_server_bad_requests.py``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from crewline.evals.benchmarks.approval_replay import REQUEST
from tests.integration.aegra_instances import AegraInstance, aegra_cluster, service_urls

pytestmark = pytest.mark.server

SMALL_POOLS = {
    "SQLALCHEMY_POOL_SIZE": "2",
    "SQLALCHEMY_MAX_OVERFLOW": "2",
    "LANGGRAPH_MIN_POOL_SIZE": "1",
    "LANGGRAPH_MAX_POOL_SIZE": "2",
}


@dataclass
class Aegra:
    instance: AegraInstance
    owner: httpx.Client  # a user bound to C-1005, whose fraud report the request asks for
    stranger: httpx.Client  # an admin of another tenant


@pytest.fixture(scope="module")
def aegra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Aegra]:
    postgres, redis = service_urls()
    with aegra_cluster(tmp_path_factory.mktemp("aegra-edges"), postgres, redis, env=SMALL_POOLS) as cluster:
        (instance,) = cluster.start("a")
        tag = secrets.token_hex(3)
        owner = cluster.create_key(f"ona-{tag}", "acme", customers=("C-1005",))
        stranger = cluster.create_key(f"sly-{tag}", f"globex-{tag}", role="admin")
        with (
            httpx.Client(base_url=instance.url, headers={"x-api-key": owner}, timeout=60) as owning,
            httpx.Client(base_url=instance.url, headers={"x-api-key": stranger}, timeout=60) as other,
        ):
            yield Aegra(instance, owning, other)


def _one_line(response: httpx.Response, status: int) -> str:
    """The one-line reason: ``detail`` (FastAPI's, crewline's edge) or ``message`` (Aegra's errors)."""
    assert response.status_code == status, response.text
    body = response.json()
    detail = body.get("detail") or body.get("message")
    assert isinstance(detail, str) and "\n" not in detail, detail
    return detail


def test_copying_a_thread_is_a_404_for_everyone_under_aegra(aegra: Aegra) -> None:
    thread = aegra.owner.post("/threads", json={}).json()["thread_id"]
    for caller in (aegra.owner, aegra.stranger):
        _one_line(caller.post(f"/threads/{thread}/copy"), 404)
    assert aegra.stranger.get(f"/threads/{thread}").status_code == 404


def test_bad_bodies_are_one_line_422s_under_aegra(aegra: Aegra) -> None:
    assert "namespace_prefix" in _one_line(aegra.owner.post("/store/items/search", json={}), 422)
    assert _one_line(aegra.owner.post("/threads", json=[]), 422).startswith("body: ")
    thread = aegra.owner.post("/threads", json={}).json()["thread_id"]
    refused = aegra.owner.post(f"/threads/{thread}/runs/wait", json={"assistant_id": "support", "input": 5})
    assert _one_line(refused, 422).startswith("input must be an object")


def test_a_users_replay_of_an_escalated_thread_is_refused_at_the_door_under_aegra(aegra: Aegra) -> None:
    thread = aegra.owner.post("/threads", json={}).json()["thread_id"]
    ask = {"messages": [{"role": "user", "content": REQUEST}]}
    asked = aegra.owner.post(f"/threads/{thread}/runs/wait", json={"assistant_id": "support", "input": ask})
    assert asked.status_code == 200 and asked.json()["escalation"]["status"] == "pending", asked.text
    history = aegra.owner.post(f"/threads/{thread}/history", json={"limit": 50}).json()
    before = next(s["checkpoint"]["checkpoint_id"] for s in history if s["next"] == ["open_ticket"])
    for body in ({"checkpoint_id": before}, {"checkpoint": {"checkpoint_id": before, "checkpoint_ns": ""}}):
        replay = aegra.owner.post(f"/threads/{thread}/runs/wait", json={"assistant_id": "support", **body})
        assert "approver or admin role" in _one_line(replay, 403)


def test_a_checkpoint_the_thread_does_not_hold_is_a_404_under_aegra(aegra: Aegra) -> None:
    thread = aegra.owner.post("/threads", json={}).json()["thread_id"]
    ask = {"messages": "Where is order O-1001?"}
    assert aegra.owner.post(
        f"/threads/{thread}/runs/wait", json={"assistant_id": "support", "input": ask}
    ).is_success
    stranger = "1f0c0000-0000-6000-8000-000000000000"
    ran = aegra.owner.post(
        f"/threads/{thread}/runs/wait", json={"assistant_id": "support", "checkpoint_id": stranger}
    )
    assert f"checkpoint {stranger} is not one of thread {thread}'s" in _one_line(ran, 404)
