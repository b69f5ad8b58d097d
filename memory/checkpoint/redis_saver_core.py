"""Key layout, encoding and the read script shared by :mod:`crewline.memory.checkpoint.redis_saver` (sync) and
:mod:`crewline.memory.checkpoint.redis_saver_aio` (async); no I/O here."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_serializable_checkpoint_metadata,
)
from langgraph.checkpoint.serde.base import SerializerProtocol

from crewline.errors import ConfigurationError

__all__ = [
    "DEFAULT_PREFIX",
    "DELTA_METADATA_KEYS",
    "LIFECYCLE_FIELD",
    "LOAD_LUA",
    "PAGE_SIZE",
    "SEP",
    "RedisCore",
    "ThreadActivity",
    "as_str",
    "lifecycle_info",
]

DEFAULT_PREFIX = "crewline:cp"
PAGE_SIZE = 100  # checkpoints loaded per script call when listing
SEP = "\x00"
_REFS_SEP = "\x1e"
_EMPTY = "empty"  # a channel in new_versions without a value (cleared), as the official savers do
LIFECYCLE_FIELD = f"{SEP}u"  # suffix of the per-checkpoint field read by delete_for_runs and prune
# Metadata a DeltaChannel leaves on checkpoints that are not full snapshots of it (Python, JS).
DELTA_METADATA_KEYS = ("counters_since_delta_snapshot", "delta_writes_versioned")

# KEYS: idx, cp, blob, wi, wr. ARGV: ttl_ms, mode ("r" | "m"), then
#   mode "r": ns, before checkpoint id ("" = none), limit (0 = none)  -> newest first
#   mode "m": the members ("{ns}\0{id}") to load, in the order given
# Returns one entry per checkpoint found: {member, record, refs, {blob values}, {write values}}.
LOAD_LUA = """
local ttl = tonumber(ARGV[1])
local members
if ARGV[2] == 'r' then
  local ns = ARGV[3]
  local hi = '[' .. ns .. '\\0\\255'
  if ARGV[4] ~= '' then hi = '(' .. ns .. '\\0' .. ARGV[4] end
  local limit = tonumber(ARGV[5])
  if limit > 0 then
    members = redis.call('ZREVRANGEBYLEX', KEYS[1], hi, '[' .. ns .. '\\0', 'LIMIT', 0, limit)
  else
    members = redis.call('ZREVRANGEBYLEX', KEYS[1], hi, '[' .. ns .. '\\0')
  end
else
  members = {}
  for i = 3, #ARGV do members[#members + 1] = ARGV[i] end
