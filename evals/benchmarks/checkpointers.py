"""Checkpointer throughput, side by side in one run: put/s, get/s, list/s and graph runs/s.

Savers: crewline's Redis saver (``redis://``, with and without a sliding TTL, and with
``CREWLINE_AES_KEY``), ``langgraph-checkpoint-plainredis`` (the other saver for plain Redis), and
the official SQLite and PostgreSQL savers (through ``memory.checkpointer``, which opens them as
they are), plus the in-process saver for reference. Every saver gets the same work:

* **put/s** — ``CHECKPOINTS`` sequential ``put`` calls on a fresh thread; each checkpoint changes a
  ~1 KB ``messages`` channel and a counter, and keeps a ``profile`` channel written once;
* **get/s** — ``get_tuple`` of the latest checkpoint of that thread;
* **list/s** — full listings of that thread (``CHECKPOINTS`` checkpoints each), and checkpoints/s;
* **runs/s** — a three-node graph invoked on fresh threads (each run: a read, five checkpoints,
  pending writes).

Needs ``pip install langgraph-checkpoint-plainredis`` for the plainredis column (skipped with a
note otherwise). PostgreSQL work happens in a scratch schema that is dropped afterwards; Redis keys
live under a scratch prefix that is deleted afterwards.

    python -m crewline.evals.benchmarks.checkpointers [--redis URL] [--postgres URL] [--checkpoints 200]
    [--json]
"""

from __future__ import annotations

import argparse
import json
import operator
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from langgraph.checkpoint.base import BaseCheckpointSaver, empty_checkpoint
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict  # not typing's: pydantic (Studio's schemas) rejects it before 3.12

from crewline.memory.checkpoint.checkpointers import checkpointer

__all__ = ["Figures", "bench_saver", "main"]

AES_KEY = "crewline-benchmark-key-32-bytes!"


@dataclass
class Figures:
    saver: str
    put_per_s: float
    get_per_s: float
    list_per_s: float
    listed_checkpoints_per_s: float
    runs_per_s: float


