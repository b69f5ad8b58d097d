"""The token-bucket rule every rate-limit backend applies (in process, SQL; the Redis script is the
same rule in Lua): refill each bucket for the time since it was last touched, then debit all of them
or none."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

__all__ = ["Debit", "debit"]


class _Limit(Protocol):
    @property
    def capacity(self) -> int: ...

    @property
    def per_second(self) -> float: ...


Debit = tuple[bool, float, int, list[float]]  # allowed, wait s, index of the tightest, new levels


def debit(
    buckets: Sequence[tuple[str, _Limit, int]],
    stored: Callable[[str, _Limit], tuple[float, float]] | Mapping[str, tuple[float, float]],
    now: float,
) -> Debit:
    """Debit every bucket its cost, or none. ``stored`` gives a bucket's ``(tokens, at)``. A cost of
    0 needs one token and debits nothing (a look). The new levels are what to store, in order."""
    levels: list[float] = []
    wait, tightest = 0.0, -1
    for index, (key, limit, cost) in enumerate(buckets):
        tokens, at = stored(key, limit) if callable(stored) else stored[key]
        level = min(float(limit.capacity), tokens + max(0.0, now - at) * limit.per_second)
        levels.append(level)
        need = max(cost, 1)
        if level < need:
            needed = (need - level) / limit.per_second
            if needed > wait:
                wait, tightest = needed, index
    allowed = wait == 0
    after = [level - cost if allowed else level for (_, _, cost), level in zip(buckets, levels, strict=True)]
    return allowed, wait, tightest, after
