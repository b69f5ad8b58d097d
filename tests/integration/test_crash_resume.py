"""A process running a graph is SIGKILLed at a random step; another process resumes and finishes.

For each saver (SQLite, Postgres, Redis) at least ``KILLS`` runs are killed at a random node and a
random moment inside or just after it (mid-node, mid-checkpoint, mid-pending-write). The test
process, a different process from every killed one, then resumes each thread and checks that every
node's result is in the final state exactly once (nothing lost, nothing doubled), that every step
the killed process had finished (it went on to a later step) was persisted, and that no node whose
result was persisted (in a checkpoint or as a pending write) runs again: only the step in flight
at the kill is repeated.

Children come from a ``forkserver`` that has the graph module preloaded, so a kill costs a fork
and a connection, not an interpreter start.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import random
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from crewline.memory.checkpoint.checkpointers import checkpointer
from tests.integration import crash_graph

KILLS = 20
MAX_ATTEMPTS = 3 * KILLS
WAIT_S = 30.0

_ctx = multiprocessing.get_context("forkserver")
# Preload everything a child needs, so a child costs a fork and a connection, not imports
# ("__main__" too: otherwise every child re-imports the main script, pytest's, on start).
_ctx.set_forkserver_preload(
    [
        "__main__",
        "tests.integration.crash_graph",
        "crewline.memory.checkpoint.redis_saver",
        "psycopg",
        "psycopg_pool",
        "langgraph.checkpoint.postgres",
    ]
)


@dataclass
class Killed:
    thread_id: str
    started: list[str] = field(default_factory=list)  # nodes the killed process started


def _kill_one(url: str, rng: random.Random) -> Killed | None:
    """Run one child, kill it after a random node starts; ``None`` if it finished first."""
    thread_id = f"crash-{uuid.uuid4().hex}"
    target = rng.choice(crash_graph.NODES)
    delay = rng.uniform(0, crash_graph.STEP_S * 1.5)
    parent, child = _ctx.Pipe(duplex=False)
    process = _ctx.Process(target=crash_graph.run_child, args=(url, thread_id, child), daemon=True)
    process.start()
    child.close()
    killed = Killed(thread_id)
    deadline = time.monotonic() + WAIT_S
    try:
        while time.monotonic() < deadline:
            if not parent.poll(0.5):
                continue
            kind, name = parent.recv()
            if kind == "finished":
                return None
            if kind == "start":
                killed.started.append(name)
                if name == target:
                    time.sleep(delay)
                    # a forkserver child is reaped by the forkserver, not by us: one that finished
                    # during the delay is gone, and its exit code (0) below says it was no victim
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(process.pid or 0, signal.SIGKILL)
                    break
        else:
            pytest.fail(f"child for {url.partition('://')[0]} never reached {target}")
    except EOFError:
        return None  # the child exited (finished) before the target's start was read
    finally:
        process.join(WAIT_S)
        parent.close()
    if process.exitcode == 0:
        return None  # the child finished its last step before the kill landed: not a victim
    assert process.exitcode == -signal.SIGKILL, process.exitcode
    return killed


def _persisted(graph: Any, thread_id: str) -> set[str]:
    """Nodes whose result is already stored: in the state, or as a pending write."""
    snapshot = graph.get_state(crash_graph.config(thread_id))
    done = set(snapshot.values.get("done", []))
    return done | {task.name for task in snapshot.tasks if task.result is not None}


def _crash_and_resume(url: str, seed: int) -> None:
    rng = random.Random(seed)
    victims: list[Killed] = []
    for _ in range(MAX_ATTEMPTS):
        killed = _kill_one(url, rng)
        if killed is not None:
            victims.append(killed)
        if len(victims) == KILLS:
            break
    assert len(victims) == KILLS, f"only {len(victims)} kills landed in {MAX_ATTEMPTS} attempts"

    lost: dict[str, Any] = {}
    doubled: dict[str, Any] = {}
    with checkpointer(url) as saver:
        for victim in victims:
            reran: list[str] = []
            graph = crash_graph.build(saver, reran.append)
            config = crash_graph.config(victim.thread_id)
            persisted = _persisted(graph, victim.thread_id)
            has_checkpoint = graph.get_state(config).config.get("configurable", {}).get("checkpoint_id")
            final = graph.invoke(
                None if has_checkpoint else {"done": []},  # type: ignore[arg-type]
                config,
                durability=crash_graph.DURABILITY,  # type: ignore[arg-type]
            )
            counts = Counter(final["done"])
            if set(counts) != set(crash_graph.NODES):
                lost[victim.thread_id] = sorted(set(crash_graph.NODES) - set(counts))
            twice = {name for name, n in counts.items() if n > 1} | (persisted & set(reran))
            if twice:
                doubled[victim.thread_id] = {"nodes": sorted(twice), "killed_after": victim.started}
            assert set(victim.started) <= persisted | set(reran), "a started node vanished"
            in_flight = max(crash_graph.SUPERSTEP[name] for name in victim.started) if victim.started else 0
            finished = {name for name in victim.started if crash_graph.SUPERSTEP[name] < in_flight}
            if finished - persisted:
                lost[victim.thread_id] = {"finished_not_persisted": sorted(finished - persisted)}
    assert lost == {}, f"lost steps: {lost}"
    assert doubled == {}, f"steps completed twice: {doubled}"


def test_sqlite_survives_sigkill(tmp_path: Path) -> None:
    _crash_and_resume(f"sqlite:///{tmp_path / 'crash.db'}", seed=1)


def test_postgres_survives_sigkill(postgres_url: str) -> None:
    _crash_and_resume(postgres_url, seed=2)


def test_redis_survives_sigkill(redis_prefix_url: str) -> None:
    _crash_and_resume(redis_prefix_url, seed=3)
