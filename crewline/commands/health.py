"""``crewline health``: circuit-breaker state per specialist and per model endpoint, today's usage.

Breaker state lives in ``resilience.sqlite`` in the data directory, shared by every process that
runs crews there, or at ``CREWLINE_BUDGETS_URL`` / ``CREWLINE_STATE_URL`` (shared by every host);
this command only reads it, and lists where each kind of shared state lives. Exit code 0 when
every breaker is closed, 3 when one is open or half-open (so scripts and probes can act on it).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from crewline.settings import CrewlineSettings

if TYPE_CHECKING:  # the crew and its model chain are imported when the command runs
    from crewline.nodes.models.breaker import BreakerStatus

__all__ = ["health_report", "register", "render_health"]


def _closed(key: str) -> BreakerStatus:
    from crewline.nodes.models.breaker import BreakerStatus

    kind, _, name = key.partition(":")
    return BreakerStatus(key, kind, name, "closed", 0, 0, 0, None, None, None)


def health_report(crew: str) -> dict[str, Any]:
    """Breakers of ``crew``'s specialists and model endpoints (closed when never tripped), plus any
    other breaker recorded in the data directory, and today's model use per tenant."""
    from crewline.graphs import load_spec
    from crewline.memory.paths import data_dir
    from crewline.memory.shared.checks import shared_setup_warnings
    from crewline.memory.shared.urls import configured_state_url, state_targets
    from crewline.memory.state.resilience_store import store_at
    from crewline.nodes.models.breaker import breaker_states, store_path
    from crewline.nodes.models.factory import make_model_chain

    spec = load_spec(crew)
    directory = data_dir()
    recorded = {s.key: s for s in breaker_states(directory, spec.models.breaker.cooldown_s)}
    chain = make_model_chain(spec.models)
    expected = [f"specialist:{s.name}" for s in spec.specialists]
    expected += [link.key for link in chain.links] if chain else []
    breakers = [recorded.pop(key) if key in recorded else _closed(key) for key in expected]
    breakers += list(recorded.values())
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    usage: dict[str, Any] = {}
    path = store_path(directory)
    if configured_state_url("budgets") or path.exists():
        for scope, counters in store_at(path).usage_rows("tenant:"):
            tenant, _, scope_day = scope.removeprefix("tenant:").rpartition(":")
            if scope_day == day:
                usage[tenant] = {
                    "model_calls": counters.model_calls,
                    "tokens": counters.tokens,
                    "cost_usd": round(counters.cost, 6),
                }
    return {
        "crew": spec.name,
        "model_path": chain is not None,
        "healthy": all(b.state == "closed" for b in breakers),
        "breakers": [b.as_dict() for b in breakers],
        "usage_today": usage,
        "state": {kind: {"backend": backend, "url": url} for kind, (backend, url) in state_targets().items()},
        "state_warnings": shared_setup_warnings(),
    }


_WIDTH = 80  # the view is laid out for an 80-column terminal, whatever the terminal reports
_COLOURS = {"closed": "green", "open": "red", "half_open": "yellow"}


def _state(breaker: dict[str, Any]) -> str:
    state = f"[{_COLOURS.get(breaker['state'], 'white')}]{breaker['state']}[/]"
    if breaker["retry_in_s"] is not None:
        state += f", probe in {breaker['retry_in_s']}s"
    return state


def render_health(report: dict[str, Any], out: Console) -> None:
    """The report in at most 80 columns: a four-column table whose long names wrap instead of being
    cut, then each breaker's last error on its own wrapped lines (a whole error fits no table cell)."""
    from rich.table import Table

    table = Table(title=f"crew {report['crew']}: circuit breakers", title_justify="left", expand=False)
    table.add_column("breaker", overflow="fold", ratio=3)
    table.add_column("state", overflow="fold", ratio=2)
    table.add_column("failures\n(in a row)", justify="right", no_wrap=True)
    table.add_column("successes", justify="right", no_wrap=True)
    errors: list[tuple[str, str]] = []
    for b in report["breakers"]:
        name = f"{b['kind']} {b['name']}"
        table.add_row(name, _state(b), f"{b['failures']} ({b['consecutive_failures']})", str(b["successes"]))
        if b["last_error"]:
            errors.append((name, b["last_error"]))
    out.print(table)
    for name, error in errors:
        out.print(f"[dim]last error of {escape(name)}:[/dim] {escape(error)}", highlight=False)
    if not report["model_path"]:
        out.print("[dim]no model configured: the crew runs on the offline path[/dim]")
    for warning in report.get("state_warnings", ()):
        out.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    for tenant, used in report["usage_today"].items():
        out.print(
            f"tenant {escape(str(tenant))} today: {used['model_calls']} model calls, "
            f"{used['tokens']} tokens, ${used['cost_usd']:.4f}",
            highlight=False,
        )


def cmd_health(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    report = health_report(args.crew or settings.crew)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        render_health(report, Console(width=min(Console().width, _WIDTH)))
    return 0 if report["healthy"] else 3


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    health = sub.add_parser("health", help="circuit breakers per specialist and model endpoint")
    health.add_argument("--crew", help="builtin crew name (support) or a crew spec YAML path")
    health.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    health.set_defaults(handler=cmd_health)