end
local out = {}
for _, m in ipairs(members) do
  local rec = redis.call('HGET', KEYS[2], m)
  if rec then
    local refs = redis.call('HGET', KEYS[2], m .. '\\0r') or ''
    local ns = string.match(m, '^(.-)%z')
    local fields = {}
    for ref in string.gmatch(refs, '[^\\30]+') do fields[#fields + 1] = ns .. '\\0' .. ref end
    local blobs = {}
    if #fields > 0 then blobs = redis.call('HMGET', KEYS[3], unpack(fields)) end
    local wfields = redis.call('ZRANGEBYLEX', KEYS[4], '[' .. m .. '\\0', '[' .. m .. '\\0\\255')
    local writes = {}
    if #wfields > 0 then writes = redis.call('HMGET', KEYS[5], unpack(wfields)) end
    out[#out + 1] = {m, rec, refs, blobs, writes}
  end
end
if ttl > 0 and #out > 0 then
  for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ttl) end
end
return out
"""


@dataclass(frozen=True)
class ThreadActivity:
    """A thread the saver knows: when it was last written and how many checkpoints it holds."""

    thread_id: str
    last_write: float  # epoch seconds
    checkpoints: int


def lifecycle_info(metadata: CheckpointMetadata | dict[str, Any]) -> dict[str, Any]:
    """What ``delete_for_runs`` and ``prune`` need of a checkpoint's metadata, kept in plaintext
    next to the (possibly encrypted) record: its run, whether a DeltaChannel depends on older
    checkpoints, and the root checkpoint a subgraph call started from."""
    parents = metadata.get("parents") or {}
    run_id = metadata.get("run_id")
    return {
        "run_id": str(run_id) if run_id else None,
        "delta": any(key in metadata for key in DELTA_METADATA_KEYS),
        "root": parents.get("") if isinstance(parents, dict) else None,
    }


def as_str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _b(value: Any) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


class RedisCore(BaseCheckpointSaver[str]):
    """Key layout, encoding and decoding shared by the sync and async savers (no I/O here)."""

    def __init__(
        self,
        *,
        ttl: float | None = None,
        prefix: str = DEFAULT_PREFIX,
        serde: SerializerProtocol | None = None,
    ) -> None:
        super().__init__(serde=serde)
        if ttl is not None and ttl <= 0:
            raise ConfigurationError(f"ttl must be a positive number of seconds, not {ttl!r}")
        self.ttl = ttl
        self.prefix = prefix.rstrip(":") or DEFAULT_PREFIX

    # ------------------------------------------------------------------ keys

    def _keys(self, thread_id: str) -> list[str]:
        base = f"{self.prefix}:t:{thread_id}"
        return [f"{base}:idx", f"{base}:cp", f"{base}:blob", f"{base}:wi", f"{base}:wr"]

    @property
    def _threads_key(self) -> str:
        return f"{self.prefix}:threads"

    def _run_key(self, run_id: str) -> str:
        """Set of "{thread}\\0{ns}\\0{checkpoint_id}" a run wrote: ``delete_for_runs`` has no thread."""
        return f"{self.prefix}:run:{run_id}"

    @property
    def _ttl_ms(self) -> int:
        return int(self.ttl * 1000) if self.ttl else 0

    # ------------------------------------------------------------------ encoding

    def _dump(self, value: Any) -> bytes:
        type_, data = self.serde.dumps_typed(value)
        return type_.encode() + b"\x00" + data

    def _load(self, raw: bytes) -> Any:
        type_, _, data = raw.partition(b"\x00")
        return self.serde.loads_typed((type_.decode(), data))

    def get_next_version(self, current: str | None, channel: None) -> str:
        """Zero-padded, sortable versions (as the official SQL savers make them)."""
        number = 0 if current is None else current if isinstance(current, int) else int(current.split(".")[0])
        return f"{number + 1:032}.{random.random():016}"

    def _queue_refresh(self, pipe: Any, keys: Sequence[str]) -> None:
        if self.ttl:
            for key in keys:
                pipe.pexpire(key, self._ttl_ms)

    def _queue_put(
        self,
        pipe: Any,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        configurable = config["configurable"]
        thread_id = str(configurable["thread_id"])
        ns = str(configurable.get("checkpoint_ns", ""))
        checkpoint_id = checkpoint["id"]
        stored = checkpoint.copy()
        values: dict[str, Any] = stored.pop("channel_values")  # type: ignore[misc]
        stored_metadata = get_serializable_checkpoint_metadata(config, metadata)
        record = {
            "checkpoint": stored,
            "metadata": stored_metadata,
            "parent": configurable.get("checkpoint_id"),
        }
        member = f"{ns}{SEP}{checkpoint_id}"
        refs = _REFS_SEP.join(
            f"{channel}{SEP}{version}" for channel, version in stored["channel_versions"].items()
        )
        blobs = {
            f"{ns}{SEP}{channel}{SEP}{version}": (
                self._dump(values[channel]) if channel in values else _EMPTY.encode() + b"\x00"
            )
            for channel, version in new_versions.items()
        }
        info = lifecycle_info(stored_metadata)
        keys = self._keys(thread_id)
        pipe.hset(
            keys[1],
            mapping={
                member: self._dump(record),
                f"{member}{SEP}r": refs,
                f"{member}{LIFECYCLE_FIELD}": json.dumps(info),
            },
        )
        if blobs:
            pipe.hset(keys[2], mapping=blobs)
        pipe.zadd(keys[0], {member: 0})
        pipe.zadd(self._threads_key, {thread_id: time.time()})
        self._queue_refresh(pipe, keys)
        if info["run_id"]:
            self._queue_run_entries(pipe, {info["run_id"]: [f"{thread_id}{SEP}{member}"]})
        return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint_id}}

    def _queue_run_entries(self, pipe: Any, entries: dict[str, list[str]]) -> None:
        for run_id, members in entries.items():
            pipe.sadd(self._run_key(run_id), *members)
            self._queue_refresh(pipe, [self._run_key(run_id)])

    def _queue_put_writes(
        self,
        pipe: Any,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str,
    ) -> None:
        configurable = config["configurable"]
        thread_id = str(configurable["thread_id"])
        member = f"{configurable.get('checkpoint_ns', '')}{SEP}{configurable['checkpoint_id']}"
        keys = self._keys(thread_id)
        upsert = all(channel in WRITES_IDX_MAP for channel, _ in writes)  # as the official savers
        for position, (channel, value) in enumerate(writes):
            idx = WRITES_IDX_MAP.get(channel, position)
            field = f"{member}{SEP}{task_id}{SEP}{idx}"
            header = SEP.join((task_id, str(idx), channel, task_path, ""))
            payload = header.encode() + self._dump(value)
            if upsert:
                pipe.hset(keys[4], field, payload)
            else:
                pipe.hsetnx(keys[4], field, payload)
            pipe.zadd(keys[3], {field: 0})
        pipe.zadd(self._threads_key, {thread_id: time.time()})
        self._queue_refresh(pipe, keys)

    def _queue_snapshot(self, pipe: Any, thread_id: str) -> None:
        idx, cp, blob, wi, wr = self._keys(thread_id)
        pipe.zrange(idx, 0, -1)
        pipe.hgetall(cp)
        pipe.hgetall(blob)
        pipe.zrange(wi, 0, -1)
        pipe.hgetall(wr)

    def _queue_copy(self, pipe: Any, target_id: str, snapshot: Sequence[Any]) -> bool:
        """Merge a thread's five keys (from :meth:`_queue_snapshot`) into ``target_id``'s.

        Records hold no thread id (LangGraph keeps it out of metadata), so they copy verbatim.
        """
        members, records, blobs, write_fields, writes = snapshot
        if not members:
            return False
        idx, cp, blob, wi, wr = keys = self._keys(target_id)
        pipe.zadd(idx, dict.fromkeys(members, 0))
        pipe.hset(cp, mapping=records)
        if blobs:
            pipe.hset(blob, mapping=blobs)
        if write_fields:
            pipe.zadd(wi, dict.fromkeys(write_fields, 0))
            pipe.hset(wr, mapping=writes)
        pipe.zadd(self._threads_key, {target_id: time.time()})
        self._queue_refresh(pipe, keys)
        # The copies belong to the same runs, as copied metadata in SQL would.
        runs: dict[str, list[str]] = {}
        for field, value in records.items():
            name = as_str(field)
            if name.endswith(LIFECYCLE_FIELD) and (run_id := json.loads(as_str(value)).get("run_id")):
                runs.setdefault(run_id, []).append(f"{target_id}{SEP}{name[: -len(LIFECYCLE_FIELD)]}")
        self._queue_run_entries(pipe, runs)
        return True

    # ------------------------------------------------------------------ decoding

    def _decode(self, thread_id: str, entry: Sequence[Any]) -> CheckpointTuple:
        member, raw, refs, blobs, writes = entry
        ns, _, checkpoint_id = as_str(member).partition(SEP)
        record = self._load(_b(raw))
        values: dict[str, Any] = {}
        for ref, blob in zip(as_str(refs).split(_REFS_SEP) if refs else [], blobs, strict=True):
            if blob is None or blob is False:
                continue
            blob = _b(blob)
            if blob.partition(b"\x00")[0] != _EMPTY.encode():
                values[ref.partition(SEP)[0]] = self._load(blob)
        pending: list[tuple[str, str, int, str, bytes]] = []
        for raw_write in writes:
            if raw_write is None or raw_write is False:
                continue
            task_id, idx, channel, task_path, value = _b(raw_write).split(b"\x00", 4)
            pending.append((task_path.decode(), task_id.decode(), int(idx), channel.decode(), value))
        pending.sort(key=lambda w: w[:3])
        parent = record["parent"]
        return CheckpointTuple(
            config={
                "configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint_id}
            },
            checkpoint=cast(Checkpoint, {**record["checkpoint"], "channel_values": values}),
            metadata=cast(CheckpointMetadata, record["metadata"]),
            parent_config=(
                {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": parent}}
                if parent
                else None
            ),
            pending_writes=[
                (task_id, channel, self._load(value)) for _, task_id, _, channel, value in pending
            ],
        )

    @staticmethod
    def _matches(metadata: CheckpointMetadata, filter: dict[str, Any] | None) -> bool:
        return not filter or all(metadata.get(key) == value for key, value in filter.items())  # type: ignore[misc]

    @staticmethod
    def _newest_first(members: Any, before: str | None) -> list[str]:
        """Members of all namespaces, newest checkpoint first, strictly before ``before``."""
        decoded = [as_str(m) for m in members]
        keyed = sorted(decoded, key=lambda m: m.partition(SEP)[2], reverse=True)
        return [m for m in keyed if before is None or m.partition(SEP)[2] < before]

    @staticmethod
    def _pages(members: list[str], size: int) -> Iterator[list[str]]:
        for start in range(0, len(members), size):
            yield members[start : start + size]
