"""crewline.memory.operations.retention and ``crewline retention``: what is past policy goes, everything else
stays."""

from __future__ import annotations

import json
import operator
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest
import redis
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointMetadata, empty_checkpoint
from langgraph.graph import START, StateGraph

from crewline.cli import main
from crewline.memory.checkpoint.checkpointers import checkpointer, thread_exists
from crewline.memory.operations.retention import RetentionError, apply_retention, checkpoint_time, parse_age
from crewline.memory.state.context import MemoryContextStore
from crewline.memory.state.tickets import TicketStore


class LogState(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def _run(saver: BaseCheckpointSaver[Any], thread_id: str, turns: int = 2) -> None:
    builder = StateGraph(LogState)
    builder.add_node("echo", lambda state: {"log": ["ok"]})
    builder.add_edge(START, "echo")
    graph = builder.compile(checkpointer=saver)
    for _ in range(turns):
        graph.invoke({"log": ["in"]}, {"configurable": {"thread_id": thread_id}})


def test_parse_age() -> None:
    assert parse_age("30d") == timedelta(days=30)
    assert parse_age("12h") == timedelta(hours=12)
    assert parse_age("1.5m") == timedelta(seconds=90)
    assert parse_age("2W") == timedelta(weeks=2)
    for bad in ["", "30", "3 days", "-1d", "0d", "d"]:
        with pytest.raises(RetentionError, match="not an age"):
            parse_age(bad)


def test_checkpoint_ids_tell_their_time() -> None:
    from langgraph.checkpoint.base.id import uuid6

    written = checkpoint_time(str(uuid6(clock_seq=3)))
    assert written is not None and abs((datetime.now(UTC) - written).total_seconds()) < 5
    assert checkpoint_time(str(uuid.uuid4())) is None
    assert checkpoint_time("not-a-uuid") is None


@pytest.fixture(params=["memory", "sqlite", "postgres", "redis"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "memory":
        yield "memory://"
    elif request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'retention.db'}"
    elif request.param == "postgres":
        yield request.getfixturevalue("fresh_postgres_url")
    else:
        base = request.getfixturevalue("redis_url")
        prefix = f"crewline-test:ret:{uuid.uuid4().hex}"
        yield f"{base}?prefix={prefix}"
        client = redis.Redis.from_url(base)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


def test_old_threads_context_and_tickets_go_new_ones_stay(url: str, tmp_path: Path) -> None:
    tickets = TicketStore(tmp_path / "tickets.sqlite")
    context = MemoryContextStore()
    with checkpointer(url) as saver:
        _run(saver, "old-a", turns=2)
        _run(saver, "old-b", turns=1)
        old_ticket = tickets.create(
            key="k-old", thread_id="old-a", kind="approval", reason="r", transcript="t"
        )
        tickets.claim_action("k-old:freeze_card:0", ticket_id=old_ticket.ticket_id, tool="freeze_card")
        tickets.settle_action("k-old:freeze_card:0", status="applied", outcome="frozen C-1001")
        context.touch("u", "old-a")
        time.sleep(0.05)
        middle = datetime.now(UTC)
        time.sleep(0.05)
        _run(saver, "new", turns=1)
        new_ticket = tickets.create(key="k-new", thread_id="new", kind="approval", reason="r", transcript="t")
        tickets.claim_action("k-new:freeze_card:0", ticket_id=new_ticket.ticket_id, tool="freeze_card")
        context.touch("u", "new")

        policy = timedelta(days=30)
        dry = apply_retention(
            saver, policy, dry_run=True, context=context, tickets=tickets, now=middle + policy
        )
        assert (dry.threads, dry.checkpoints, dry.contexts, dry.tickets) == (2, 9, 1, 1)
        assert thread_exists(saver, "old-a") and len(tickets.list()) == 2  # a dry run deletes nothing

        done = apply_retention(saver, policy, context=context, tickets=tickets, now=middle + policy)
        assert done.to_dict() == {**dry.to_dict(), "dry_run": False}
        assert not thread_exists(saver, "old-a") and not thread_exists(saver, "old-b")
        assert list(saver.list({"configurable": {"thread_id": "old-a"}})) == []
        assert thread_exists(saver, "new")
        assert [t.thread_id for t in tickets.list()] == ["new"]
        assert [a.ticket_id for a in tickets.actions()] == [
            new_ticket.ticket_id
        ]  # the old ledger row went too
        assert context.get("u", "old-a") is None and context.get("u", "new") is not None

        again = apply_retention(saver, policy, context=context, tickets=tickets, now=middle + policy)
        assert (again.threads, again.checkpoints, again.contexts, again.tickets) == (0, 0, 0, 0)


def _checkpoint_id_at(when: datetime, sequence: int) -> str:
    """A LangGraph-style (UUIDv6) checkpoint id stamped ``when``: a thread written days ago."""
    ticks = int(when.timestamp() * 10_000_000) + 0x01B21DD213814000  # 100 ns since 1582-10-15
    high = ((ticks >> 12) << 16) | 0x6000 | (ticks & 0x0FFF)
    return str(uuid.UUID(int=(high << 64) | (0x8000 << 48) | sequence))


def _write_old_thread(saver: BaseCheckpointSaver[Any], thread_id: str, days: int, count: int) -> None:
    config: RunnableConfig = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
    for step in range(count):
        checkpoint = empty_checkpoint()
        checkpoint["id"] = _checkpoint_id_at(datetime.now(UTC) - timedelta(days=days, seconds=-step), step)
        metadata: CheckpointMetadata = {"source": "loop", "step": step, "parents": {}}
        config = saver.put(config, checkpoint, metadata, {})


def test_cli_retention_reports_and_deletes(tmp_path: Path, crewline_data_dir: Path, capsys: Any) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with checkpointer(url) as saver:
        _write_old_thread(saver, "old", days=3, count=3)
        _run(saver, "new", turns=1)
        latest = saver.get_tuple({"configurable": {"thread_id": "old"}})
        assert latest is not None
        written = checkpoint_time(str(latest.config["configurable"]["checkpoint_id"]))
        assert written is not None and written < datetime.now(UTC) - timedelta(days=2)

    assert main(["retention", "--older-than", "2d", "--dry-run", "--url", url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["dry_run"], report["threads"], report["checkpoints"]) == (True, 1, 3)

    assert main(["retention", "--older-than", "2d", "--url", url]) == 0
    assert capsys.readouterr().out.startswith("deleted 1 thread(s) with 3 checkpoint(s), 0 context(s)")
    with checkpointer(url) as saver:
        assert not thread_exists(saver, "old") and thread_exists(saver, "new")


def test_cli_rejects_a_bad_age(capsys: Any) -> None:
    assert main(["retention", "--older-than", "a month"]) == 2
    assert capsys.readouterr().err.strip() == (
        "crewline: error: not an age: 'a month'; use a number and a unit, e.g. 30d, 12h, 90m, 2w"
    )
