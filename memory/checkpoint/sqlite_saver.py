"""SQLite savers with the lifecycle operations the LangGraph server asks a custom checkpointer for.

``langgraph-checkpoint-sqlite`` stops at ``delete_thread``; the server also calls
``adelete_for_runs`` (``multitask_strategy='rollback'`` drops a cancelled run's checkpoints),
``aprune`` (thread history pruning) and ``acopy_thread``, and warns at start-up when a saver lacks
them. These subclasses add them as SQL on the official ``checkpoints`` and ``writes`` tables.

Each operation is written once, as a generator of statements (:data:`Statements`) that the sync
saver runs on a ``sqlite3`` cursor and the async one on an ``aiosqlite`` cursor, inside one
``BEGIN IMMEDIATE`` transaction per thread: the write lock is taken before the rows to keep are read.

``run_id`` and the DeltaChannel markers are read from the metadata column, which stays plaintext
JSON with ``CREWLINE_AES_KEY`` set; an expression index on ``run_id`` keeps a rollback from scanning
the whole table.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Coroutine, Generator, Sequence
from typing import Any, TypeVar

import aiosqlite
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from crewline.memory.checkpoint.saver_lifecycle import check_prune_strategy, unique_ids

__all__ = [
    "AsyncLifecycleSqliteSaver",
    "LifecycleSqliteSaver",
    "Statements",
]

_T = TypeVar("_T")

_CHUNK = 500  # ids per statement, far below SQLite's variable limit

_META = "CAST(metadata AS TEXT)"
_RUN_ID = f"json_extract({_META}, '$.run_id')"
CREATE_RUN_ID_INDEX = f"CREATE INDEX IF NOT EXISTS checkpoints_run_id_idx ON checkpoints({_RUN_ID})"

# A DeltaChannel leaves update counters in the metadata of every checkpoint that is not a full
# snapshot of it (LangGraph.js marks its threads with delta_writes_versioned instead).
_DELTA_THREADS_SQL = f"""
SELECT DISTINCT thread_id FROM checkpoints
WHERE thread_id IN ({{marks}}) AND (
    json_type({_META}, '$.counters_since_delta_snapshot') IS NOT NULL
    OR json_type({_META}, '$.delta_writes_versioned') IS NOT NULL
)"""

# Per namespace: the latest checkpoint, the root checkpoint a subgraph call started from, and
# whether that root is saved.
_HEADS_SQL = """
SELECT c.checkpoint_ns, c.checkpoint_id,
       json_extract(CAST(c.metadata AS TEXT), '$.parents.""') AS root,
       EXISTS (
           SELECT 1 FROM checkpoints r
           WHERE r.thread_id = c.thread_id AND r.checkpoint_ns = ''
           AND r.checkpoint_id = json_extract(CAST(c.metadata AS TEXT), '$.parents.""')
       ) AS root_saved
FROM checkpoints c
JOIN (
    SELECT checkpoint_ns, MAX(checkpoint_id) AS head FROM checkpoints
    WHERE thread_id = ? GROUP BY checkpoint_ns
) h ON c.checkpoint_ns = h.checkpoint_ns AND c.checkpoint_id = h.head
WHERE c.thread_id = ?"""

_WRITE_COLUMNS = "checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, value"

# One statement and its parameters; the rows it returned are sent back into the generator.
Statements = Generator[tuple[str, Sequence[Any]], list[Any], None]


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _chunks(ids: Sequence[str]) -> Generator[list[str], None, None]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def delete_for_runs_statements(run_ids: Sequence[str]) -> Statements:
    """Every checkpoint whose metadata ``run_id`` is listed, with the writes that belong to it."""
    ids = unique_ids(run_ids, "run_ids")
    if not ids:
        return
    yield "BEGIN IMMEDIATE", ()
    for chunk in _chunks(ids):
        marks = _marks(len(chunk))
        yield (
            f"DELETE FROM writes WHERE (thread_id, checkpoint_ns, checkpoint_id) IN ("
            f"SELECT thread_id, checkpoint_ns, checkpoint_id FROM checkpoints WHERE {_RUN_ID} IN ({marks}))",
            chunk,
        )
        yield f"DELETE FROM checkpoints WHERE {_RUN_ID} IN ({marks})", chunk
    yield "COMMIT", ()


def copy_thread_statements(source: str, target: str, *, has_task_path: bool = True) -> Statements:
    """Copy a thread's checkpoints (all namespaces, whole parent chains) and writes into another."""
    source, target = str(source), str(target)
    columns = _WRITE_COLUMNS if has_task_path else _WRITE_COLUMNS.replace(" task_path,", "")
    yield "BEGIN IMMEDIATE", ()
    yield (
        "INSERT OR REPLACE INTO checkpoints "
        "(thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata) "
        "SELECT ?, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, "
        f"CASE WHEN json_type({_META}, '$.thread_id') IS NOT NULL "
        f"THEN json_set({_META}, '$.thread_id', ?) ELSE metadata END "
        "FROM checkpoints WHERE thread_id = ?",
        (target, target, source),
    )
    yield (
        f"INSERT OR REPLACE INTO writes (thread_id, {columns}) "
        f"SELECT ?, {columns} FROM writes WHERE thread_id = ?",
        (target, source),
    )
    yield "COMMIT", ()


