"""CLI runs in the audit log, recorded the way the server records its runs.

The server attaches :class:`crewline.graphs.serving.observer.ServingObserver` to every run it admits
(a run whose config metadata names ``crewline_user``): each node's verdicts, the plan, results, tool
calls, escalations, decisions, and one ``interaction.finished`` entry per turn, which is what
``crewline report`` counts. A CLI run gets the same observer on its config, writing to the same audit
log (``CREWLINE_AUDIT_URL`` or the data directory) with the same redaction, so the report and
``crewline audit list`` show CLI turns beside server turns. Its metrics and alert signals go nowhere:
a CLI process ends with its run, and nothing scrapes it.

The actor is ``--user`` when given, else ``cli:<login name>``; CLI runs have no tenant.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from langchain_core.callbacks import BaseCallbackHandler
    from langchain_core.runnables import RunnableConfig

    from crewline.graphs.serving.settings import ServingSettings
    from crewline.memory.operations.audit import AuditLog
    from crewline.memory.operations.metrics import Metrics

__all__ = ["CliRecording", "cli_actor", "recorded", "recording"]


class _Unscraped:
    """Prometheus metrics of a process nobody scrapes: every counter, histogram and label is a no-op."""

    def __getattr__(self, name: str) -> _Unscraped:
        return self

    def labels(self, *values: str) -> _Unscraped:
        return self

    def inc(self, amount: float = 1) -> None:
        return None

    def observe(self, amount: float) -> None:
        return None

    def set(self, value: float) -> None:
        return None


@dataclass
class CliRecording:
    """The observer's services for a CLI process: the audit log and the prices, nothing else."""

    audit: AuditLog
    settings: ServingSettings
    metrics: Metrics = field(default_factory=lambda: cast("Metrics", _Unscraped()))

    def record_alert_signal(self, signal: Any, value: float) -> None:
        return None  # alert rules watch a server's stream of runs, not one command


def cli_actor(user: str | None) -> str:
    """Who a CLI run is recorded as: ``--user``, else the login name (``cli:NAME``)."""
    if user:
        return user
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name (a container without a passwd entry)
        return "cli"


def recording(user: str | None) -> tuple[BaseCallbackHandler, dict[str, Any]]:
    """The callback and the config metadata that make a run recorded: pass both in its config."""
    from crewline.graphs.serving.audit_redaction import redact_for_audit
    from crewline.graphs.serving.observer import ServingObserver
    from crewline.graphs.serving.settings import ServingSettings
    from crewline.memory.operations.audit import open_audit_log

    services = CliRecording(open_audit_log(redactor=redact_for_audit), ServingSettings())
    return ServingObserver(services), {"crewline_user": cli_actor(user)}


def recorded(config: RunnableConfig, user: str | None) -> RunnableConfig:
    """``config`` with the observer attached and the metadata it records by."""
    from crewline.memory.learning.recorder import ExperienceRecorder

    observer, metadata = recording(user)
    # every CLI turn (and the decision that resumes it) also becomes an experience to learn from
    callbacks = [*(config.get("callbacks") or []), observer, ExperienceRecorder()]  # type: ignore[misc]
    return {**config, "metadata": {**(config.get("metadata") or {}), **metadata}, "callbacks": callbacks}
