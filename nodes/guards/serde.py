"""A checkpoint serializer that pseudonymises personal data before anything is written.

Why a serializer: LangGraph checkpoints a run's *input* (the user's message, raw) before any node
runs, so no guard node can keep that first write clean. Every saver (memory, SQLite, PostgreSQL)
sends checkpoints, channel blobs and pending writes through ``saver.serde.dumps_typed``; wrapping
that one method covers them all, the way LangGraph's own ``EncryptedSerializer`` wraps it to encrypt.

Every string in the value (message contents, tool-call arguments, state fields, interrupt payloads,
dictionary keys included) is replaced by its redacted form: detected values become the same keyed
placeholders the input guard uses (:class:`crewline.nodes.guards.vault.Vault`), so the stored thread
reads exactly like what the model saw, and the sealed originals in ``pii_vault`` can still restore
them.

**A specialist reads back what it wrote.** A value that held a raw value is stored with its original
sealed beside it (AES-GCM under the vault's key; the readable part is the placeholder form). Inside
a specialist (a subgraph: its checkpoints have a ``checkpoint_ns``) the state legitimately holds
values a tool or the knowledge base returned until the specialist's exit seals them; a run resumed
there after its worker died (Aegra re-runs a dead worker's run with the same run id, and LangGraph
then resumes each unfinished subgraph from its own last checkpoint) must continue from exactly those
values. Reading placeholders instead once escalated a help-centre answer re-checked against
passages that no longer held its phone number (the answer, a ``str`` channel, came back raw: LangGraph's
PostgreSQL saver stored it inline, outside the serializer, which
:mod:`crewline.memory.checkpoint.inline_values` now prevents) and, killed one step earlier, showed
the user ``[PHONE_NUMBER_…]``. So a saver read of a subgraph's checkpoint opens the sealed
originals; every other read (the crew's own state, a thread's history, a state API) gets the
placeholder form, as before, and so does a reader without the key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.types import Send

from crewline.memory.checkpoint.inline_values import serialize_inline_values
from crewline.nodes.guards.vault import SEALED_PREFIX, Vault, default_vault

__all__ = ["PseudonymisingSerializer", "protect_checkpointer", "restoring", "walk_strings"]

_MAX_DEPTH = 64
# the type of a value stored as placeholders with its sealed original beside it (+ the inner type)
ENVELOPE = "crewline-pseudonymised:"
_PURPOSE = b"crewline:checkpoint"  # AES-GCM associated data: these tokens open nowhere else
_RESTORING: ContextVar[bool] = ContextVar("crewline_checkpoint_restoring", default=False)


def walk_strings(obj: Any, redact: Callable[[str], str], depth: int = 0) -> Any:
    if depth > _MAX_DEPTH:
        return obj
    deeper = depth + 1
    if isinstance(obj, str):
        return obj if obj.startswith(SEALED_PREFIX) else redact(obj)
    if isinstance(obj, dict):
        # keys too: a metadata or input key may itself be an address or a card number
        return {_walk_key(k, v, redact): walk_strings(v, redact, deeper) for k, v in obj.items()}
    if isinstance(obj, list):
        return [walk_strings(value, redact, deeper) for value in obj]
    if isinstance(obj, tuple):
        items = [walk_strings(value, redact, deeper) for value in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    if isinstance(obj, BaseMessage):
        update: dict[str, Any] = {
            "content": walk_strings(obj.content, redact, deeper),
            "additional_kwargs": walk_strings(obj.additional_kwargs, redact, deeper),
        }
        if isinstance(obj, AIMessage):
            update["tool_calls"] = walk_strings(obj.tool_calls, redact, deeper)
        if isinstance(obj, ToolMessage) and obj.artifact is not None:
            update["artifact"] = walk_strings(obj.artifact, redact, deeper)
        return obj.model_copy(update=update)
    if isinstance(obj, Send):
        return Send(obj.node, walk_strings(obj.arg, redact, deeper))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = [f.name for f in dataclasses.fields(obj) if f.init]
        changes = {name: walk_strings(getattr(obj, name), redact, deeper) for name in fields}
        try:
            return dataclasses.replace(obj, **changes)
        except (TypeError, ValueError):
            return obj
    return obj


def _walk_key(key: Any, value: Any, redact: Callable[[str], str]) -> Any:
    """A dictionary key as stored: a string key redacted like any value (a key that redacts to the
    same placeholder as another merges with it, as two values with the same placeholder read alike).
    A vault's own entries (placeholder -> sealed value) keep their placeholders as they are: a walk
    that restores must not turn a vault's index into the values it seals."""
    if not isinstance(key, str) or key.startswith(SEALED_PREFIX):
        return key
    if isinstance(value, str) and value.startswith(SEALED_PREFIX):
        return key
    return redact(key)