def _refuse_delta_threads(thread_ids: list[str]) -> Statements:
    delta: set[str] = set()
    for chunk in _chunks(thread_ids):
        rows = yield _DELTA_THREADS_SQL.format(marks=_marks(len(chunk))), chunk
        delta.update(str(row[0]) for row in rows)
    if delta:
        raise NotImplementedError(
            f"keep_latest can't prune threads that use a DeltaChannel: {', '.join(sorted(delta))}"
        )


def _keep_latest(thread_id: str) -> Statements:
    """Keep each namespace's latest checkpoint and its writes; drop finished subgraph calls.

    As in ``langgraph-checkpoint-postgres``: a subgraph call's namespace (a task id after ":")
    goes with the root checkpoint it started from once that root is saved and not kept; a
    ``checkpointer=True`` subgraph's namespace (no ":") keeps its latest checkpoint. A kept
    checkpoint whose parent is deleted is left with no parent.
    """
    yield "BEGIN IMMEDIATE", ()
    heads = yield _HEADS_SQL, (thread_id, thread_id)
    # Catches a thread that started using a DeltaChannel after the batch check.
    yield from _refuse_delta_threads([thread_id])
    kept = {str(ns): str(head) for ns, head, _, _ in heads}
    calls = [
        str(ns)
        for ns, _, root, root_saved in heads
        if ":" in str(ns) and root_saved and root is not None and root != kept.get("")
    ]
    for chunk in _chunks(calls):
        marks = _marks(len(chunk))
        yield f"DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns IN ({marks})", (thread_id, *chunk)
        yield (
            f"DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns IN ({marks})",
            (thread_id, *chunk),
        )
    for ns, head in kept.items():
        if ns in calls:
            continue
        # Writes go by the checkpoints deleted: a run may save a newer checkpoint's writes first.
        yield (
            "DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id IN ("
            "SELECT checkpoint_id FROM checkpoints "
            "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id <> ?)",
            (thread_id, ns, thread_id, ns, head),
        )
        yield (
            "DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id <> ?",
            (thread_id, ns, head),
        )
        yield (
            "UPDATE checkpoints SET parent_checkpoint_id = NULL "
            "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
            (thread_id, ns, head),
        )
    yield "COMMIT", ()


def prune_statements(thread_ids: Sequence[str], strategy: str) -> Statements:
    """``keep_latest``: see :func:`_keep_latest`, one transaction per thread; refuses (raising
    ``NotImplementedError``, nothing pruned) if any thread uses a DeltaChannel, whose latest value
    is rebuilt from older checkpoints. ``delete``/``delete_all``: every row of the threads."""
    check_prune_strategy(strategy)
    ids = unique_ids(thread_ids, "thread_ids")
    if not ids:
        return
    if strategy != "keep_latest":
        yield "BEGIN IMMEDIATE", ()
        for chunk in _chunks(ids):
            marks = _marks(len(chunk))
            yield f"DELETE FROM checkpoints WHERE thread_id IN ({marks})", chunk
            yield f"DELETE FROM writes WHERE thread_id IN ({marks})", chunk
        yield "COMMIT", ()
        return
    yield from _refuse_delta_threads(ids)
    for thread_id in ids:
        yield from _keep_latest(thread_id)