class RunState(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    count: int


def _graph(saver: BaseCheckpointSaver[Any]) -> Any:
    builder = StateGraph(RunState)
    for name in ("plan", "work", "answer"):
        builder.add_node(name, lambda state, name=name: {"log": [name], "count": state.get("count", 0) + 1})
    builder.add_edge(START, "plan")
    builder.add_edge("plan", "work")
    builder.add_edge("work", "answer")
    builder.add_edge("answer", END)
    return builder.compile(checkpointer=saver)


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else float("inf")


def bench_saver(name: str, saver: BaseCheckpointSaver[Any], checkpoints: int, runs: int) -> Figures:
    """Measure one saver; every thread id is fresh, so savers may share a database."""
    thread = f"bench-{uuid.uuid4().hex}"
    config: Any = {"configurable": {"thread_id": thread, "checkpoint_ns": ""}}
    message = "x" * 1000
    versions: dict[str, Any] = {}
    started = time.perf_counter()
    for step in range(checkpoints):
        checkpoint = empty_checkpoint()
        values = {"messages": [f"{message}{step}"], "count": step, "profile": {"tier": "gold"}}
        changed = ["messages", "count"] + (["profile"] if step == 0 else [])
        for channel in changed:
            versions[channel] = saver.get_next_version(versions.get(channel), None)
        checkpoint["channel_values"] = values
        checkpoint["channel_versions"] = dict(versions)
        config = saver.put(
            config, checkpoint, {"source": "loop", "step": step}, {c: versions[c] for c in changed}
        )
    put_s = time.perf_counter() - started

    latest: Any = {"configurable": {"thread_id": thread, "checkpoint_ns": ""}}
    gets = checkpoints
    started = time.perf_counter()
    for _ in range(gets):
        assert saver.get_tuple(latest) is not None
    get_s = time.perf_counter() - started

    lists = 5
    started = time.perf_counter()
    for _ in range(lists):
        listed = sum(1 for _ in saver.list(latest))
        assert listed == checkpoints, (name, listed)
    list_s = time.perf_counter() - started

    graph = _graph(saver)
    started = time.perf_counter()
    for _ in range(runs):
        graph.invoke({"log": ["in"]}, {"configurable": {"thread_id": f"bench-run-{uuid.uuid4().hex}"}})
    runs_s = time.perf_counter() - started
    return Figures(
        name,
        _rate(checkpoints, put_s),
        _rate(gets, get_s),
        _rate(lists, list_s),
        _rate(lists * checkpoints, list_s),
        _rate(runs, runs_s),
    )


@contextmanager
def _postgres_schema(url: str) -> Iterator[str]:
    import psycopg
    from psycopg import sql

    schema = f"crewline_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    base, _, query = url.partition("?")
    options = urlencode({"options": f"-csearch_path={schema}"}, quote_via=quote)
    try:
        yield f"{base}?{query + '&' if query else ''}{options}"
    finally:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _drop_prefix(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
    finally:
        client.close()


@contextmanager
def _aes_key() -> Iterator[None]:
    previous = os.environ.get("CREWLINE_AES_KEY")
    os.environ["CREWLINE_AES_KEY"] = AES_KEY
    try:
        yield
    finally:
        if previous is None:
            del os.environ["CREWLINE_AES_KEY"]
        else:
            os.environ["CREWLINE_AES_KEY"] = previous


def _plainredis(redis_url: str, prefix: str) -> Callable[[], Any]:
    @contextmanager
    def opened() -> Iterator[BaseCheckpointSaver[Any]]:
        import redis
        from langgraph_checkpoint_plainredis import RedisSaver as PlainRedisSaver

        client = redis.Redis.from_url(redis_url)
        try:
            yield PlainRedisSaver(client, prefix=prefix)
        finally:
            client.close()

    return opened


def run(redis_url: str, postgres_url: str, checkpoints: int, runs: int) -> tuple[list[Figures], list[str]]:
    """Every saver, one after the other, in this process; notes say what was skipped and why."""
    prefix = f"crewline-bench:{uuid.uuid4().hex}"
    sep = "&" if "?" in redis_url else "?"
    notes: list[str] = []
    figures: list[Figures] = []
    with ExitStack() as cleanup, tempfile.TemporaryDirectory() as tmp:
        cleanup.callback(_drop_prefix, redis_url, prefix)
        pg = cleanup.enter_context(_postgres_schema(postgres_url))
        savers: list[tuple[str, Callable[[], Any], bool]] = [
            ("crewline redis", lambda: checkpointer(f"{redis_url}{sep}prefix={prefix}:a"), False),
            (
                "crewline redis ttl",
                lambda: checkpointer(f"{redis_url}{sep}prefix={prefix}:b&ttl=3600"),
                False,
            ),
            ("crewline redis aes", lambda: checkpointer(f"{redis_url}{sep}prefix={prefix}:c"), True),
            ("plainredis", _plainredis(redis_url, f"{prefix}:p"), False),
            ("sqlite (official)", lambda: checkpointer(f"sqlite:///{tmp}/bench.db"), False),
            ("postgres (official)", lambda: checkpointer(pg), False),
            ("memory", lambda: checkpointer("memory://"), False),
        ]
        for name, opener, encrypted in savers:
            try:
                with ExitStack() as stack:
                    if encrypted:
                        stack.enter_context(_aes_key())
                    saver = stack.enter_context(opener())
                    figures.append(bench_saver(name, saver, checkpoints, runs))
            except ImportError as exc:
                notes.append(f"{name}: skipped ({exc}; pip install langgraph-checkpoint-plainredis)")
    return figures, notes


def _ratios(figures: list[Figures]) -> dict[str, float]:
    by_name = {f.saver: f for f in figures}
    ours, theirs = by_name.get("crewline redis"), by_name.get("plainredis")
    if not ours or not theirs:
        return {}
    return {
        "put_vs_plainredis": round(ours.put_per_s / theirs.put_per_s, 2),
        "get_vs_plainredis": round(ours.get_per_s / theirs.get_per_s, 2),
        "list_vs_plainredis": round(ours.list_per_s / theirs.list_per_s, 2),
        "runs_vs_plainredis": round(ours.runs_per_s / theirs.runs_per_s, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--redis", default=os.environ.get("CREWLINE_TEST_REDIS", "redis://127.0.0.1:6379/0"))
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CREWLINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--checkpoints", type=int, default=200, help="checkpoints in the listed thread")
    parser.add_argument("--runs", type=int, default=50, help="graph runs per saver")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    figures, notes = run(args.redis, args.postgres, args.checkpoints, args.runs)
    if args.json:
        print(
            json.dumps(
                {
                    "checkpoints": args.checkpoints,
                    "load_1m": load,
                    "savers": [asdict(f) for f in figures],
                    "ratios": _ratios(figures),
                    "notes": notes,
                }
            )
        )
        return 0
    cores = os.cpu_count()
    print(
        f"thread of {args.checkpoints} checkpoints, {args.runs} graph runs, load {load:.2f} on {cores} cores"
    )
    print(f"{'saver':<22}{'put/s':>10}{'get/s':>10}{'list/s':>10}{'listed cp/s':>13}{'runs/s':>10}")
    for f in figures:
        print(
            f"{f.saver:<22}{f.put_per_s:>10}{f.get_per_s:>10}{f.list_per_s:>10}"
            f"{f.listed_checkpoints_per_s:>13}{f.runs_per_s:>10}"
        )
    for key, value in _ratios(figures).items():
        print(f"{key}: {value}x")
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
