"""Customers see only their own data, through a real ``langgraph dev``: a key (or JWT) bound to one
customer asking for another's contact details, or refunding another customer's order, is refused with
no data and no effect, and the audit log records ``access.refused``; a staff key acts across customers.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import jwt
import pytest

from crewline.tools.erp import open_demo_erp
from tests.integration.langgraph_server import LangGraphServer, langgraph_server

pytestmark = pytest.mark.server

JWT_SECRET = "access-test-secret-" + "x" * 32
# C-1003's contact details in the demo ERP: none of them may reach a caller bound to another customer
C1003_VALUES = ("carmen.rv@example.org", "+1-503-555-0123", "555-0123", "Carmen", "Ruiz-Velasco")
CONTACT_C1003 = "What email and phone do you have for customer C-1003?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LangGraphServer]:
    env = {"CREWLINE_JWT_SECRET": JWT_SECRET}
    with langgraph_server(tmp_path_factory.mktemp("access"), env=env) as running:
        yield running


@dataclass
class Keys:
    alice: str  # user bound to C-1001
    bob: str  # user bound to C-1002
    sam: str  # approver (staff) of the same tenant
    tag: str


@pytest.fixture(scope="module")
def keys(server: LangGraphServer) -> Keys:
    tag = secrets.token_hex(3)
    return Keys(
        alice=server.create_key(f"alice-{tag}", "acme", customers=("C-1001",)),
        bob=server.create_key(f"bob-{tag}", "acme", customers=("C-1002",)),
        sam=server.create_key(f"sam-{tag}", "acme", role="approver", customers=()),
        tag=tag,
    )


def _client(server: LangGraphServer, key: str) -> httpx.Client:
    header = {"authorization": f"Bearer {key}"} if key.startswith("eyJ") else {"x-api-key": key}
    return httpx.Client(base_url=server.url, headers=header, timeout=120)


def _ask(server: LangGraphServer, key: str, text: str, **body: Any) -> tuple[str, dict[str, Any]]:
    with _client(server, key) as client:
        thread_id = client.post("/threads", json={}).json()["thread_id"]
        response = client.post(
            f"/threads/{thread_id}/runs/wait",
            json={
                "assistant_id": "support",
                "input": {"messages": [{"role": "user", "content": text}]},
                **body,
            },
        )
        assert response.status_code == 200, response.text
        return thread_id, response.json()


def _refusals(server: LangGraphServer) -> list[tuple[str, str | None, str]]:
    with sqlite3.connect(server.data_dir / "audit.sqlite") as conn:
        rows = conn.execute("SELECT actor, thread_id, detail FROM audit_log WHERE action = 'access.refused'")
        return [(str(r[0]), r[1], str(r[2])) for r in rows.fetchall()]


def test_a_key_bound_to_one_customer_cannot_read_anothers_contact(
    server: LangGraphServer, keys: Keys
) -> None:
    # the client also claims to be an admin acting for everyone: the server's identity wins
    claim = {"configurable": {"crewline_principal": {"user": "x", "roles": ["admin"], "customers": ["*"]}}}
    thread_id, values = _ask(server, keys.alice, CONTACT_C1003, config=claim)
    answer = str(values.get("answer", ""))
    assert "Access refused" in answer, answer
    everything = str(values)
    assert not [v for v in C1003_VALUES if v in everything], everything
    refusals = [r for r in _refusals(server) if r[1] == thread_id]
    assert refusals and refusals[0][0] == f"alice-{keys.tag}" and "C-1003" in refusals[0][2]
    # her own customer still answers
    _, own = _ask(server, keys.alice, "What email and phone do you have for customer C-1001?")
    assert "Access refused" not in str(own.get("answer")) and "C-1001" in str(own.get("answer"))


def test_a_jwt_customers_claim_binds_the_same_way(server: LangGraphServer, keys: Keys) -> None:
    claims = {"sub": f"jay-{keys.tag}", "tenant": "acme", "roles": ["user"], "customers": ["C-1001"]}
    token = jwt.encode({**claims, "exp": int(time.time()) + 600}, JWT_SECRET, algorithm="HS256")
    _, values = _ask(server, token, CONTACT_C1003)
    assert "Access refused" in str(values.get("answer")) and "carmen" not in str(values).lower()


def _refund(server: LangGraphServer, key: str, order_id: str) -> dict[str, Any]:
    with _client(server, key) as client:
        thread_id = client.post("/threads", json={}).json()["thread_id"]
        response = client.post(
            f"/threads/{thread_id}/runs/wait",
            json={"assistant_id": "refund", "input": {"input": {"order_id": order_id}}},
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


def test_refunding_another_customers_order_is_refused_and_a_staff_key_succeeds(
    server: LangGraphServer, keys: Keys
) -> None:
    erp = open_demo_erp(server.data_dir)
    before = erp.get_order("O-1001").refunded  # C-1001's order, $45: under the approval limit
    refused = _refund(server, keys.bob, "O-1001")
    assert refused.get("status") != "completed" and "Access refused" in str(refused.get("summary")), refused
    assert erp.get_order("O-1001").refunded == before  # no money moved
    assert any(actor == f"bob-{keys.tag}" and '"refund"' in detail for actor, _, detail in _refusals(server))
    done = _refund(server, keys.sam, "O-1001")
    assert done.get("status") == "completed", done
    assert erp.get_order("O-1001").refunded > before == Decimal("0.00")
    # staff read across customers too
    _, values = _ask(server, keys.sam, CONTACT_C1003)
    assert "Access refused" not in str(values.get("answer"))
