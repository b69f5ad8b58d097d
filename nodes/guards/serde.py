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

Both sides are narrow. Only a subgraph's writes seal originals (the crew's own checkpoints keep the
placeholder form alone: nothing resumes from raw values there, and a secret a tool returned inside
a specialist is sealed no further than the specialist's checkpoints). Only a read by a running
subgraph's own Pregel loop opens them: its config carries the loop's scratchpad, a live object that
no request body can carry, whereas ``get_state(config, subgraphs=True)``, a ``checkpoint_ns`` in a
config or the server's ``/threads/{id}/state?subgraphs=true`` read placeholders (the values go
straight to an HTTP client there, which reveals placeholders but would not redact raw text).

**A sealed original opens only where it was written.** Its AES-GCM associated data names the
thread and the checkpoint namespace of the write (envelope ``v2``), so an original copied or moved
into another thread, or another specialist's namespace, of the same deployment does not open there:
the resume stops with a one-line :class:`DamagedCheckpoint` rather than hand one thread's raw values
to another. A key check beside the original tells that case from a worker holding another key
(which reads placeholders, as before). Originals sealed before the binding (envelope ``v1``, bound to
the purpose alone) still open.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph._internal._constants import CONFIG_KEY_SCRATCHPAD  # pinned by test_checkpoint_restore
from langgraph._internal._scratchpad import PregelScratchpad
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.types import Send

from crewline.errors import CrewlineError
from crewline.memory.checkpoint.inline_values import serialize_inline_values
from crewline.nodes.guards.vault import SEALED_PREFIX, Vault, default_vault

__all__ = [
    "DamagedCheckpoint",
    "PseudonymisingSerializer",
    "protect_checkpointer",
    "restoring",
    "sealing",
    "walk_strings",
]

_MAX_DEPTH = 64
# the type of a value stored as placeholders with its sealed original beside it (+ the inner type);
# v2 (written now) binds the original to its thread and namespace, v1 (read only) to the purpose alone
ENVELOPE = "crewline-pseudonymised:"
ENVELOPE_V2 = ENVELOPE + "v2:"
_PURPOSE = b"crewline:checkpoint"  # AES-GCM associated data: these tokens open nowhere else
_KEY_CHECK_SIZE = 8  # HMAC of a constant under the vault key: which key sealed it, nothing more
_RESTORING: ContextVar[bool] = ContextVar("crewline_checkpoint_restoring", default=False)
_SEALING: ContextVar[bool] = ContextVar("crewline_checkpoint_sealing", default=False)
# where the saver call being served reads or writes: (thread id, checkpoint namespace)
_PLACE: ContextVar[tuple[str, str]] = ContextVar("crewline_checkpoint_place", default=("", ""))
_Value = TypeVar("_Value")
log = logging.getLogger(__name__)


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
        self._key_check = hmac.new(self.vault.key, _PURPOSE + b":key-check", hashlib.sha256).digest()[
            :_KEY_CHECK_SIZE
        ]

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        changed = False

        def redact(text: str) -> str:
            nonlocal changed
            stored = self.vault.redact(text)
            changed = changed or stored != text
            return stored

        kind, data = self.inner.dumps_typed(walk_strings(obj, redact))
        if not changed or not _SEALING.get():  # nothing raw, or no specialist's: as the inner one stores it
            return kind, data
        original_kind, original = self.inner.dumps_typed(obj)
        plain = original_kind.encode() + b"\0" + bytes(original)
        sealed = self._key_check + self.vault.seal_bytes(plain, _bound_purpose(_PLACE.get()))
        return ENVELOPE_V2 + kind, len(data).to_bytes(4, "big") + bytes(data) + sealed

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        kind, payload = data
        if not kind.startswith(ENVELOPE):
            return self.inner.loads_typed(data)
        bound = kind.startswith(ENVELOPE_V2)
        inner_kind = kind[len(ENVELOPE_V2 if bound else ENVELOPE) :]
        payload = bytes(payload)
        size = int.from_bytes(payload[:4], "big")
        if len(payload) < 4 or size > len(payload) - 4:
            raise DamagedCheckpoint(
                f"a stored checkpoint value is damaged ({len(payload)} bytes, {size} declared)"
            )
        if _RESTORING.get():
            opened = self._open_bound(payload[4 + size :]) if bound else self._open_v1(payload[4 + size :])
            if opened is not None:
                original_kind, _, original = opened.partition(b"\0")
                return self.inner.loads_typed((original_kind.decode(), original))
            _warn_unopened()  # another key: the specialist resumes from the placeholder form
        return self.inner.loads_typed((inner_kind, payload[4 : 4 + size]))

    def _open_v1(self, sealed: bytes) -> bytes | None:
        """An original sealed before the thread binding: bound to the purpose alone."""
        return self.vault.unseal_bytes(sealed, _PURPOSE)

    def _open_bound(self, sealed: bytes) -> bytes | None:
        """A v2 original, opened in the thread and namespace being read; ``None`` under another key.
        Under this key, an original that does not open was written elsewhere (or damaged)."""
        key_check, token = sealed[:_KEY_CHECK_SIZE], sealed[_KEY_CHECK_SIZE:]
        if not hmac.compare_digest(key_check, self._key_check):
            return None
        place = _PLACE.get()
        opened = self.vault.unseal_bytes(token, _bound_purpose(place))
        if opened is None:
            thread, namespace = place
            raise DamagedCheckpoint(
                f"a sealed original does not open in thread {thread!r} (namespace {namespace!r}): "
                "it was written in another thread or namespace, or it is damaged"
            )
        return opened


