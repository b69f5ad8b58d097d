"""A specialist's sealed originals open only in the thread and namespace that wrote them.

Whoever can write the checkpoint store of one deployment could otherwise move a sealed original
from one thread into another user's thread (or into another specialist's namespace) and have that
thread's resumed specialist read the raw values. The move stops the resume with a one-line
``DamagedCheckpoint``; a worker holding another key still reads placeholders, and originals sealed
before the binding still open.
"""

from __future__ import annotations

import os

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
)
from crewline.nodes.guards.vault import Vault
from tests.support.paused_specialist import EMAIL, RECORD, paused_specialist_crew


def _thread(thread_id: str) -> RunnableConfig:
    return RunnableConfig(configurable={"thread_id": thread_id})


def _move(saver: InMemorySaver, source: str, target: str) -> None:
    """Everything ``source`` stored, moved under ``target`` byte for byte (what a write to the store
    would do): checkpoints, pending writes and channel values."""
    saver.storage[target] = saver.storage.pop(source)
    for key in [k for k in saver.writes if k[0] == source]:
        saver.writes[(target, *key[1:])] = saver.writes.pop(key)
    for key in [k for k in saver.blobs if k[0] == source]:
        saver.blobs[(target, *key[1:])] = saver.blobs.pop(key)


@pytest.fixture
def saver() -> InMemorySaver:
    saver = InMemorySaver()
    protect_checkpointer(saver, Vault(os.urandom(32)))
    return saver


def test_a_specialist_resumes_from_its_own_originals_in_its_own_thread(saver: InMemorySaver) -> None:
    crew = paused_specialist_crew(saver)
    crew.invoke({"q": "hi"}, _thread("alice-1"))
    assert crew.invoke(Command(resume=True), _thread("alice-1"))["seen"] == RECORD


def test_originals_moved_to_another_thread_do_not_open_there(saver: InMemorySaver) -> None:
    crew = paused_specialist_crew(saver)
    crew.invoke({"q": "hi"}, _thread("alice-1"))
    _move(saver, "alice-1", "mallory-1")
    with pytest.raises(DamagedCheckpoint) as refused:
        crew.invoke(Command(resume=True), _thread("mallory-1"))
    message = str(refused.value)
    assert "\n" not in message and "'mallory-1'" in message and EMAIL not in message


def test_an_original_moved_to_another_namespace_of_the_thread_does_not_open_there(
    saver: InMemorySaver,
) -> None:
    crew = paused_specialist_crew(saver)
    crew.invoke({"q": "hi"}, _thread("alice-1"))
    (namespace,) = [ns for ns in saver.storage["alice-1"] if ns]
    config = RunnableConfig(configurable={"thread_id": "alice-1", "checkpoint_ns": namespace})
    with restoring():
        assert saver.get_tuple(config).checkpoint["channel_values"]["record"] == RECORD  # type: ignore[union-attr]
    saver.storage["alice-1"]["billing:other"] = saver.storage["alice-1"].pop(namespace)
    for key in [k for k in saver.blobs if k[1] == namespace]:
        saver.blobs[(key[0], "billing:other", *key[2:])] = saver.blobs.pop(key)
    moved = RunnableConfig(configurable={"thread_id": "alice-1", "checkpoint_ns": "billing:other"})
    with restoring(), pytest.raises(DamagedCheckpoint, match="'billing:other'"):
        saver.get_tuple(moved)


def test_a_worker_with_another_key_resumes_from_placeholders(saver: InMemorySaver) -> None:
    crew = paused_specialist_crew(saver)
    crew.invoke({"q": "hi"}, _thread("alice-1"))
    saver.serde = PseudonymisingSerializer(JsonPlusSerializer(), Vault(os.urandom(32)))  # type: ignore[assignment]
    seen = crew.invoke(Command(resume=True), _thread("alice-1"))["seen"]
    assert EMAIL not in seen and "[EMAIL_ADDRESS_" in seen


def test_an_original_sealed_before_the_binding_still_opens() -> None:
    """The v1 envelope: ``crewline-pseudonymised:`` + the inner type; the placeholder form's length,
    the form, then the original sealed with the purpose alone as associated data."""
    vault, inner = Vault(os.urandom(32)), JsonPlusSerializer()
    kind, form = inner.dumps_typed({"record": vault.redact(RECORD)})
    original_kind, original = inner.dumps_typed({"record": RECORD})
    sealed = vault.seal_bytes(original_kind.encode() + b"\0" + original, b"crewline:checkpoint")
    stored = ("crewline-pseudonymised:" + kind, len(form).to_bytes(4, "big") + form + sealed)
    serde = PseudonymisingSerializer(inner, vault)
    assert EMAIL not in repr(serde.loads_typed(stored))
    with restoring():
        assert serde.loads_typed(stored) == {"record": RECORD}
