"""Shared fixtures: an isolated data dir for every test, and real services when CI asks for them.

``CREWLINE_TEST_POSTGRES`` / ``CREWLINE_TEST_REDIS`` unset → tests that need the service are
skipped. Set but unreachable → those tests fail: CI must never go green by skipping a service.
"""

from __future__ import annotations

import gc
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode

# Bytecode is cached for the run even where the environment says not to (PYTHONDONTWRITEBYTECODE, set
# in some containers): the suite starts well over a hundred Python processes (CLI runs, servers, other
# hosts, forkserver children) that each compiled crewline's sources again (~0.4 s of CPU apiece), and
# pytest rewrote every test module's asserts again on every run. The caches are __pycache__ folders,
# ignored by git; set before crewline is imported below, so its modules are cached too.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# No cyclic garbage collection while collecting: importing the suite allocates millions of objects
# (modules, ASTs of the rewritten tests) that nearly all live to the end, so the collector's passes
# over them found nothing (~3 s of CPU). Enabled again, and what collection left frozen, below.
gc.disable()

import pytest  # noqa: E402

from crewline.memory.checkpoint.checkpointers import redact_url  # noqa: E402
from tests.support.small_process import SmallProcess  # noqa: E402

CONNECT_TIMEOUT_S = 5


def pytest_collection_finish(session: pytest.Session) -> None:
    """Leave what collection imported out of the garbage collector's full passes.

    Collection imports nearly every library the suite uses: hundreds of thousands of objects that
    live as long as the process, which each full collection of a whole run walked again (seconds in
    all). Frozen, they are never collected; nothing they hold is garbage anyway."""
    gc.collect()
    gc.freeze()
    gc.enable()


def pytest_unconfigure(config: pytest.Config) -> None:
    gc.enable()  # a run that ended before collection finished (an error, --help) leaves it as it was


@pytest.fixture(autouse=True)
def crewline_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point ``CREWLINE_DATA_DIR`` at a fresh directory so no test touches the user's real data."""
    path = tmp_path_factory.mktemp("crewline-data")
    monkeypatch.setenv("CREWLINE_DATA_DIR", str(path))
    return path


def _service_url(var: str) -> str:
    url = os.environ.get(var, "").strip()
    if not url:
        pytest.skip(f"{var} is not set")
    return url


def with_search_path(url: str, schema: str) -> str:
    """``url`` (a libpq URI) whose connections use ``schema`` first (``options=-csearch_path=…``)."""
    base, _, query = url.partition("?")
    params = parse_qsl(query, keep_blank_values=True)
    options = " ".join([value for name, value in params if name == "options"] + [f"-csearch_path={schema}"])
    params = [(name, value) for name, value in params if name != "options"] + [("options", options)]
    return f"{base}?{urlencode(params, quote_via=quote)}"


@contextmanager
def _fresh_schema(url: str) -> Iterator[str]:
    try:
        import psycopg
        from psycopg import sql
    except ImportError as exc:
        pytest.fail(f"CREWLINE_TEST_POSTGRES is set but psycopg is not installed: {exc}", pytrace=False)
    schema = f"crewline_test_{os.getpid()}_{secrets.token_hex(4)}"
    problem = ""
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    except psycopg.Error as exc:
        problem = " ".join(str(exc).split())
    if problem:  # failed outside the except block, so pytest shows one line, not a chained traceback
        pytest.fail(f"CREWLINE_TEST_POSTGRES={redact_url(url)} is set but unusable: {problem}", pytrace=False)
    try:
        yield with_search_path(url, schema)
    finally:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(scope="module")
def small_process() -> Iterator[SmallProcess]:
    """A small process for the module's calls that fork (see ``tests.support.small_process``).

    One a module: its imports are paid once, and a call cannot leave state for another module."""
    with SmallProcess() as process:
        yield process


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """``CREWLINE_TEST_POSTGRES`` confined to a fresh schema for this test run (dropped afterwards).

    Every connection opened from the yielded URL creates and finds its tables in that schema, so
    parallel runs against one database do not collide. Use unique thread ids within a run.
    """
    with _fresh_schema(_service_url("CREWLINE_TEST_POSTGRES")) as url:
        yield url


@pytest.fixture
def fresh_postgres_url() -> Iterator[str]:
    """Like ``postgres_url`` but with an empty schema of its own for this one test."""
    with _fresh_schema(_service_url("CREWLINE_TEST_POSTGRES")) as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """``CREWLINE_TEST_REDIS``, checked with a PING. Prefix keys per test: the database is shared."""
    url = _service_url("CREWLINE_TEST_REDIS")
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=CONNECT_TIMEOUT_S
    )
    problem = ""
    try:
        client.ping()
    except redis.RedisError as exc:
        problem = " ".join(str(exc).split()) or type(exc).__name__
    finally:
        client.close()
    if problem:
        pytest.fail(f"CREWLINE_TEST_REDIS={redact_url(url)} is set but unreachable: {problem}", pytrace=False)
    return url


@pytest.fixture
def redis_prefix_url(redis_url: str) -> Iterator[str]:
    """``redis_url`` with a key prefix of its own (the database is shared); its keys go afterwards."""
    import redis

    prefix = f"crewline-test:{secrets.token_hex(8)}"
    yield f"{redis_url}{'&' if '?' in redis_url else '?'}prefix={prefix}"
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
