"""crewline.memory.checkpoint.checkpointers: a bad URL, an unreachable server, a missing database or
driver fails in one line, with any password in the URL redacted."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

from crewline.memory.checkpoint.checkpointers import (
    CheckpointerError,
    async_checkpointer,
    checkpointer,
    redact_url,
)

UNREACHABLE = "postgresql://u:secret@127.0.0.1:1/x"


def _assert_one_redacted_line(error: CheckpointerError, *needles: str) -> None:
    message = str(error)
    assert isinstance(error, ValueError)
    assert "\n" not in message
    assert "secret" not in message
    for needle in needles:
        assert needle in message, message


def test_unreachable_postgres_is_one_redacted_line() -> None:
    with pytest.raises(CheckpointerError) as info, checkpointer(UNREACHABLE):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "postgresql://u:***@127.0.0.1:1/x")


async def test_async_unreachable_postgres_is_one_redacted_line() -> None:
    with pytest.raises(CheckpointerError) as info:
        async with async_checkpointer(UNREACHABLE):
            pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "postgresql://u:***@127.0.0.1:1/x")


def test_postgres_wrong_database_names_it(postgres_url: str) -> None:
    base = postgres_url.partition("?")[0].rpartition("/")[0]
    host_part = base.partition("://")[2].rpartition("@")[2]
    url = f"postgresql://nobody:secret@{host_part}/crewline_no_such_db_{uuid.uuid4().hex[:8]}"
    with pytest.raises(CheckpointerError) as info, checkpointer(url):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "nobody:***@")


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("mysql://root:secret@localhost/db", "unknown checkpointer URL scheme 'mysql'"),
        ("redis://:secret@127.0.0.1:6379/0?ttl=0", "ttl must be a positive number"),
        ("redis://:secret@127.0.0.1:6379/0?ttl=soon", "ttl must be a positive number"),
        ("redis://:secret@127.0.0.1:6379/0?ttl=inf", "ttl must be a positive number"),
        ("redis://:secret@127.0.0.1:6379/0?prefix=", "prefix must not be empty"),
        ("redis://", "missing host"),
        ("redis://:secret@127.0.0.1:notaport/0", "bad redis checkpointer URL"),
        ("rediss://user:secret@127.0.0.1:1/0", "cannot connect to redis checkpointer rediss://user:***@"),
        ("sqlite://", "missing database path"),
        ("sqlite:///", "missing database path"),
        ("sqlite://host/x.db", "take no host"),
        ("sqlite:///x.db?mode=ro", "no query parameters"),
        ("postgresql://", "missing host/database"),
        ("checkpoints.sqlite", "not a checkpointer URL"),
        ("", "not a checkpointer URL"),
    ],
)
def test_bad_urls(url: str, needle: str) -> None:
    with pytest.raises(CheckpointerError) as info, checkpointer(url):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, needle)


@pytest.mark.parametrize(
    "url", ["redis://:secret@127.0.0.1:6379/0?ttl=-1", "ftp://a:secret@b/c", "sqlite://"]
)
async def test_async_bad_urls(url: str) -> None:
    with pytest.raises(CheckpointerError) as info:
        async with async_checkpointer(url):
            pytest.fail("must not open")
    _assert_one_redacted_line(info.value)


def test_sqlite_parent_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(CheckpointerError) as info, checkpointer(f"sqlite:///{blocker}/x.db"):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "sqlite", str(blocker))


def test_sqlite_file_that_is_not_a_database(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"\x00not sqlite at all" * 512)
    with pytest.raises(CheckpointerError) as info, checkpointer(f"sqlite:///{garbage}"):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, str(garbage))


def test_missing_postgres_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg_pool", None)
    with pytest.raises(CheckpointerError) as info, checkpointer(UNREACHABLE):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "crewline[postgres]", "u:***@")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:secret@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("postgres://u:s%40cret@h/db?sslmode=require", "postgres://u:***@h/db?sslmode=require"),
        ("postgresql://u:se/cr?et@h/db", "postgresql://u:***@h/db"),
        ("postgresql://h/db?user=u&password=secret&x=1", "postgresql://h/db?user=u&password=***&x=1"),
        ("redis://:secret@h:6379/0", "redis://:***@h:6379/0"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("sqlite:////tmp/a@b/c.db", "sqlite:////tmp/a@b/c.db"),
        ("memory://", "memory://"),
        ("host=h password=secret dbname=x", "host=h password=*** dbname=x"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


# --------------------------------------------------------------------------- redis
REDIS_UNREACHABLE = "redis://:secret@127.0.0.1:1/0"


def test_unreachable_redis_is_one_redacted_line() -> None:
    with pytest.raises(CheckpointerError) as info, checkpointer(REDIS_UNREACHABLE):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "redis://:***@127.0.0.1:1/0")


async def test_async_unreachable_redis_is_one_redacted_line() -> None:
    with pytest.raises(CheckpointerError) as info:
        async with async_checkpointer(f"{REDIS_UNREACHABLE}?ttl=60"):
            pytest.fail("must not open")
    _assert_one_redacted_line(info.value, "redis://:***@127.0.0.1:1/0?ttl=60")


def test_redis_bad_database_names_url_without_password(redis_url: str) -> None:
    host = redis_url.partition("://")[2].rpartition("@")[2].partition("/")[0]
    with pytest.raises(CheckpointerError) as info, checkpointer(f"redis://:secret@{host}/100000"):
        pytest.fail("must not open")
    _assert_one_redacted_line(info.value, f"redis://:***@{host}/100000")