class PseudonymisingSerializer(SerializerProtocol):
    """Wraps a saver's serializer: values are pseudonymised on ``dumps_typed``; a value that held a
    raw one keeps its original sealed beside it, opened only inside :func:`restoring`."""

    def __init__(self, inner: SerializerProtocol, vault: Vault | None = None) -> None:
        self.inner = inner
        self.vault = vault or default_vault()

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        changed = False

        def redact(text: str) -> str:
            nonlocal changed
            stored = self.vault.redact(text)
            changed = changed or stored != text
            return stored

        kind, data = self.inner.dumps_typed(walk_strings(obj, redact))
        if not changed:  # nothing raw in it: stored as the inner serializer stores it
            return kind, data
        original_kind, original = self.inner.dumps_typed(obj)
        sealed = self.vault.seal_bytes(original_kind.encode() + b"\0" + bytes(original), _PURPOSE)
        return ENVELOPE + kind, len(data).to_bytes(4, "big") + bytes(data) + sealed

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        kind, payload = data
        if not kind.startswith(ENVELOPE):
            return self.inner.loads_typed(data)
        payload = bytes(payload)
        size = int.from_bytes(payload[:4], "big")
        if _RESTORING.get():
            opened = self.vault.unseal_bytes(payload[4 + size :], _PURPOSE)
            if opened is not None:  # else another key: the placeholder form
                original_kind, _, original = opened.partition(b"\0")
                return self.inner.loads_typed((original_kind.decode(), original))
        return self.inner.loads_typed((kind[len(ENVELOPE) :], payload[4 : 4 + size]))


@contextmanager
def restoring(enabled: bool = True) -> Iterator[None]:
    """Inside it, the serializer reads back the values as they were written (the key permitting)."""
    token = _RESTORING.set(enabled)
    try:
        yield
    finally:
        _RESTORING.reset(token)


def _in_specialist(config: RunnableConfig) -> bool:
    """A subgraph's checkpoint (a specialist's working state), not the crew's own."""
    return bool((config.get("configurable") or {}).get("checkpoint_ns"))


def _restore_specialist_reads(saver: BaseCheckpointSaver[Any]) -> None:
    """``saver``'s checkpoint reads open the sealed originals for a subgraph's checkpoints: what a
    resumed specialist continues from (LangGraph's loop reads through ``get_tuple`` / ``aget_tuple``)."""
    get_tuple, aget_tuple = saver.get_tuple, saver.aget_tuple

    def read(config: RunnableConfig) -> Any:
        with restoring(_in_specialist(config)):
            return get_tuple(config)

    async def aread(config: RunnableConfig) -> Any:
        with restoring(_in_specialist(config)):  # asyncio.to_thread inside copies the context
            return await aget_tuple(config)

    saver.get_tuple = read  # type: ignore[method-assign]
    saver.aget_tuple = aread  # type: ignore[method-assign]


def protect_checkpointer(saver: BaseCheckpointSaver[Any], vault: Vault | None = None) -> None:
    """Make ``saver`` pseudonymise everything it writes (the plain values a PostgreSQL saver would
    store inline included), and give a specialist's checkpoints back as they were written (idempotent)."""
    if not isinstance(saver.serde, PseudonymisingSerializer):
        saver.serde = PseudonymisingSerializer(saver.serde, vault)
        serialize_inline_values(saver)
        _restore_specialist_reads(saver)
