"""``crewline report``: cost per interaction, containment rate and an ROI estimate, from the audit log."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from crewline.errors import UsageError
from crewline.memory.operations.audit import AuditEntry, open_audit_log
from crewline.memory.operations.report import usage_report
from crewline.settings import CrewlineSettings

__all__ = ["register"]


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.4f}" if abs(value) < 1 else f"${value:,.2f}"


def cmd_report(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    entries = open_audit_log(args.url).entries(tenant_id=args.tenant)
    report = usage_report(
        entries, minutes_saved=args.minutes_saved, hourly_rate=args.hourly_rate, fixed_cost=args.fixed_cost
    )
    if args.html:
        _write_html(args, report.as_dict(), entries)
    versions = _versions(entries)
    if args.json:
        print(json.dumps({**report.as_dict(), "versions": [v.as_dict() for v in versions]}))
        return 0
    rate = "n/a" if report.containment_rate is None else f"{report.containment_rate:.1%}"
    roi = "n/a (no cost recorded)" if report.roi is None else f"{report.roi:.1%}"
    table = Table(
        show_header=False, title="crewline report" + (f" — tenant {args.tenant}" if args.tenant else "")
    )
    for label, value in (
        ("interactions", str(report.interactions)),
        ("answered / escalated / declined / blocked / failed",
         f"{report.answered} / {report.escalated} / {report.declined} / {report.blocked} / {report.failed}"),
        ("containment rate (answered without a human)", rate),
        ("model cost", _money(report.model_cost_usd)),
        ("cost per interaction", _money(report.cost_per_interaction_usd)),
        ("model calls / tokens", f"{report.model_calls} / {report.tokens}"),
        (f"hours saved ({report.minutes_saved_per_interaction:g} min per contained interaction)",
         f"{report.hours_saved:g}"),
        (f"value saved at ${report.hourly_rate_usd:g}/h", _money(report.value_saved_usd)),
        ("net savings", _money(report.net_savings_usd)),
        ("ROI", roi),
        ("feedback up / down", f"{report.feedback_up} / {report.feedback_down}"),
    ):  # fmt: skip
        table.add_row(label, value)
    Console(width=120).print(table)
    if versions:
        _print_versions(versions)
    return 0


def _versions(entries: list[AuditEntry]) -> list[Any]:
    """Per registered model version (crewline models), when the model registry is in use."""
    from crewline.memory.learning.model_registry import open_model_registry
    from crewline.memory.operations.report import version_report
    from crewline.nodes.models.canary import registry_in_use

    if not registry_in_use():
        return []
    return version_report(entries, open_model_registry().threads())


def _print_versions(versions: list[Any]) -> None:
    table = Table("model version", "interactions", "answered / escalated / declined", "containment",
                  "cost per interaction", "model calls", title="per model version")  # fmt: skip
    for v in versions:
        rate = "n/a" if v.containment_rate is None else f"{v.containment_rate:.1%}"
        outcomes = f"{v.answered} / {v.escalated} / {v.declined}"
        table.add_row(f"{v.name}@{v.version}", str(v.interactions), outcomes, rate,
                      _money(v.cost_per_interaction_usd), str(v.model_calls))  # fmt: skip
    Console(width=120).print(table)


def _write_html(args: argparse.Namespace, figures: dict[str, Any], entries: list[AuditEntry]) -> None:
    from crewline.evals.reports.roi import roi_report
    from crewline.evals.reports.usage import interactions

    page = roi_report(figures, interactions(entries), subtitle=f"tenant {args.tenant}" if args.tenant else "")
    try:
        Path(args.html).write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the report {args.html}: {exc.strerror or exc}") from None


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value < float("inf"):  # NaN fails this too
        raise argparse.ArgumentTypeError("must be a finite number ≥ 0")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "report", help="cost per interaction, containment rate and ROI from the audit log"
    )
    parser.add_argument("--tenant", help="only this tenant's interactions")
    for flag, default, meaning in (
        ("--minutes-saved", 6.0, "minutes a person spends on an interaction the crew contains"),
        ("--hourly-rate", 30.0, "cost of an hour of a person's time, USD"),
        ("--fixed-cost", 0.0, "other costs for the period (hosting, licences), USD"),
    ):
        parser.add_argument(
            flag, type=_non_negative, default=default, help=f"{meaning} (default {default:g})"
        )
    parser.add_argument("--url", help="audit log URL (default: CREWLINE_AUDIT_URL or the data directory)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--html",
        metavar="FILE.html",
        help="also write the ROI view (cost per interaction, containment, response time, volume over time)",
    )
    parser.set_defaults(handler=cmd_report)
