"""Circuit breakers per model endpoint and per specialist, persisted so every process sees them.

closed → (``failure_threshold`` consecutive failures) → open → (after ``cooldown_s``) → half_open:
one caller is let through as a probe; its success closes the breaker, its failure opens it again.
While open, callers route around it (the next model in the chain, the offline path) or escalate.
Keys: ``model:<endpoint>|<model name>`` and ``specialist:<name>``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crewline.memory.state.resilience_store import BreakerRow, ResilienceStore, store_at

__all__ = ["BreakerSettings", "BreakerStatus", "CircuitBreakers", "breaker_states", "store_path"]

State = Literal["closed", "open", "half_open"]


class BreakerSettings(BaseModel):
    """The ``models.breaker`` section of a crew spec."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    failure_threshold: int = Field(default=5, ge=1, description="consecutive failures that open it")
    cooldown_s: float = Field(default=30.0, gt=0, description="open this long before a probe")


@dataclass(frozen=True)
class BreakerStatus:
    key: str
    kind: str  # model | specialist
    name: str
    state: State
    consecutive_failures: int
    failures: int
    successes: int
    opened_at: float | None
    retry_in_s: float | None  # open: seconds until a probe is let through
    last_error: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def store_path(data_dir: Path) -> Path:
    return data_dir / "resilience.sqlite"


class CircuitBreakers:
    def __init__(self, settings: BreakerSettings, store: ResilienceStore) -> None:
        self.settings = settings
        self.store = store

    def allow(self, key: str) -> bool:
        """May a call go through now? An open breaker past its cooldown lets exactly one probe in."""
        if not self.settings.enabled:
            return True
        if self.store.breaker_state(key) == "closed":  # the usual case: a read, no write lock
            return True
        now = time.time()
        with self.store.transaction() as conn:
            row = ResilienceStore.breaker(conn, key)
            if row.state == "closed":
                return True
            started = row.probe_started if row.state == "half_open" else row.opened_at
            if started is not None and now - started < self.settings.cooldown_s:
                return False  # still cooling down, or a probe is in flight
            ResilienceStore.put_breaker(conn, _replace(row, state="half_open", probe_started=now))
            return True

    def success(self, key: str) -> None:
        if not self.settings.enabled:
            return
        self.store.breaker_success(key)

    def failure(self, key: str, error: str, hold_s: float | None = None) -> State:
        """Record a failure; returns the state after it.

        ``hold_s`` (a server's long ``Retry-After``) opens the breaker at once until that has passed.
        """
        if not self.settings.enabled:
            return "closed"
        now = time.time()
        with self.store.transaction() as conn:
            row = ResilienceStore.breaker(conn, key)
            consecutive = row.consecutive_failures + 1
            opens = row.state == "half_open" or consecutive >= self.settings.failure_threshold
            if hold_s is not None:
                opens, now = True, now + max(0.0, hold_s - self.settings.cooldown_s)
            state: State = "open" if opens else "closed" if row.state == "closed" else "open"
            ResilienceStore.put_breaker(
                conn,
                _replace(
                    row,
                    state=state,
                    consecutive_failures=consecutive,
                    failures=row.failures + 1,
                    opened_at=now if opens else row.opened_at,
                    probe_started=None,
                    last_error=error[:200],
                ),
            )
        return state

    def status(self) -> list[BreakerStatus]:
        return _statuses(self.store.breakers(), self.settings.cooldown_s)


def _replace(row: BreakerRow, **changes: Any) -> BreakerRow:
    return BreakerRow(**{**asdict(row), **changes})


def _statuses(rows: list[BreakerRow], cooldown_s: float) -> list[BreakerStatus]:
    now = time.time()
    out = []
    for row in rows:
        kind, _, name = row.key.partition(":")
        retry = None
        if row.state == "open" and row.opened_at is not None:
            retry = round(max(0.0, row.opened_at + cooldown_s - now), 1)
        out.append(
            BreakerStatus(
                key=row.key,
                kind=kind,
                name=name,
                state=row.state,  # type: ignore[arg-type]
                consecutive_failures=row.consecutive_failures,
                failures=row.failures,
                successes=row.successes,
                opened_at=row.opened_at,
                retry_in_s=retry,
                last_error=row.last_error,
            )
        )
    return out


def breaker_states(data_dir: Path, cooldown_s: float | None = None) -> list[BreakerStatus]:
    """Every breaker recorded under ``data_dir`` (for ``crewline health`` and metrics exporters)."""
    path = store_path(data_dir)
    if not path.exists():
        return []
    return _statuses(store_at(path).breakers(), cooldown_s or BreakerSettings().cooldown_s)
