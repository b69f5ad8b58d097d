"""Token-bucket rate limits per user and per tenant: Redis or PostgreSQL (shared by every worker and
host; :mod:`.ratelimit_sql` also takes a SQLite file, shared by one host's processes) or in-process.

A request takes one token from its user's bucket *and* its tenant's bucket, or from neither: both
are checked and debited together (one Lua script in Redis, one lock in process), so a request refused
by its tenant costs its user nothing. A bucket holds up to ``capacity`` tokens and refills at
``capacity / period`` tokens a second; a refused request learns how long until it may retry.

A request may cost more than one token (a batch of runs costs one per run). Failed authentications
have a bucket per client address of their own; an authenticated request looks at its address's
bucket in the same step (a cost of 0: it needs a token there and spends none), so an address that
guessed keys too often is refused whatever key it sends next.

Limits are written ``N/PERIOD``: ``60/min``, ``5/s``, ``1000/h``, ``3/2s``. If Redis or the
database cannot be reached the limiter falls back to in-process buckets (per worker) and says so
once in the log.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.exceptions import RedisError

from crewline.errors import ConfigurationError
from crewline.memory.operations.token_bucket import debit

__all__ = ["Limit", "RateDecision", "RateLimiter", "parse_limit"]

logger = logging.getLogger(__name__)

_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(ms|s|sec|second|m|min|minute|h|hr|hour)?\s*$", re.IGNORECASE)
_UNIT_S = {"ms": 0.001, "s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60}
_UNIT_S |= {"h": 3600, "hr": 3600, "hour": 3600}

# KEYS: buckets; ARGV: the TTL in ms, then [capacity, refill per ms, cost] per bucket.
# Returns {1, 0, 0} when every bucket had its cost (all debited; a cost of 0 needs one token and
# debits nothing), else {0, ms until all would have it, 1-based index of the bucket that needs longest}.
_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local tokens = {}
local wait = 0
local tight = 0
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[3 * i - 1])
  local rate = tonumber(ARGV[3 * i])
  local need = math.max(tonumber(ARGV[3 * i + 1]), 1)
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local level = tonumber(state[1]) or capacity
  local ts = tonumber(state[2]) or now
  level = math.min(capacity, level + math.max(0, now - ts) * rate)
  tokens[i] = level
  if level < need then
    local needed = math.ceil((need - level) / rate)
    if needed > wait then wait = needed; tight = i end
  end
end
local allowed = 0
if wait == 0 then allowed = 1 end
for i, key in ipairs(KEYS) do
  local level = tokens[i]
  if allowed == 1 then level = level - tonumber(ARGV[3 * i + 1]) end
  redis.call('HSET', key, 'tokens', tostring(level), 'ts', tostring(now))
  redis.call('PEXPIRE', key, ttl)
end
return {allowed, wait, tight}
"""


@dataclass(frozen=True)
class Limit:
    """``capacity`` requests at once, refilled over ``period_s`` seconds."""

    capacity: int
    period_s: float

    @property
    def per_second(self) -> float:
        return self.capacity / self.period_s

    def __str__(self) -> str:
        return f"{self.capacity}/{self.period_s:g}s"


def parse_limit(text: str) -> Limit:
    """``"60/min"`` → ``Limit(60, 60.0)``. Raises :class:`ConfigurationError` with the accepted forms."""
    match = _LIMIT.match(text)
    if not match:
        raise ConfigurationError(
            f"invalid rate limit {text!r}: write N/PERIOD, e.g. 60/min, 5/s, 3/2s, 1000/h"
        )
    count, multiple, unit = int(match.group(1)), match.group(2), (match.group(3) or "s").lower()
    period = (int(multiple) if multiple else 1) * _UNIT_S[unit]
    if count < 1 or period <= 0:
        raise ConfigurationError(f"invalid rate limit {text!r}: the count and the period must be positive")
    return Limit(count, float(period))


# (key, limit, cost): how many tokens this request takes from that bucket
_Bucket = tuple[str, Limit, int]


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after_s: float = 0.0  # seconds until the request would be allowed
    scope: str | None = None  # the bucket that refused it: "user" or "tenant"
    backend: str = "memory"

    @property
    def retry_after_header(self) -> str:
        """``Retry-After`` in whole seconds, never 0 for a refusal."""
        return str(max(1, math.ceil(self.retry_after_s)))


