"""The pseudonymising serializer: placeholders at rest, and a specialist's own values read back.

A value that held a raw one is stored as placeholders with its original sealed beside it; a saver
read of a subgraph's checkpoint (a specialist resuming after its worker died) opens the original,
every other read gets placeholders, and so does a reader without the key.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.types import Command

from crewline.nodes.guards.serde import (
    DamagedCheckpoint,
    PseudonymisingSerializer,
    protect_checkpointer,
    restoring,
    sealing,
)
from crewline.nodes.guards.vault import Vault
from tests.support.paused_specialist import EMAIL, PHONE, RECORD, paused_specialist_crew

DRAFT = {"summary": f"Call {PHONE} [1].", "sources": [{"snippet": f"or call {PHONE}."}], "n": 3}


def _serializer(key: bytes) -> PseudonymisingSerializer:
    return PseudonymisingSerializer(JsonPlusSerializer(), Vault(key))


def test_a_raw_value_is_stored_as_a_placeholder_and_read_back_whole_only_inside_restoring() -> None:
    serde = _serializer(os.urandom(32))
    with sealing():
        stored = serde.dumps_typed(DRAFT)
    assert PHONE.encode() not in stored[1] and b"[PHONE_NUMBER_" in stored[1]
    outside = serde.loads_typed(stored)
    assert "[PHONE_NUMBER_" in outside["summary"] and PHONE not in repr(outside)
    with restoring():
        assert serde.loads_typed(stored) == DRAFT


def test_another_key_reads_the_placeholders() -> None:
    with sealing():
        stored = _serializer(os.urandom(32)).dumps_typed(DRAFT)
    with restoring():
        read = _serializer(os.urandom(32)).loads_typed(stored)
    assert PHONE not in repr(read) and read["n"] == 3


def test_a_value_without_personal_data_is_stored_as_the_inner_serializer_stores_it() -> None:
    clean = {"summary": "Open the app and tap Dispute [1].", "n": 3}
    assert _serializer(os.urandom(32)).dumps_typed(clean) == JsonPlusSerializer().dumps_typed(clean)


@pytest.fixture
def paused() -> tuple[Any, InMemorySaver, RunnableConfig]:
    saver = InMemorySaver()
    protect_checkpointer(saver, Vault(os.urandom(32)))
    crew = paused_specialist_crew(saver)
    config = RunnableConfig(configurable={"thread_id": "t-1"})
    crew.invoke({"q": "hi"}, config)
    return crew, saver, config


def test_a_resumed_specialist_continues_from_the_values_it_wrote(
    paused: tuple[Any, InMemorySaver, RunnableConfig],
) -> None:
    crew, _, config = paused
    assert crew.invoke(Command(resume=True), config)["seen"] == RECORD


def test_no_state_api_read_of_a_specialist_shows_its_raw_values(
    paused: tuple[Any, InMemorySaver, RunnableConfig],
) -> None:
    """``get_state(subgraphs=True)`` and a ``checkpoint_ns`` config are what the server's
    ``/threads/{id}/state?subgraphs=true`` serves: placeholders, never what the specialist holds."""
    crew, _, config = paused
    inside = crew.get_state(config, subgraphs=True).tasks[0].state
    assert "[EMAIL_ADDRESS_" in inside.values["record"] and EMAIL not in repr(inside.values)
    direct = crew.get_state(inside.config)
    assert EMAIL not in repr(direct.values) and PHONE not in repr(direct.values)
    deep = asyncio.run(crew.aget_state(config, subgraphs=True)).tasks[0].state
    assert EMAIL not in repr(deep.values)


def test_the_crews_own_checkpoints_hold_no_sealed_original(
    paused: tuple[Any, InMemorySaver, RunnableConfig],
) -> None:
    crew, saver, config = paused
    crew.update_state(config, {"q": f"write to {EMAIL}"})  # a raw value in the crew's own state
    stored = [(key[1], kind) for key, (kind, _) in saver.blobs.items()]
    stored += [
        (key[1], kind) for key, writes in saver.writes.items() for _, _, (kind, _), _ in writes.values()
    ]
    kinds = {(ns, kind.split(":")[0]) for ns, kind in stored}
    assert ("", "crewline-pseudonymised") not in kinds
    assert any(ns and kind == "crewline-pseudonymised" for ns, kind in kinds)


def test_a_damaged_stored_value_is_one_line_error() -> None:
    serde = _serializer(os.urandom(32))
    cut_short = ("crewline-pseudonymised:msgpack", b"\x00\x00\xff\xffab")  # declares 65535 bytes, holds 2
    with pytest.raises(DamagedCheckpoint, match="damaged"):
        serde.loads_typed(cut_short)
