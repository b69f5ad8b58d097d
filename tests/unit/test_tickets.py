"""crewline.memory.state.tickets: idempotent creation, one-way resolution, filters, and concurrent writers."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crewline.memory.state.tickets import STATUSES, Ticket, TicketStore, default_ticket_store
from tests.support.threads import run_together


@pytest.fixture
def store(tmp_path: Path) -> TicketStore:
    return TicketStore(tmp_path / "sub" / "tickets.sqlite")


def _create(store: TicketStore, key: str, **overrides: Any) -> Ticket:
    fields: dict[str, Any] = {
        "thread_id": "thread-1",
        "kind": "low_confidence",
        "reason": "confidence 0.31 < 0.6",
        "transcript": "user: refund my order\nassistant: (escalated)",
        "payload": {"confidence": 0.31, "subtasks": ["refund"]},
    }
    fields.update(overrides)
    return store.create(key=key, **fields)


def test_create_opens_a_ticket(store: TicketStore) -> None:
    ticket = _create(store, "k1", user_id="u-7", tenant_id="acme")
    assert re.fullmatch(r"T-[0-9a-f]{8}", ticket.ticket_id)
    assert ticket.status == "open" and ticket.is_open
    assert ticket.thread_id == "thread-1"
    assert ticket.kind == "low_confidence"
    assert ticket.payload == {"confidence": 0.31, "subtasks": ["refund"]}
    assert (ticket.user_id, ticket.tenant_id) == ("u-7", "acme")
    assert ticket.decided_by is None and ticket.decision_note is None
    assert ticket.created_at.tzinfo is not None
    assert ticket.created_at == ticket.updated_at
    assert store.get(ticket.ticket_id) == ticket


def test_create_is_idempotent_on_key(store: TicketStore) -> None:
    first = _create(store, "node:escalate:thread-1:0")
    again = _create(store, "node:escalate:thread-1:0", reason="a different reason", payload={"x": 1})
    assert again == first
    assert store.list() == [first]


def test_idempotent_create_returns_the_resolved_ticket_unchanged(store: TicketStore) -> None:
    first = _create(store, "k")
    resolved = store.resolve(first.ticket_id, status="approved", decided_by="ops")
    assert _create(store, "k") == resolved
    assert store.get_by_key("k") == resolved
    assert store.get_by_key("missing") is None


def test_distinct_keys_make_distinct_tickets(store: TicketStore) -> None:
    a, b = _create(store, "a"), _create(store, "b")
    assert a.ticket_id != b.ticket_id
    assert [t.ticket_id for t in store.list()] == [a.ticket_id, b.ticket_id]


def test_empty_key_is_refused(store: TicketStore) -> None:
    with pytest.raises(ValueError, match="idempotency key"):
        _create(store, "")


def test_payload_that_json_cannot_hold_is_stringified(store: TicketStore) -> None:
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    ticket = _create(store, "k", payload={"when": when, "nested": {"ok": [1, 2]}})
    assert ticket.payload == {"when": str(when), "nested": {"ok": [1, 2]}}


@pytest.mark.parametrize("status", ["approved", "rejected", "edited", "closed"])
def test_resolve_records_the_decision(store: TicketStore, status: str) -> None:
    ticket = _create(store, "k")
    resolved = store.resolve(ticket.ticket_id, status=status, decided_by="alice", note="looks right")
    assert resolved.status == status and not resolved.is_open
    assert (resolved.decided_by, resolved.decision_note) == ("alice", "looks right")
    assert resolved.updated_at >= ticket.updated_at
    assert resolved.created_at == ticket.created_at
    assert store.get(ticket.ticket_id) == resolved


def test_resolving_again_with_the_same_status_is_a_no_op(store: TicketStore) -> None:
    ticket = _create(store, "k")
    resolved = store.resolve(ticket.ticket_id, status="rejected", decided_by="alice", note="no")
    again = store.resolve(ticket.ticket_id, status="rejected", decided_by="bob", note="changed my mind")
    assert again == resolved


def test_resolving_again_with_another_status_is_refused(store: TicketStore) -> None:
    ticket = _create(store, "k")
    store.resolve(ticket.ticket_id, status="approved")
    with pytest.raises(ValueError, match="already approved"):
        store.resolve(ticket.ticket_id, status="rejected")
    got = store.get(ticket.ticket_id)
    assert got is not None and got.status == "approved"


def test_resolve_unknown_ticket_is_a_key_error(store: TicketStore) -> None:
    with pytest.raises(KeyError, match="T-00000000"):
        store.resolve("T-00000000", status="approved")


@pytest.mark.parametrize("status", ["open", "maybe", ""])
def test_resolve_with_an_invalid_status_is_refused(store: TicketStore, status: str) -> None:
    ticket = _create(store, "k")
    with pytest.raises(ValueError, match="cannot resolve"):
        store.resolve(ticket.ticket_id, status=status)


def test_get_unknown_is_none(store: TicketStore) -> None:
    assert store.get("T-deadbeef") is None


def test_list_filters(store: TicketStore) -> None:
    a = _create(store, "a", thread_id="t1", tenant_id="acme")
    b = _create(store, "b", thread_id="t1", tenant_id="globex")
    c = _create(store, "c", thread_id="t2", tenant_id="acme")
    b = store.resolve(b.ticket_id, status="edited")
    assert store.list() == [a, b, c]
    assert store.list(thread_id="t1") == [a, b]
    assert store.list(status="open") == [a, c]
    assert store.list("t1", "open") == [a]
    assert store.list(thread_id="t2", status="edited") == []
    assert store.list(tenant_id="acme") == [a, c]
    assert store.list(thread_id="nope") == []
    with pytest.raises(ValueError, match="unknown ticket status"):
        store.list(status="pending")


def test_statuses_are_the_documented_five() -> None:
    assert STATUSES == ("open", "approved", "rejected", "edited", "closed")


def test_tickets_survive_a_new_store_on_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "tickets.sqlite"
    ticket = _create(TicketStore(path), "k")
    assert TicketStore(path).get(ticket.ticket_id) == ticket


def test_default_store_lives_in_the_data_dir(crewline_data_dir: Path) -> None:
    store = default_ticket_store()
    assert store.path == crewline_data_dir / "tickets.sqlite"
    ticket = _create(store, "k")
    assert default_ticket_store().get(ticket.ticket_id) == ticket


def test_to_dict_is_json_serialisable(store: TicketStore) -> None:
    ticket = _create(store, "k")
    data = json.loads(json.dumps(ticket.to_dict()))
    assert data["ticket_id"] == ticket.ticket_id
    assert datetime.fromisoformat(data["created_at"]) == ticket.created_at


def test_concurrent_creates_with_one_key_make_one_ticket(tmp_path: Path) -> None:
    path = tmp_path / "tickets.sqlite"
    ids: list[str] = []

    def create(index: int) -> None:
        ids.append(_create(TicketStore(path), "same-key", reason=f"attempt {index}").ticket_id)

    assert run_together(12, create) == []
    assert len(set(ids)) == 1
    assert len(TicketStore(path).list()) == 1


def test_concurrent_creates_with_distinct_keys(tmp_path: Path) -> None:
    store = TicketStore(tmp_path / "tickets.sqlite")

    def create(index: int) -> None:
        for round_ in range(5):
            _create(store, f"k-{index}-{round_}", thread_id=f"t-{index}")

    assert run_together(8, create) == []
    tickets = store.list()
    assert len(tickets) == 40
    assert len({t.ticket_id for t in tickets}) == 40
    assert len(store.list(thread_id="t-3")) == 5


def test_concurrent_resolves_pick_one_winner(store: TicketStore) -> None:
    ticket = _create(store, "k")
    outcomes: list[str] = []

    def resolve(index: int) -> None:
        status = "approved" if index % 2 else "rejected"
        try:
            outcomes.append(store.resolve(ticket.ticket_id, status=status).status)
        except ValueError:
            outcomes.append("refused")

    assert run_together(8, resolve) == []
    final = store.get(ticket.ticket_id)
    assert final is not None and final.status in ("approved", "rejected")
    assert outcomes.count(final.status) == 4
    assert outcomes.count("refused") == 4