class _Buckets:
    """In-process token buckets (monotonic clock; injectable for tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, buckets: list[_Bucket]) -> tuple[bool, float, int]:
        """Debit every bucket its cost, or none: ``(allowed, wait s, index of the tightest)``. A cost
        of 0 needs one token and debits nothing (a look)."""
        with self._lock:
            now = self._clock()
            allowed, wait, tightest, levels = debit(
                buckets, lambda key, limit: self._state.get(key, (float(limit.capacity), now)), now
            )
            for (key, _, _), level in zip(buckets, levels, strict=True):
                self._state[key] = (level, now)
            return allowed, wait, tightest


class RateLimiter:
    """``await limiter.acquire(user, tenant)`` → a ``RateDecision``; shared when ``redis_url`` names
    Redis, PostgreSQL or a SQLite file (the server passes the resolved ``ratelimit`` state URL).

    ``auth_failures`` limits failed authentications per client address (see :meth:`record_failure`).
    """

    def __init__(
        self,
        *,
        user: Limit,
        tenant: Limit,
        auth_failures: Limit | None = None,
        redis_url: str | None = None,
        prefix: str = "crewline:rl",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.user, self.tenant, self.prefix = user, tenant, prefix
        self.auth_failures = auth_failures or Limit(30, 60.0)
        self._memory = _Buckets(clock)
        self._redis: Any = None
        self._script: Any = None
        self._sql: Any = None
        self._warned = False
        if redis_url and not redis_url.lower().startswith(("redis", "memory:")):
            from crewline.memory.operations.ratelimit_sql import SqlBuckets

            self._sql = SqlBuckets(redis_url)
        elif redis_url and redis_url.lower().startswith("redis"):
            import redis.asyncio as aioredis

            self._redis = aioredis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
            self._script = self._redis.register_script(_LUA)

    @property
    def backend(self) -> str:
        """``redis``, ``postgres``, ``sqlite``, ``memory``, or ``memory (redis unavailable)`` (say)
        after a fallback."""
        shared = "redis" if self._script is not None else self._sql.kind if self._sql is not None else None
        if shared is None:
            return "memory"
        return f"memory ({shared} unavailable)" if self._warned else str(shared)

    async def ping(self) -> str:
        """``"ok"`` when the configured Redis or database answers (raises when it does not); ``"memory"``
        without one."""
        if self._sql is not None:
            await asyncio.to_thread(self._sql.ping)
            return "ok"
        if self._redis is None:
            return "memory"
        await self._redis.ping()
        return "ok"

    def _buckets(self, user_id: str, tenant_id: str, cost: int) -> list[_Bucket]:
        return [
            (f"{self.prefix}:tenant:{tenant_id}:user:{user_id}", self.user, cost),
            (f"{self.prefix}:tenant:{tenant_id}", self.tenant, cost),
        ]

    def _failures(self, address: str, cost: int) -> _Bucket:
        return (f"{self.prefix}:authfail:{address}", self.auth_failures, cost)

    def acquire_local(self, user_id: str, tenant_id: str, cost: int = 1) -> RateDecision:
        """The in-process decision (also the fallback when Redis is down)."""
        return self._decide_local(self._buckets(user_id, tenant_id, cost), ("user", "tenant"))

    async def acquire(
        self, user_id: str, tenant_id: str, cost: int = 1, *, address: str | None = None
    ) -> RateDecision:
        """Take ``cost`` tokens (a batch of runs: one per run) from the user's and the tenant's buckets.

        With ``address``, refused (scope ``"address"``) while that client address has failed
        authentication too often: checked in the same step, so it costs no extra round trip.
        """
        buckets = self._buckets(user_id, tenant_id, cost)
        if address is None:
            return await self._decide(buckets, ("user", "tenant"))
        return await self._decide([self._failures(address, 0), *buckets], ("address", "user", "tenant"))

    async def record_failure(self, address: str) -> RateDecision:
        """Count one failed authentication from ``address``; refused once it has failed too often."""
        return await self._decide([self._failures(address, 1)], ("address",))

    def _decide_local(self, buckets: list[_Bucket], scopes: tuple[str, ...]) -> RateDecision:
        allowed, wait, tightest = self._memory.take(buckets)
        return RateDecision(allowed, wait, None if allowed else scopes[tightest], "memory")

    async def _decide(self, buckets: list[_Bucket], scopes: tuple[str, ...]) -> RateDecision:
        if self._sql is not None:
            return await self._decide_sql(buckets, scopes)
        if self._script is None:
            return self._decide_local(buckets, scopes)
        args: list[float] = [int(max(limit.period_s for _, limit, _ in buckets) * 1000) + 1000]
        for _, limit, cost in buckets:
            args += [limit.capacity, limit.per_second / 1000.0, cost]
        try:
            allowed, wait_ms, tight = await self._script(keys=[key for key, _, _ in buckets], args=args)
        except (OSError, RedisError) as exc:  # Redis down or unreachable: fall back, say it once
            if not self._warned:
                logger.warning("rate limiter: Redis unavailable (%s); using per-process buckets", exc)
                self._warned = True
            return self._decide_local(buckets, scopes)
        if int(allowed):
            return RateDecision(True, 0.0, None, "redis")
        return RateDecision(False, int(wait_ms) / 1000.0, scopes[int(tight) - 1], "redis")

    async def _decide_sql(self, buckets: list[_Bucket], scopes: tuple[str, ...]) -> RateDecision:
        try:
            allowed, wait, tightest = await asyncio.to_thread(self._sql.take, buckets)
        except Exception as exc:  # the database down or unreachable: fall back, say it once
            if not self._warned:
                logger.warning(
                    "rate limiter: %s unavailable (%s); using per-process buckets", self._sql.kind, exc
                )
                self._warned = True
            return self._decide_local(buckets, scopes)
        return RateDecision(allowed, wait, None if allowed else scopes[tightest], self._sql.kind)

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
