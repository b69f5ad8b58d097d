"""Tickets and the approved-action ledger on every backend (SQLite file, PostgreSQL): what one
process creates another decides, exactly once; a claimed action is claimed once however many
processes or threads race for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crewline.memory.state.tickets import Ticket, TicketDecided, TicketStore, default_ticket_store
from tests.support.state_backends import BACKENDS, backend_url, in_other_process
from tests.support.threads import run_together


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request, tmp_path, "tickets.sqlite")


def _open(store: TicketStore, key: str, thread_id: str = "thread-1") -> Ticket:
    return store.create(
        key=key, thread_id=thread_id, kind="approval", reason="refund over the limit", transcript="t"
    )


def test_a_ticket_opened_by_one_process_is_decided_by_another(url: str, tmp_path: Path) -> None:
    ticket = _open(TicketStore(url), "k-cross")
    decided = in_other_process(
        "from crewline.memory.state.tickets import default_ticket_store\n"
        "store = default_ticket_store()\n"
        f"t = store.resolve({ticket.ticket_id!r}, status='approved', decided_by='bob')\n"
        "result = [t.status, t.decided_by, len(store.list())]",
        {"CREWLINE_STATE_URL": url},
        tmp_path / "host-b",
    )
    assert decided == ["approved", "bob", 1]
    seen = TicketStore(url).get(ticket.ticket_id)
    assert seen is not None and (seen.status, seen.decided_by) == ("approved", "bob")


def test_racing_deciders_on_two_hosts_decide_once(url: str) -> None:
    host_a, host_b = TicketStore(url), TicketStore(url)
    ticket = _open(host_a, "k-race")
    wins: list[str] = []
    statuses = ("approved", "rejected") * 4

    def decide(i: int) -> None:
        store = (host_a, host_b)[i % 2]
        store.resolve(ticket.ticket_id, status=statuses[i], decided_by=f"approver-{i}")
        wins.append(statuses[i])

    errors = run_together(len(statuses), decide)
    final = host_b.get(ticket.ticket_id)
    assert final is not None and final.status in statuses
    assert set(wins) == {final.status}  # only the same decision again succeeds
    assert len(errors) == statuses.count("approved" if final.status == "rejected" else "rejected")
    assert all(isinstance(e, TicketDecided) for e in errors)


def test_concurrent_creates_of_one_key_open_one_ticket(url: str) -> None:
    stores = [TicketStore(url) for _ in range(2)]
    made: list[Ticket] = []
    errors = run_together(8, lambda i: made.append(_open(stores[i % 2], "k-once")))
    assert not errors
    assert len({t.ticket_id for t in made}) == 1
    assert len(stores[0].list()) == 1


def test_an_approved_action_is_claimed_once_across_hosts(url: str) -> None:
    stores = [TicketStore(url) for _ in range(2)]
    ticket = _open(stores[0], "k-action")
    firsts: list[bool] = []
    errors = run_together(
        8,
        lambda i: firsts.append(
            stores[i % 2].claim_action("act-1", ticket_id=ticket.ticket_id, tool="refund")[1]
        ),
    )
    assert not errors and firsts.count(True) == 1
    settled = stores[1].settle_action("act-1", status="applied", outcome="paid")
    again = stores[0].settle_action("act-1", status="failed", outcome="boom")
    assert (settled.status, again.status, again.outcome) == ("applied", "applied", "paid")
    record, first = stores[0].claim_action("act-1", ticket_id=ticket.ticket_id, tool="refund")
    assert not first and record.status == "applied" and record.attempts == 9
    assert [a.key for a in stores[1].actions(ticket.ticket_id)] == ["act-1"]


def test_retention_deletes_old_tickets_on_the_shared_store(url: str) -> None:
    store = TicketStore(url)
    _open(store, "old")
    assert store.delete_older_than(datetime.now(UTC) + timedelta(seconds=1), dry_run=True) == 1
    assert store.delete_older_than(datetime.now(UTC) - timedelta(days=1)) == 0
    assert store.delete_older_than(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert store.list() == []


def test_the_state_url_moves_tickets_and_a_per_kind_url_overrides_it(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREWLINE_STATE_URL", url)
    shared = _open(default_ticket_store(), "k-shared")
    assert [t.ticket_id for t in TicketStore(url).list()] == [shared.ticket_id]
    own = f"sqlite:///{tmp_path / 'own' / 'tickets.sqlite'}"
    monkeypatch.setenv("CREWLINE_TICKETS_URL", own)
    store: Any = default_ticket_store()
    assert store.list() == [] and store.db.kind == "sqlite"