def _bound_purpose(place: tuple[str, str]) -> bytes:
    """The associated data of a v2 original: the purpose, the thread and the namespace (JSON, so no
    thread id and namespace can run together into another pair's bytes)."""
    return _PURPOSE + b":" + json.dumps(list(place)).encode()


def _place_of(config: RunnableConfig) -> tuple[str, str]:
    configurable = config.get("configurable") or {}
    return str(configurable.get("thread_id") or ""), str(configurable.get("checkpoint_ns") or "")


def _at(config: RunnableConfig) -> AbstractContextManager[None]:
    """Inside it, seals and opens are bound to ``config``'s thread and namespace."""
    return _switched(_PLACE, _place_of(config))


class DamagedCheckpoint(CrewlineError):
    """A stored value's envelope is cut short or corrupted."""


_warned: list[bool] = []


def _warn_unopened() -> None:
    """Once a process: a resumed specialist's originals did not open (another ``CREWLINE_AES_KEY``
    than the one that wrote them, e.g. a worker that created its own key): it reads placeholders."""
    if not _warned:
        _warned.append(True)
        log.warning(
            "a resumed specialist's stored originals do not open under this process's key "
            "(CREWLINE_AES_KEY differs between workers?): it continues from placeholders"
        )


@contextmanager
def _switched(switch: ContextVar[_Value], value: _Value) -> Iterator[None]:
    token = switch.set(value)
    try:
        yield
    finally:
        switch.reset(token)


def restoring(enabled: bool = True) -> AbstractContextManager[None]:
    """Inside it, the serializer reads back the values as they were written (the key permitting)."""
    return _switched(_RESTORING, enabled)


def _in_specialist(config: RunnableConfig) -> bool:
    """A subgraph's checkpoint (a specialist's working state), not the crew's own."""
    return bool((config.get("configurable") or {}).get("checkpoint_ns"))


def _by_specialist_loop(config: RunnableConfig) -> bool:
    """A read of a subgraph's checkpoint by that subgraph's own running loop (its config carries the
    loop's scratchpad), not by a state API or a caller's config."""
    configurable = config.get("configurable") or {}
    return _in_specialist(config) and isinstance(configurable.get(CONFIG_KEY_SCRATCHPAD), PregelScratchpad)


