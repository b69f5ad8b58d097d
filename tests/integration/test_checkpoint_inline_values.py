"""LangGraph's PostgreSQL saver, protected as the servers protect it, stores no str channel raw.

The official saver keeps ``str`` (and other plain) channel values inline in ``checkpoints.checkpoint``
without its serializer; a specialist's answer was stored there with the help centre's phone number.
Protected, every value goes through the pseudonymising serializer (placeholders at rest), a
specialist reads its own back as written, and a value stored inline before is not lost.
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import Checkpoint, empty_checkpoint
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from crewline.nodes.guards.serde import protect_checkpointer, restoring

PHONE = "1-800-555-0100"
ANSWER = f"Tap Dispute this charge, or call {PHONE} [1]."


def _checkpoint(values: dict[str, Any], versions: dict[str, int]) -> Checkpoint:
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = values
    checkpoint["channel_versions"] = dict(versions)
    return checkpoint


def _raw_rows(url: str, thread_id: str) -> int:
    with psycopg.connect(url) as db:
        inline = db.execute(
            "SELECT count(*) FROM checkpoints WHERE thread_id = %s AND checkpoint::text LIKE %s",
            (thread_id, f"%{PHONE}%"),
        ).fetchone()
        blobs = db.execute(
            "SELECT count(*) FROM checkpoint_blobs WHERE thread_id = %s AND position(%s::bytea in blob) > 0",
            (thread_id, PHONE.encode()),
        ).fetchone()
    assert inline is not None and blobs is not None
    return int(inline[0]) + int(blobs[0])


async def test_a_str_channel_is_stored_through_the_serializer_and_read_back_by_its_specialist(
    postgres_url: str,
) -> None:
    thread_id = f"inline-{uuid.uuid4()}"
    ns = "knowledge:5f0c"
    config = RunnableConfig(configurable={"thread_id": thread_id, "checkpoint_ns": ns})
    async with AsyncPostgresSaver.from_conn_string(postgres_url) as saver:
        await saver.setup()
        protect_checkpointer(saver)
        first = await saver.aput(config, _checkpoint({"answer": ANSWER}, {"answer": 1}), {}, {"answer": 1})
        # the next step changes another channel: the answer is carried over, not written again
        values = {"answer": ANSWER, "grounding": ["supported"]}
        await saver.aput(first, _checkpoint(values, {"answer": 1, "grounding": 2}), {}, {"grounding": 2})
        read = RunnableConfig(configurable={"thread_id": thread_id, "checkpoint_ns": ns})
        shown = await saver.aget_tuple(read)  # a state API's read: placeholders
        with restoring():  # the specialist's own loop reading it back
            latest = await saver.aget_tuple(read)
    assert _raw_rows(postgres_url, thread_id) == 0
    assert shown is not None and "[PHONE_NUMBER_" in shown.checkpoint["channel_values"]["answer"]
    assert latest is not None and latest.checkpoint["channel_values"]["answer"] == ANSWER


async def test_a_value_stored_inline_before_is_kept_by_the_next_checkpoint(postgres_url: str) -> None:
    thread_id = f"legacy-{uuid.uuid4()}"
    config = RunnableConfig(configurable={"thread_id": thread_id, "checkpoint_ns": ""})
    async with AsyncPostgresSaver.from_conn_string(postgres_url) as saver:
        await saver.setup()
        old = await saver.aput(config, _checkpoint({"request": "hello"}, {"request": 1}), {}, {"request": 1})
    async with AsyncPostgresSaver.from_conn_string(postgres_url) as saver:
        protect_checkpointer(saver)
        values = {"request": "hello", "step": "two"}
        await saver.aput(old, _checkpoint(values, {"request": 1, "step": 2}), {}, {"step": 2})
        latest = await saver.aget_tuple(
            RunnableConfig(configurable={"thread_id": thread_id, "checkpoint_ns": ""})
        )
    assert latest is not None and latest.checkpoint["channel_values"] == values
