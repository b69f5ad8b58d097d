"""Token buckets per user and tenant: refuse with a retry time, recover, debit both or neither;
the same in Redis (shared by workers) and in process, with a fallback when Redis is down."""

from __future__ import annotations

import asyncio
import secrets
import socket
from pathlib import Path

import pytest

from crewline.memory.operations.ratelimit import Limit, RateLimiter, parse_limit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("60/min", Limit(60, 60.0)),
        ("5/s", Limit(5, 1.0)),
        ("3/2s", Limit(3, 2.0)),
        ("1000/h", Limit(1000, 3600.0)),
    ],
)
def test_parse_limit(text: str, limit: Limit) -> None:
    assert parse_limit(text) == limit


@pytest.mark.parametrize("text", ["", "ten/min", "0/s", "5/0s", "5/fortnight"])
def test_parse_limit_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid rate limit"):
        parse_limit(text)


def test_user_bucket_refuses_then_recovers() -> None:
    clock = Clock()
    limiter = RateLimiter(user=Limit(3, 3.0), tenant=Limit(100, 1.0), clock=clock)
    assert [limiter.acquire_local("alice", "acme").allowed for _ in range(3)] == [True] * 3
    refused = limiter.acquire_local("alice", "acme")
    assert not refused.allowed and refused.scope == "user"
    assert refused.retry_after_s == pytest.approx(1.0)
    assert refused.retry_after_header == "1"
    assert limiter.acquire_local("bob", "acme").allowed  # another user has their own bucket
    clock.now += 1.0
    assert limiter.acquire_local("alice", "acme").allowed
    assert not limiter.acquire_local("alice", "acme").allowed


def test_tenant_bucket_is_shared_and_a_refusal_costs_the_user_nothing() -> None:
    clock = Clock()
    limiter = RateLimiter(user=Limit(5, 5.0), tenant=Limit(4, 4.0), clock=clock)
    for user in ("a", "b", "c", "d"):
        assert limiter.acquire_local(user, "acme").allowed
    refused = limiter.acquire_local("a", "acme")
    assert not refused.allowed and refused.scope == "tenant"
    assert limiter.acquire_local("a", "other").allowed  # another tenant is unaffected
    clock.now += 1.0
    assert limiter.acquire_local("e", "acme").allowed
    # "a" spent 1 of 5 in acme (the refused request took nothing): 4 left... bounded by the tenant now.
    clock.now += 10.0
    assert [limiter.acquire_local("a", "acme").allowed for _ in range(5)] == [True] * 4 + [False]


def test_redis_buckets_are_shared_by_workers_and_recover(redis_url: str) -> None:
    prefix = f"crewline-test:{secrets.token_hex(4)}"

    async def scenario() -> None:
        one = RateLimiter(user=Limit(4, 1.0), tenant=Limit(100, 1.0), redis_url=redis_url, prefix=prefix)
        two = RateLimiter(user=Limit(4, 1.0), tenant=Limit(100, 1.0), redis_url=redis_url, prefix=prefix)
        decisions = [await (one if i % 2 else two).acquire("alice", "acme") for i in range(5)]
        assert [d.allowed for d in decisions] == [True] * 4 + [False]
        assert decisions[-1].backend == "redis" and decisions[-1].scope == "user"
        assert 0 < decisions[-1].retry_after_s <= 0.25
        await asyncio.sleep(decisions[-1].retry_after_s + 0.05)
        assert (await one.acquire("alice", "acme")).allowed
        assert one.backend == "redis"
        await one.aclose()
        await two.aclose()

    asyncio.run(scenario())


def test_redis_tenant_refusal(redis_url: str) -> None:
    prefix = f"crewline-test:{secrets.token_hex(4)}"

    async def scenario() -> None:
        limiter = RateLimiter(user=Limit(10, 10.0), tenant=Limit(2, 10.0), redis_url=redis_url, prefix=prefix)
        assert (await limiter.acquire("a", "acme")).allowed
        assert (await limiter.acquire("b", "acme")).allowed
        refused = await limiter.acquire("c", "acme")
        assert not refused.allowed and refused.scope == "tenant"
        assert refused.retry_after_header == "5"
        await limiter.aclose()

    asyncio.run(scenario())


def test_unreachable_redis_falls_back_to_process_buckets() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again on exit: nothing listens there

    async def scenario() -> None:
        limiter = RateLimiter(
            user=Limit(2, 60.0), tenant=Limit(10, 1.0), redis_url=f"redis://127.0.0.1:{port}/0"
        )
        results = [await limiter.acquire("alice", "acme") for _ in range(3)]
        assert [r.allowed for r in results] == [True, True, False]
        assert results[0].backend == "memory"
        assert limiter.backend == "memory (redis unavailable)"
        await limiter.aclose()

    asyncio.run(scenario())


def _shared_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    if backend == "redis":
        return str(request.getfixturevalue("redis_url"))
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'ratelimit.sqlite'}"
    if backend == "postgres":
        return str(request.getfixturevalue("fresh_postgres_url"))
    return None


@pytest.mark.parametrize("backend", ["redis", "sqlite", "postgres"])
def test_buckets_are_shared_by_workers_on_every_shared_backend(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Two workers (two limiters) racing on one user's bucket: exactly its capacity gets through."""
    url = _shared_url(backend, request, tmp_path)
    prefix = f"crewline-test:{secrets.token_hex(4)}"

    async def scenario() -> None:
        workers = [
            RateLimiter(user=Limit(6, 60.0), tenant=Limit(100, 60.0), redis_url=url, prefix=prefix)
            for _ in range(2)
        ]
        decisions = await asyncio.gather(*(workers[i % 2].acquire("alice", "acme") for i in range(10)))
        assert sum(d.allowed for d in decisions) == 6
        assert {d.backend for d in decisions} == {backend}
        assert {d.scope for d in decisions if not d.allowed} == {"user"}
        assert await workers[0].ping() == "ok"
        for worker in workers:
            await worker.aclose()

    asyncio.run(scenario())


@pytest.mark.parametrize("backend", ["memory", "redis", "sqlite", "postgres"])
def test_a_batch_costs_one_token_per_run_and_failures_block_an_address(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    redis_url = _shared_url(backend, request, tmp_path)
    prefix = f"crewline-test:{secrets.token_hex(4)}"

    async def scenario() -> None:
        limiter = RateLimiter(
            user=Limit(10, 60.0),
            tenant=Limit(100, 60.0),
            auth_failures=Limit(3, 60.0),
            redis_url=redis_url,
            prefix=prefix,
        )
        assert (await limiter.acquire("alice", "acme", 8)).allowed
        short = await limiter.acquire("alice", "acme", 3)  # 2 left: the whole batch is refused
        assert not short.allowed and short.scope == "user" and short.retry_after_s > 0
        assert (await limiter.acquire("alice", "acme", 2)).allowed  # nothing was spent by the refusal
        # three failed authentications from one address, then it is refused, good key or not
        assert [(await limiter.record_failure("10.0.0.9")).allowed for _ in range(4)] == [True] * 3 + [False]
        blocked = await limiter.acquire("bob", "acme", address="10.0.0.9")
        assert not blocked.allowed and blocked.scope == "address" and blocked.retry_after_header == "20"
        assert (await limiter.acquire("bob", "acme", address="10.0.0.10")).allowed  # other addresses are not
        assert (await limiter.acquire("bob", "acme")).allowed  # and bob's tokens were not spent above
        assert (await limiter.acquire("bob", "acme", 8)).allowed  # 10 - 2: the refusal took nothing
        assert limiter.backend == backend
        await limiter.aclose()

    asyncio.run(scenario())
