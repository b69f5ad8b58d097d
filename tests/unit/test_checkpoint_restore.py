"""The pseudonymising serializer: placeholders at rest, and a specialist's own values read back.

A value that held a raw one is stored as placeholders with its original sealed beside it; a saver
read of a subgraph's checkpoint (a specialist resuming after its worker died) opens the original,
every other read gets placeholders, and so does a reader without the key.
"""

from __future__ import annotations

import os
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from crewline.nodes.guards.serde import PseudonymisingSerializer, protect_checkpointer, restoring
from crewline.nodes.guards.vault import Vault

PHONE = "1-800-555-0100"
DRAFT = {"summary": f"Call {PHONE} [1].", "sources": [{"snippet": f"or call {PHONE}."}], "n": 3}


def _serializer(key: bytes) -> PseudonymisingSerializer:
    return PseudonymisingSerializer(JsonPlusSerializer(), Vault(key))


def test_a_raw_value_is_stored_as_a_placeholder_and_read_back_whole_only_inside_restoring() -> None:
    serde = _serializer(os.urandom(32))
    stored = serde.dumps_typed(DRAFT)
    assert PHONE.encode() not in stored[1] and b"[PHONE_NUMBER_" in stored[1]
    outside = serde.loads_typed(stored)
    assert "[PHONE_NUMBER_" in outside["summary"] and PHONE not in repr(outside)
    with restoring():
        assert serde.loads_typed(stored) == DRAFT


def test_another_key_reads_the_placeholders() -> None:
    stored = _serializer(os.urandom(32)).dumps_typed(DRAFT)
    with restoring():
        read = _serializer(os.urandom(32)).loads_typed(stored)
    assert PHONE not in repr(read) and read["n"] == 3


def test_a_value_without_personal_data_is_stored_as_the_inner_serializer_stores_it() -> None:
    clean = {"summary": "Open the app and tap Dispute [1].", "n": 3}
    assert _serializer(os.urandom(32)).dumps_typed(clean) == JsonPlusSerializer().dumps_typed(clean)


def _put(saver: InMemorySaver, ns: str, value: Any) -> RunnableConfig:
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {"draft": value}
    checkpoint["channel_versions"] = {"draft": 1}
    config = RunnableConfig(configurable={"thread_id": "t-1", "checkpoint_ns": ns})
    return saver.put(config, checkpoint, {}, {"draft": 1})


def test_a_specialist_reads_its_own_values_back_and_the_crew_reads_placeholders() -> None:
    saver = InMemorySaver()
    protect_checkpointer(saver, Vault(os.urandom(32)))
    specialist = _put(saver, "knowledge:5f0c", DRAFT)
    crew = _put(saver, "", DRAFT)
    resumed = saver.get_tuple(specialist)
    shown = saver.get_tuple(crew)
    assert resumed is not None and resumed.checkpoint["channel_values"]["draft"] == DRAFT
    assert shown is not None and PHONE not in repr(shown.checkpoint["channel_values"])
