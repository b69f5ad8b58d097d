"""Checkpointer URLs: parsing, validation and password redaction (no I/O).

Every problem is a :class:`CheckpointerError` (a ``ValueError``) with a one-line message that names
the URL without its password; the CLI prints it as ``crewline: error: ...`` with exit code 2.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import parse_qsl, unquote, urlencode

from crewline.errors import ConfigurationError
from crewline.memory.paths import data_dir

__all__ = [
    "SUPPORTED_URLS",
    "CheckpointerError",
    "Target",
    "default_checkpoint_url",
    "fail",
    "parse",
    "redact_url",
    "sqlite_file",
]

SUPPORTED_URLS = "memory://, sqlite:///PATH, postgresql://USER@HOST/DB or redis://HOST:PORT/DB[?ttl=SECONDS]"
DEFAULT_REDIS_PREFIX = "crewline:cp"


class CheckpointerError(ConfigurationError):
    """A checkpointer URL that is malformed, unsupported, or whose backend cannot be opened."""


@dataclass(frozen=True)
class Target:
    kind: str  # "memory" | "sqlite" | "postgres" | "redis"
    url: str  # as given (never printed: use ``redacted``)
    location: str = ""  # sqlite file path, libpq conninfo URL, or redis URL without our parameters
    ttl: float | None = None  # redis: sliding TTL in seconds
    prefix: str = ""  # redis: key prefix

    @property
    def redacted(self) -> str:
        return redact_url(self.url)


# --------------------------------------------------------------------------- URLs


def default_checkpoint_url() -> str:
    """``sqlite:///<data_dir()>/checkpoints.sqlite`` (four slashes when the data dir is absolute)."""
    return f"sqlite:///{(data_dir() / 'checkpoints.sqlite').as_posix()}"


_QUERY_SECRET = re.compile(r"(?i)\b((?:ssl)?password=)[^&\s]*")


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (userinfo and ``password=`` parameters)."""
    scheme, sep, rest = url.partition("://")
    if sep and rest and not rest.startswith("/"):
        authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
        at = authority.rfind("@")
        if at < 0 and ":" in rest and "@" in rest:
            at = rest.rfind("@")  # an unencoded '/', '?' or '#' inside the password: hide all of it
        if at >= 0:
            user, colon, password = rest[:at].partition(":")
            if colon and password:
                rest = f"{user}:***{rest[at:]}"
        url = f"{scheme}{sep}{rest}"
    return _QUERY_SECRET.sub(r"\1***", url)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def fail(target: Target, what: str, exc: BaseException | str) -> NoReturn:
    detail = _one_line(str(exc)) or type(exc).__name__
    _, _, rest = target.url.partition("://")
    user_info = rest.rpartition("@")[0]
    password = user_info.partition(":")[2]
    if password:
        for secret in {password, unquote(password)}:
            detail = detail.replace(secret, "***")
    raise CheckpointerError(f"{what} {target.redacted}: {detail}") from None


def parse(url: str | None) -> Target:
    if url is None:
        url = default_checkpoint_url()
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme:
        raise CheckpointerError(f"not a checkpointer URL: {redact_url(url)!r}; use {SUPPORTED_URLS}")
    scheme = scheme.lower().split("+", 1)[0]  # accept SQLAlchemy-style "postgresql+psycopg://"
    if scheme == "memory":
        return Target("memory", url)
    if scheme == "sqlite":
        return Target("sqlite", url, _sqlite_path(url, rest))
    if scheme in ("postgresql", "postgres"):
        if not rest:
            raise CheckpointerError(f"missing host/database in checkpointer URL {redact_url(url)}")
        return Target("postgres", url, f"postgresql://{rest}")
    if scheme in ("redis", "rediss"):
        return _redis_target(url, scheme, rest)
    raise CheckpointerError(
        f"unknown checkpointer URL scheme {scheme!r} in {redact_url(url)}; use {SUPPORTED_URLS}"
    )


def _redis_target(url: str, scheme: str, rest: str) -> Target:
    shown = redact_url(url)
    base, _, query = rest.partition("?")
    if not base or (base.startswith("/") and not base.strip("/")):
        raise CheckpointerError(f"missing host in checkpointer URL {shown}")
    ttl: float | None = None
    prefix = DEFAULT_REDIS_PREFIX
    passthrough: list[tuple[str, str]] = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "ttl":
            try:
                ttl = float(value)
            except ValueError:
                ttl = -1.0
            if not (ttl > 0 and math.isfinite(ttl)):
                raise CheckpointerError(f"ttl must be a positive number of seconds in {shown}, not {value!r}")
        elif name == "prefix":
            if not value.strip(":"):
                raise CheckpointerError(f"prefix must not be empty in {shown}")
            prefix = value
        else:
            passthrough.append((name, value))
    location = f"{scheme}://{base}" + (f"?{urlencode(passthrough)}" if passthrough else "")
    return Target("redis", url, location, ttl=ttl, prefix=prefix)


def _sqlite_path(url: str, rest: str) -> str:
    shown = redact_url(url)
    if rest and not rest.startswith("/"):
        raise CheckpointerError(
            f"sqlite URLs take no host: {shown}; use sqlite:///relative.db or sqlite:////abs/path.db"
        )
    path, query, _ = rest[1:].partition("?")
    if query:
        raise CheckpointerError(f"sqlite checkpointer URLs take no query parameters: {shown}")
    path = unquote(path)
    if not path:
        raise CheckpointerError(f"missing database path in checkpointer URL {shown!r}")
    return path


def sqlite_file(target: Target, what: str) -> str:
    """The path of a ``sqlite:///`` target, its directory created (``:memory:`` as is)."""
    if target.location == ":memory:":
        return target.location
    path = Path(target.location).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(target, f"cannot create the directory for {what}", exc)
    return str(path)