def run_statements(conn: sqlite3.Connection, statements: Statements) -> None:
    """Run ``statements`` on a sync connection, rolling back an unfinished transaction on error."""
    cur = conn.cursor()
    try:
        sql, params = next(statements)
        while True:
            rows = cur.execute(sql, params).fetchall()
            sql, params = statements.send(rows)
    except StopIteration:
        pass
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    finally:
        cur.close()


async def arun_statements(conn: aiosqlite.Connection, statements: Statements) -> None:
    """Async twin of :func:`run_statements`."""
    try:
        sql, params = next(statements)
        while True:
            async with conn.execute(sql, params) as cur:
                rows = list(await cur.fetchall())
            sql, params = statements.send(rows)
    except StopIteration:
        pass
    except BaseException:
        if conn.in_transaction:
            await conn.rollback()
        raise


def _create_run_id_index(execute: Callable[[str], Any]) -> None:
    try:
        execute(CREATE_RUN_ID_INDEX)
    except sqlite3.OperationalError as exc:
        # A read-only database can still be read; deleting by run scans the table there.
        if "readonly database" not in str(exc):
            raise


class LifecycleSqliteSaver(SqliteSaver):
    """``SqliteSaver`` plus ``delete_for_runs``, ``prune`` and ``copy_thread``."""

    def setup(self) -> None:
        if self.is_setup:
            return
        super().setup()
        _create_run_id_index(self.conn.execute)
        self.conn.commit()

    def _run(self, statements: Statements) -> None:
        with self.lock:
            self.setup()
            run_statements(self.conn, statements)

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Delete every checkpoint (all threads, all namespaces) written by these runs, and its writes."""
        self._run(delete_for_runs_statements(run_ids))

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """``keep_latest`` keeps the latest checkpoint per namespace; ``delete`` drops the threads."""
        self._run(prune_statements(thread_ids, strategy))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy every checkpoint and write of a thread into another (merged into what it holds)."""
        self._run(
            copy_thread_statements(source_thread_id, target_thread_id, has_task_path=self._has_task_path)
        )


class AsyncLifecycleSqliteSaver(AsyncSqliteSaver):
    """``AsyncSqliteSaver`` plus ``adelete_for_runs``, ``aprune`` and ``acopy_thread`` (and sync bridges)."""

    async def setup(self) -> None:
        if self.is_setup:
            return
        await super().setup()
        async with self.lock:
            try:
                await self.conn.execute(CREATE_RUN_ID_INDEX)
                await self.conn.commit()
            except sqlite3.OperationalError as exc:
                if "readonly database" not in str(exc):
                    raise

    async def _arun(self, statements: Statements) -> None:
        await self.setup()
        async with self.lock:
            await arun_statements(self.conn, statements)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Delete every checkpoint (all threads, all namespaces) written by these runs, and its writes."""
        await self._arun(delete_for_runs_statements(run_ids))

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """``keep_latest`` keeps the latest checkpoint per namespace; ``delete`` drops the threads."""
        await self._arun(prune_statements(thread_ids, strategy))

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy every checkpoint and write of a thread into another (merged into what it holds)."""
        await self._arun(
            copy_thread_statements(source_thread_id, target_thread_id, has_task_path=self._has_task_path)
        )

    def _bridge(self, coro: Coroutine[Any, Any, _T]) -> _T:
        # As the official sync methods: only from another thread than the saver's loop.
        try:
            if asyncio.get_running_loop() is self.loop:
                coro.close()
                raise asyncio.InvalidStateError(
                    "Synchronous calls to AsyncSqliteSaver are only allowed from a different thread; "
                    "use the async methods from the event loop."
                )
        except RuntimeError:
            pass
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        self._bridge(self.adelete_for_runs(run_ids))

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        self._bridge(self.aprune(thread_ids, strategy=strategy))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self._bridge(self.acopy_thread(source_thread_id, target_thread_id))
