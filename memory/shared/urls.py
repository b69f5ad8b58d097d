"""Which URL each kind of shared state lives at.

Every kind (tickets and the approved-action ledger, API keys, budgets and breakers, conversation
context, the long-term store, rate limits, the audit log) resolves in the same order:

1. its own variable (``CREWLINE_TICKETS_URL``, ``CREWLINE_KEYS_URL``, ...; older names such as
   ``CREWLINE_AUDIT_URL`` and ``CREWLINE_KEYS_PATH`` keep working);
2. ``CREWLINE_STATE_URL``, one PostgreSQL (or, for the kinds that suit it, Redis) URL that moves
   every kind off the host at once, so several processes with separate data directories share them;
3. the single-machine default: SQLite in the data directory (rate limits: in process).

A kind whose backends cannot take the shared URL's scheme (tickets on Redis, say) keeps its
default, and :func:`state_targets` says so; a malformed or unsupported URL is a
:class:`StateUrlError`, one line, without its password (the CLI exits 2 on it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from crewline.errors import ConfigurationError
from crewline.memory.checkpoint.urls import SUPPORTED_URLS, CheckpointerError, parse, redact_url
from crewline.memory.paths import data_dir

__all__ = [
    "KINDS",
    "StateKind",
    "StateUrlError",
    "configured_state_url",
    "state_target",
    "state_targets",
    "state_url",
]

STATE_VAR = "CREWLINE_STATE_URL"
STATE_URLS = "sqlite:///PATH, postgresql://USER@HOST/DB or redis://HOST:PORT/DB"


class StateUrlError(ConfigurationError):
    """A shared-state URL that is malformed, unsupported for its kind, or cannot be opened."""


@dataclass(frozen=True)
class StateKind:
    name: str  # as shown to users: "tickets", "keys", ...
    variables: tuple[str, ...]  # its own variables, first wins
    schemes: tuple[str, ...]  # URL kinds its backends support (checkpoint urls' Target.kind)
    default_file: str | None  # under the data directory; None: in process
    legacy_path_var: str | None = None  # a variable that names a file, not a URL

    def default_url(self) -> str:
        if self.default_file is None:
            return "memory://"
        return f"sqlite:///{(data_dir() / self.default_file).as_posix()}"


KINDS: dict[str, StateKind] = {
    kind.name: kind
    for kind in (
        StateKind("tickets", ("CREWLINE_TICKETS_URL",), ("sqlite", "postgres"), "tickets.sqlite"),
        StateKind(
            "keys", ("CREWLINE_KEYS_URL",), ("sqlite", "postgres"), "keys.sqlite", "CREWLINE_KEYS_PATH"
        ),
        StateKind("budgets", ("CREWLINE_BUDGETS_URL",), ("sqlite", "postgres"), "resilience.sqlite"),
        StateKind("audit", ("CREWLINE_AUDIT_URL",), ("sqlite", "postgres"), "audit.sqlite"),
        StateKind("store", ("CREWLINE_STORE_URL",), ("memory", "sqlite", "postgres"), "store.sqlite"),
        StateKind(
            "context", ("CREWLINE_CONTEXT_URL",), ("memory", "sqlite", "postgres", "redis"), "context.sqlite"
        ),
        StateKind(
            "ratelimit",
            ("CREWLINE_RATELIMIT_URL", "CREWLINE_REDIS_URL"),
            ("memory", "redis", "postgres", "sqlite"),
            None,
        ),
        # chat-model versions and canaries, and the learned routers' and detectors' versions
        StateKind("models", ("CREWLINE_MODELS_URL",), ("sqlite", "postgres"), "models.sqlite"),
    )
}


def _configured(kind: StateKind) -> str | None:
    for variable in kind.variables:
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    if kind.legacy_path_var:
        path = os.environ.get(kind.legacy_path_var, "").strip()
        if path:
            return f"sqlite:///{Path(path).expanduser().as_posix()}"
    return None


def _check(kind: StateKind, url: str, source: str, label: str | None = None) -> str:
    try:
        target = parse(url)
    except CheckpointerError as exc:
        message = str(exc).replace("checkpointer URL", f"{label or kind.name} URL")
        message = message.replace(SUPPORTED_URLS, STATE_URLS)
        raise StateUrlError(f"{source}: {message}") from None
    if target.kind not in kind.schemes:
        raise StateUrlError(
            f"{source}: {kind.name} cannot live at {redact_url(url)} ({target.kind}); "
            f"supported: {', '.join(kind.schemes)}"
        )
    return url


def configured_state_url(name: str) -> str | None:
    """The URL the environment gives the kind ``name`` (its own variable, else ``CREWLINE_STATE_URL``
    when the kind can live there); ``None`` when it keeps its single-machine default."""
    kind = KINDS[name]
    own = _configured(kind)
    if own is not None:
        return _check(kind, own, "/".join(kind.variables))
    shared = os.environ.get(STATE_VAR, "").strip()
    if shared:
        _check(KINDS["context"], shared, STATE_VAR, "state")  # the widest set: bad for every kind
        if parse(shared).kind in kind.schemes:
            return shared
    return None


def state_url(name: str) -> str:
    """The URL of the kind of state ``name`` (one of :data:`KINDS`), resolved as the module says."""
    return configured_state_url(name) or KINDS[name].default_url()


def state_target(name: str) -> tuple[str, str]:
    """``(kind of backend, redacted URL)`` of ``name``, e.g. ``("postgres", "postgresql://u:***@h/db")``."""
    url = state_url(name)
    return parse(url).kind, redact_url(url)


def state_targets() -> dict[str, tuple[str, str]]:
    """Every kind's backend and redacted URL (for ``crewline health`` and ``/health``)."""
    return {name: state_target(name) for name in KINDS}
