"""A checkpoint serializer that pseudonymises personal data before anything is written.

Why a serializer: LangGraph checkpoints a run's *input* (the user's message, raw) before any node
runs, so no guard node can keep that first write clean. Every saver (memory, SQLite, PostgreSQL)
sends checkpoints, channel blobs and pending writes through ``saver.serde.dumps_typed``; wrapping
that one method covers them all, the way LangGraph's own ``EncryptedSerializer`` wraps it to encrypt.

Every string in the value (message contents, tool-call arguments, state fields, interrupt payloads,
dictionary keys included) is replaced by its redacted form: detected values become the same keyed
placeholders the input guard uses (:class:`crewline.nodes.guards.vault.Vault`), so the stored thread
reads exactly like what the model saw, and the sealed originals in ``pii_vault`` can still restore
them. Reading is unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.types import Send

from crewline.nodes.guards.vault import SEALED_PREFIX, Vault, default_vault

__all__ = ["PseudonymisingSerializer", "protect_checkpointer", "walk_strings"]

_MAX_DEPTH = 64


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
    """Wraps a saver's serializer: values are pseudonymised on ``dumps_typed``, read back as stored."""

    def __init__(self, inner: SerializerProtocol, vault: Vault | None = None) -> None:
        self.inner = inner
        self.vault = vault or default_vault()

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        return self.inner.dumps_typed(walk_strings(obj, self.vault.redact))

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        return self.inner.loads_typed(data)


def protect_checkpointer(saver: BaseCheckpointSaver[Any], vault: Vault | None = None) -> None:
    """Make ``saver`` pseudonymise everything it writes (idempotent)."""
    if not isinstance(saver.serde, PseudonymisingSerializer):
        saver.serde = PseudonymisingSerializer(saver.serde, vault)