def _opens(config: RunnableConfig) -> bool:
    """Whether a read opens the sealed originals: by a specialist's own loop, or inside an explicit
    :func:`restoring` (in-process code that asks for them; no request can)."""
    return _RESTORING.get() or _by_specialist_loop(config)


def _restore_specialist_reads(saver: BaseCheckpointSaver[Any]) -> None:
    """``saver``'s checkpoint reads open the sealed originals for a subgraph's checkpoints: what a
    resumed specialist continues from (LangGraph's loop reads through ``get_tuple`` / ``aget_tuple``)."""
    get_tuple, aget_tuple = saver.get_tuple, saver.aget_tuple

    def read(config: RunnableConfig) -> Any:
        with restoring(_opens(config)), _at(config):
            return get_tuple(config)

    async def aread(config: RunnableConfig) -> Any:
        with restoring(_opens(config)), _at(config):  # asyncio.to_thread inside copies the context
            return await aget_tuple(config)

    saver.get_tuple = read  # type: ignore[method-assign]
    saver.aget_tuple = aread  # type: ignore[method-assign]
    _restore_delta_history(saver)


def _restore_delta_history(saver: BaseCheckpointSaver[Any]) -> None:
    """The same for the writes a ``DeltaChannel`` replays when its specialist resumes."""
    history, ahistory = saver.get_delta_channel_history, saver.aget_delta_channel_history

    def read(*, config: RunnableConfig, channels: Any) -> Any:
        with restoring(_opens(config)), _at(config):
            return history(config=config, channels=channels)

    async def aread(*, config: RunnableConfig, channels: Any) -> Any:
        with restoring(_opens(config)), _at(config):
            return await ahistory(config=config, channels=channels)

    saver.get_delta_channel_history = read  # type: ignore[method-assign]
    saver.aget_delta_channel_history = aread  # type: ignore[method-assign]


def sealing(enabled: bool = True) -> AbstractContextManager[None]:
    """Inside it, the serializer seals the originals of what it pseudonymises (a specialist's writes)."""
    return _switched(_SEALING, enabled)


def _seal_specialist_writes(saver: BaseCheckpointSaver[Any]) -> None:
    """``saver``'s writes of a subgraph's checkpoints and pending writes seal the originals beside the
    placeholders (what :func:`_restore_specialist_reads` opens); the crew's own writes do not."""
    put, aput, put_writes, aput_writes = saver.put, saver.aput, saver.put_writes, saver.aput_writes

    def write(config: RunnableConfig, *args: Any, **kwargs: Any) -> Any:
        with sealing(_in_specialist(config)), _at(config):
            return put(config, *args, **kwargs)

    async def awrite(config: RunnableConfig, *args: Any, **kwargs: Any) -> Any:
        with sealing(_in_specialist(config)), _at(config):
            return await aput(config, *args, **kwargs)

    def write_pending(config: RunnableConfig, *args: Any, **kwargs: Any) -> None:
        with sealing(_in_specialist(config)), _at(config):
            put_writes(config, *args, **kwargs)

    async def awrite_pending(config: RunnableConfig, *args: Any, **kwargs: Any) -> None:
        with sealing(_in_specialist(config)), _at(config):
            await aput_writes(config, *args, **kwargs)

    saver.put = write  # type: ignore[method-assign]
    saver.aput = awrite  # type: ignore[method-assign]
    saver.put_writes = write_pending  # type: ignore[method-assign]
    saver.aput_writes = awrite_pending  # type: ignore[method-assign]


def protect_checkpointer(saver: BaseCheckpointSaver[Any], vault: Vault | None = None) -> None:
    """Make ``saver`` pseudonymise everything it writes (the plain values a PostgreSQL saver would
    store inline included), and give a specialist's checkpoints back as they were written (idempotent)."""
    if not isinstance(saver.serde, PseudonymisingSerializer):
        saver.serde = PseudonymisingSerializer(saver.serde, vault)
        serialize_inline_values(saver)
        _seal_specialist_writes(saver)  # outermost: the inline values' blobs are written inside it
        _restore_specialist_reads(saver)
