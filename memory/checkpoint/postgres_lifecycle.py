"""Lifecycle operations the LangGraph server needs that langgraph-checkpoint-postgres 3.2 lacks.

``delete_for_runs`` (the server's ``multitask_strategy="rollback"`` removes a cancelled run's
checkpoints with it), ``copy_thread`` (``POST /threads/{id}/copy``, one statement per table instead of
the server's checkpoint-by-checkpoint fallback) and the server's ``"delete_all"`` name for the
official ``prune(strategy="delete")``. Mixed in before the official savers by
:mod:`crewline.memory.checkpoint.postgres_saver`. Deleting a run's checkpoints also deletes the channel blobs
no remaining
checkpoint of that namespace references; an index on ``metadata ->> 'run_id'`` keeps it from
scanning the table.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

from psycopg import AsyncCursor, Cursor

from crewline.memory.checkpoint.saver_lifecycle import unique_ids

_Statements = Generator[tuple[str, Sequence[Any], bool], list[Any], None]

CREATE_RUN_ID_INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS checkpoints_run_id_idx ON checkpoints ((metadata ->> 'run_id'))"
)
_DELETE_RUN_WRITES = """
DELETE FROM checkpoint_writes w USING checkpoints c
WHERE c.metadata ->> 'run_id' = ANY(%s)
AND w.thread_id = c.thread_id AND w.checkpoint_ns = c.checkpoint_ns AND w.checkpoint_id = c.checkpoint_id
"""
_DELETE_RUN_CHECKPOINTS = """
WITH deleted AS (
    DELETE FROM checkpoints WHERE metadata ->> 'run_id' = ANY(%s)
    RETURNING thread_id, checkpoint_ns, checkpoint -> 'channel_versions' AS versions
)
SELECT DISTINCT d.thread_id, d.checkpoint_ns, v.key AS channel, v.value AS version
FROM deleted d CROSS JOIN LATERAL jsonb_each_text(d.versions) AS v
"""
_REFERENCED = """
SELECT DISTINCT v.key AS channel, v.value AS version
FROM checkpoints c CROSS JOIN LATERAL jsonb_each_text(c.checkpoint -> 'channel_versions') AS v
WHERE c.thread_id = %s AND c.checkpoint_ns = %s
"""
_DELETE_BLOBS = """
DELETE FROM checkpoint_blobs
WHERE thread_id = %s AND checkpoint_ns = %s AND channel = %s AND version = ANY(%s)
"""
_COPY = (
    """INSERT INTO checkpoints
    (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
    SELECT %(target)s, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint,
        CASE WHEN metadata ? 'thread_id' THEN jsonb_set(metadata, '{thread_id}', to_jsonb(%(target)s::text))
        ELSE metadata END
    FROM checkpoints WHERE thread_id = %(source)s ON CONFLICT DO NOTHING""",
    """INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
    SELECT %(target)s, checkpoint_ns, channel, version, type, blob
    FROM checkpoint_blobs WHERE thread_id = %(source)s ON CONFLICT DO NOTHING""",
    """INSERT INTO checkpoint_writes
    (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob)
    SELECT %(target)s, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob
    FROM checkpoint_writes WHERE thread_id = %(source)s ON CONFLICT DO NOTHING""",
)


def _delete_for_runs(run_ids: list[str]) -> _Statements:
    # READ COMMITTED (the default): each statement sees checkpoints committed meanwhile, so a blob a
    # new checkpoint references is not taken for garbage
    yield _DELETE_RUN_WRITES, (run_ids,), False
    freed = yield _DELETE_RUN_CHECKPOINTS, (run_ids,), True
    by_ns: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for row in freed:
        by_ns.setdefault((row["thread_id"], row["checkpoint_ns"]), set()).add(
            (row["channel"], row["version"])
        )
    for (thread_id, ns), versions in by_ns.items():
        referenced = yield _REFERENCED, (thread_id, ns), True
        garbage: dict[str, list[str]] = {}
        for channel, version in versions - {(r["channel"], r["version"]) for r in referenced}:
            garbage.setdefault(channel, []).append(version)
        for channel, dead in garbage.items():
            yield _DELETE_BLOBS, (thread_id, ns, channel, dead), False


def _run(cur: Cursor[Any], statements: _Statements) -> None:
    try:
        sql, params, fetch = next(statements)
        while True:
            cur.execute(sql, params, prepare=False)
            sql, params, fetch = statements.send(cur.fetchall() if fetch else [])
    except StopIteration:
        pass


async def _arun(cur: AsyncCursor[Any], statements: _Statements) -> None:
    try:
        sql, params, fetch = next(statements)
        while True:
            await cur.execute(sql, params, prepare=False)
            sql, params, fetch = statements.send(await cur.fetchall() if fetch else [])
    except StopIteration:
        pass


class PostgresLifecycle:
    """delete_for_runs / copy_thread / prune("delete_all") for PostgresSaver subclasses."""

    def setup(self) -> None:
        super().setup()  # type: ignore[misc]
        with self._cursor() as cur:  # type: ignore[attr-defined]
            cur.execute(CREATE_RUN_ID_INDEX)

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        ids = unique_ids(run_ids, "run_ids")
        if not ids:
            return
        with self._cursor() as cur:  # type: ignore[attr-defined]
            if self.pipe:  # type: ignore[attr-defined]
                self.pipe.sync()  # type: ignore[attr-defined]
            with cur.connection.transaction():
                _run(cur, _delete_for_runs(ids))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        params = {"source": str(source_thread_id), "target": str(target_thread_id)}
        with self._cursor() as cur, cur.connection.transaction():  # type: ignore[attr-defined]
            for sql in _COPY:
                cur.execute(sql, params)

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        super().prune(thread_ids, strategy="delete" if strategy == "delete_all" else strategy)  # type: ignore[misc]


class AsyncPostgresLifecycle:
    """Async twin of PostgresLifecycle for AsyncPostgresSaver subclasses."""

    async def setup(self) -> None:
        await super().setup()  # type: ignore[misc]
        async with self._cursor() as cur:  # type: ignore[attr-defined]
            await cur.execute(CREATE_RUN_ID_INDEX)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        ids = unique_ids(run_ids, "run_ids")
        if not ids:
            return
        async with self._cursor() as cur:  # type: ignore[attr-defined]
            if self.pipe:  # type: ignore[attr-defined]
                await self.pipe.sync()  # type: ignore[attr-defined]
            async with cur.connection.transaction():
                await _arun(cur, _delete_for_runs(ids))

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        params = {"source": str(source_thread_id), "target": str(target_thread_id)}
        async with self._cursor() as cur, cur.connection.transaction():  # type: ignore[attr-defined]
            for sql in _COPY:
                await cur.execute(sql, params)

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        await super().aprune(  # type: ignore[misc]
            thread_ids, strategy="delete" if strategy == "delete_all" else strategy
        )
