"""A copied thread's line back to the thread it came from (:mod:`crewline.graphs.serving.lineage`) and
the decision rule's refusal of an escalation another thread opened: the facts the auth handler reads.
The server-level behaviour is in ``tests/integration/test_server_thread_copy.py``."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from langgraph.checkpoint.base.id import uuid6

from crewline.graphs.serving.decision_rule import decision_refusal
from crewline.graphs.serving.lineage import (
    LINEAGE_KEY,
    MAX_HOPS,
    Hop,
    checkpoint_time,
    copied_metadata,
    inherited,
    line_tickets,
    lineage,
)
from crewline.memory.state.tickets import Ticket, TicketStore

APPROVER = ("escalations:approve", "tenant:read")


def test_a_checkpoint_ids_time_is_read_from_langgraphs_uuid6() -> None:
    before = datetime.now(UTC)
    written = checkpoint_time(str(uuid6(clock_seq=3)))
    assert written is not None and before - timedelta(milliseconds=1) <= written <= datetime.now(UTC)
    assert checkpoint_time("not-a-uuid") is None
    assert checkpoint_time("5f0b6c1e-2a4b-4c6d-8e0f-123456789abc") is None  # a v4 id carries no time


def test_a_checkpoint_older_than_the_copy_is_inherited_and_an_unreadable_one_counts_as_inherited() -> None:
    old = str(uuid6())
    time.sleep(0.002)
    hops = [Hop("original", datetime.now(UTC))]
    time.sleep(0.002)
    new = str(uuid6())
    assert inherited(old, hops) and not inherited(new, hops)
    assert inherited("not-a-uuid", hops)
    assert not inherited(old, [])  # a thread that is no copy inherits nothing


def test_a_copy_of_a_copy_keeps_the_whole_line() -> None:
    first = datetime(2026, 1, 1, tzinfo=UTC)
    metadata = {"owner": "u", LINEAGE_KEY: copied_metadata({}, "a", first)}
    second = copied_metadata(metadata, "b", first + timedelta(hours=1))
    assert lineage({LINEAGE_KEY: second}) == [Hop("a", first), Hop("b", first + timedelta(hours=1))]


def test_a_malformed_line_reads_as_none() -> None:
    assert lineage(None) == [] and lineage({}) == []
    assert lineage({LINEAGE_KEY: [{"thread_id": "a", "at": "yesterday"}, "x", {"at": "2026-01-01"}]}) == []


def test_a_copy_inherits_the_tickets_opened_before_it_was_made(tmp_path: Path) -> None:
    store = TicketStore(tmp_path / "tickets.sqlite")

    def ticket(thread: str, turn: int) -> Ticket:
        return store.create(
            key=f"{thread}:{turn}", thread_id=thread, kind="approval", reason="r", transcript=""
        )

    opened = ticket("original", 1)
    time.sleep(0.002)
    hops = [Hop("original", datetime.now(UTC))]
    time.sleep(0.002)
    ticket("original", 2)  # the original went on after the copy: not the copy's
    own = ticket("copy", 2)
    found = line_tickets(store, "copy", hops)
    assert [t.ticket_id for t in found] == [opened.ticket_id, own.ticket_id]


def test_a_decision_on_a_copy_of_the_thread_that_opened_the_escalation_is_refused() -> None:
    ticket = Ticket("T-1", "original", "approval", "freeze", "open", "", tenant_id="acme")

    def rule(thread_id: str | None) -> object:
        return decision_refusal(
            permissions=APPROVER,
            tenant_id="acme",
            thread_tenant="acme",
            decision="approve",
            latest=ticket,
            thread_id=thread_id,
        )

    refused = rule("copy")
    assert refused is not None and getattr(refused, "status", None) == 409
    assert "opened on thread original" in str(getattr(refused, "detail", ""))
    assert rule("original") is None and rule(None) is None  # the console decides on the ticket's thread


def test_a_line_that_is_no_list_is_no_line_and_a_long_one_is_cut_to_its_latest_hops() -> None:
    for forged in (5, "T-1", {"thread_id": "T-1"}, None):
        assert lineage({LINEAGE_KEY: forged}) == []
    at = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    long_line = [{"thread_id": f"T-{i}", "at": at} for i in range(10 * MAX_HOPS)]
    hops = lineage({LINEAGE_KEY: long_line})
    assert len(hops) == MAX_HOPS and hops[-1].thread_id == f"T-{10 * MAX_HOPS - 1}"
