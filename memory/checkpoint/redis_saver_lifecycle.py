"""``delete_thread``, ``delete_for_runs`` and ``prune`` for the Redis savers, written once.

Each operation is a generator of zero-argument calls (:data:`~crewline.memory.checkpoint.redis_saver_ops.Ops`)
on a sync or async client; :func:`~crewline.memory.checkpoint.redis_saver_ops.drive` runs them for
:class:`crewline.memory.checkpoint.redis_saver.RedisSaver` and
:func:`~crewline.memory.checkpoint.redis_saver_ops.adrive` awaits them for
:class:`crewline.memory.checkpoint.redis_saver_aio.AsyncRedisSaver`, sending each result back into the
generator.

Checkpoints go through :data:`DROP_LUA`, which removes them, their writes and the channel blobs no
checkpoint left in their namespace reads, in one atomic step: a ``put`` committing meanwhile either
comes first (and its references keep its blobs) or after (and finds its parent's blobs kept).
What a run wrote is found through ``{prefix}:run:{run_id}``, filled by ``put`` from the checkpoint
metadata's ``run_id``; checkpoints saved before that index existed are not found by run.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from crewline.memory.checkpoint.redis_saver_core import LIFECYCLE_FIELD, SEP, as_str, lifecycle_info
from crewline.memory.checkpoint.saver_lifecycle import check_prune_strategy, unique_ids

if TYPE_CHECKING:
    from crewline.memory.checkpoint.redis_saver_core import RedisCore
    from crewline.memory.checkpoint.redis_saver_ops import Op, Ops

__all__ = [
    "DROP_LUA",
    "delete_for_runs_ops",
    "delete_thread_ops",
    "keep_latest_doomed",
    "prune_ops",
]

_BATCH = 500  # members per script call / HMGET

# KEYS: idx, cp, blob, wi, wr, threads. ARGV: thread id, mode ("a" | "m"), then for "m" the
# members ("{ns}\0{id}") to drop. "a" drops the whole thread. Returns {member, lifecycle field}
# for every checkpoint dropped. In "m" mode, a blob goes when a dropped checkpoint read it and no
# checkpoint left in its namespace does.
DROP_LUA = r"""
local function each_batch(command, key, items)
  for i = 1, #items, 500 do
    redis.call(command, key, unpack(items, i, math.min(i + 499, #items)))
  end
end
local out = {}
if ARGV[2] == 'a' then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    out[#out + 1] = {m, redis.call('HGET', KEYS[2], m .. '\0u') or ''}
  end
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
  redis.call('ZREM', KEYS[6], ARGV[1])
  return out
end
local freed = {}
for i = 3, #ARGV do
  local m = ARGV[i]
  local ns = string.match(m, '^(.-)%z')
  local refs = redis.call('HGET', KEYS[2], m .. '\0r')
  local info = redis.call('HGET', KEYS[2], m .. '\0u')
  if redis.call('ZREM', KEYS[1], m) == 1 then out[#out + 1] = {m, info or ''} end
  redis.call('HDEL', KEYS[2], m, m .. '\0r', m .. '\0u')
  local writes = redis.call('ZRANGEBYLEX', KEYS[4], '[' .. m .. '\0', '[' .. m .. '\0\255')
  if #writes > 0 then
    each_batch('ZREM', KEYS[4], writes)
    each_batch('HDEL', KEYS[5], writes)
  end
  if refs and ns then
    freed[ns] = freed[ns] or {}
    for ref in string.gmatch(refs, '[^\30]+') do freed[ns][ref] = true end
  end
end
for ns, refs in pairs(freed) do
  for _, m in ipairs(redis.call('ZRANGEBYLEX', KEYS[1], '[' .. ns .. '\0', '[' .. ns .. '\0\255')) do
    local kept = redis.call('HGET', KEYS[2], m .. '\0r')
    if kept then
      for ref in string.gmatch(kept, '[^\30]+') do refs[ref] = nil end
    end
  end
  local garbage = {}
  for ref in pairs(refs) do garbage[#garbage + 1] = ns .. '\0' .. ref end
  if #garbage > 0 then each_batch('HDEL', KEYS[3], garbage) end
end
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[4]) == 0 then
  redis.call('ZREM', KEYS[6], ARGV[1])
end
return out
"""


def _batches(items: Sequence[str], size: int = _BATCH) -> Generator[list[str], None, None]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _drop(saver: RedisCore, script: Any, thread_id: str, *args: str) -> Op:
    return partial(script, keys=[*saver._keys(thread_id), saver._threads_key], args=[thread_id, *args])


def _forget_runs(
    saver: RedisCore,
    client: Any,
    thread_id: str,
    dropped: Sequence[Any],
    known: dict[str, dict[str, Any]] | None = None,
) -> Ops:
    """Take dropped checkpoints (``DROP_LUA``'s answer) out of their runs' sets; ``known`` has
    the lifecycle info of checkpoints without the plaintext field, decoded from their records."""
    runs: dict[str, list[str]] = {}
    for raw_member, raw_info in dropped:
        member = as_str(raw_member)
        info = json.loads(as_str(raw_info)) if raw_info else (known or {}).get(member, {})
        if run_id := info.get("run_id"):
            runs.setdefault(run_id, []).append(f"{thread_id}{SEP}{member}")
    if runs:
        pipe = client.pipeline(transaction=False)
        for run_id, entries in runs.items():
            pipe.srem(saver._run_key(run_id), *entries)
        yield pipe.execute


def delete_thread_ops(saver: RedisCore, client: Any, script: Any, thread_id: str) -> Ops:
    """Every key of the thread, and its entries in the run sets."""
    dropped = yield _drop(saver, script, str(thread_id), "a")
    yield from _forget_runs(saver, client, str(thread_id), dropped)


def delete_for_runs_ops(saver: RedisCore, client: Any, script: Any, run_ids: Sequence[str]) -> Ops:
    """Every checkpoint (all threads, all namespaces) the runs wrote, with its writes."""
    for runs in _batches(unique_ids(run_ids, "run_ids"), 100):
        read = client.pipeline(transaction=False)
        for run_id in runs:
            read.smembers(saver._run_key(run_id))
        sets = yield read.execute
        by_thread: dict[str, list[str]] = {}
        for entries in sets:
            for entry in entries:
                thread_id, _, member = as_str(entry).partition(SEP)
                by_thread.setdefault(thread_id, []).append(member)
        for thread_id, members in by_thread.items():
            for batch in _batches(sorted(members)):
                yield _drop(saver, script, thread_id, "m", *batch)
        # Only the entries read: a run still saving adds new ones, to be found next time.
        forget = client.pipeline(transaction=False)
        for run_id, entries in zip(runs, sets, strict=True):
            if entries:
                forget.srem(saver._run_key(run_id), *entries)
        yield forget.execute


def _thread_infos(
    saver: RedisCore, client: Any, thread_id: str
) -> Generator[Op, Any, dict[str, dict[str, Any]]]:
    """Lifecycle info of every checkpoint of the thread, by member; decoded from the record for
    checkpoints saved before the plaintext field existed."""
    idx, cp = saver._keys(thread_id)[:2]
    members = [as_str(m) for m in (yield partial(client.zrange, idx, 0, -1))]
    infos: dict[str, dict[str, Any]] = {}
    for batch in _batches(members):
        fields = yield partial(client.hmget, cp, [f"{m}{LIFECYCLE_FIELD}" for m in batch])
        legacy = [m for m, field in zip(batch, fields, strict=True) if not field]
        infos.update((m, json.loads(as_str(field))) for m, field in zip(batch, fields, strict=True) if field)
        if legacy:
            records = yield partial(client.hmget, cp, legacy)
            for member, raw in zip(legacy, records, strict=True):
                if raw:
                    infos[member] = lifecycle_info(saver._load(bytes(raw))["metadata"])
    return infos


def keep_latest_doomed(infos: dict[str, dict[str, Any]]) -> list[str]:
    """The members ``keep_latest`` drops: all but each namespace's latest checkpoint, and whole
    subgraph-call namespaces (a task id after ":") whose root checkpoint is saved and not kept,
    as ``langgraph-checkpoint-postgres`` does; a ``checkpointer=True`` subgraph keeps its latest."""
    heads: dict[str, str] = {}
    for member in infos:
        ns, _, checkpoint_id = member.partition(SEP)
        heads[ns] = max(heads.get(ns, checkpoint_id), checkpoint_id)
    roots = {member.partition(SEP)[2] for member in infos if member.partition(SEP)[0] == ""}
    calls = {
        ns
        for ns, head in heads.items()
        if ":" in ns
        and (root := infos[f"{ns}{SEP}{head}"].get("root"))
        and root in roots
        and root != heads.get("")
    }
    return sorted(
        member
        for member in infos
        if member.partition(SEP)[0] in calls or member.partition(SEP)[2] != heads[member.partition(SEP)[0]]
    )


def _refuse_delta(infos_by_thread: dict[str, dict[str, dict[str, Any]]]) -> None:
    delta = sorted(t for t, infos in infos_by_thread.items() if any(i.get("delta") for i in infos.values()))
    if delta:
        raise NotImplementedError(
            f"keep_latest can't prune threads that use a DeltaChannel: {', '.join(delta)}"
        )


def prune_ops(saver: RedisCore, client: Any, script: Any, thread_ids: Sequence[str], strategy: str) -> Ops:
    """``keep_latest``: see :func:`keep_latest_doomed`; refuses (``NotImplementedError``, nothing
    pruned) if a thread uses a DeltaChannel, whose latest value is rebuilt from older checkpoints.
    ``delete``/``delete_all``: the threads go entirely."""
    check_prune_strategy(strategy)
    ids = unique_ids(thread_ids, "thread_ids")
    if strategy != "keep_latest":
        for thread_id in ids:
            yield from delete_thread_ops(saver, client, script, thread_id)
        return
    checked: dict[str, dict[str, dict[str, Any]]] = {}
    for thread_id in ids:
        checked[thread_id] = yield from _thread_infos(saver, client, thread_id)
    _refuse_delta(checked)
    for thread_id in ids:
        # Read again: runs may have saved since; what they save after this read is not dropped.
        infos = yield from _thread_infos(saver, client, thread_id)
        _refuse_delta({thread_id: infos})
        for batch in _batches(keep_latest_doomed(infos)):
            dropped = yield _drop(saver, script, thread_id, "m", *batch)
            yield from _forget_runs(saver, client, thread_id, dropped, infos)
