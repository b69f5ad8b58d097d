"""``crewline retention --older-than 30d [--dry-run]``: delete threads, checkpoints, context, tickets.

The checkpoint URL is ``--url``, else ``CREWLINE_CHECKPOINT_URL``, else the crew's persistence URL
(the default SQLite file when it has none); contexts and tickets where the shared-state variables
put them (``--context-url``, ``CREWLINE_CONTEXT_URL``, ``CREWLINE_STATE_URL``, else the data directory).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from rich.console import Console

from crewline.settings import CrewlineSettings

if TYPE_CHECKING:  # persistence backends are imported when the command runs
    from crewline.memory.operations.retention import RetentionReport

__all__ = ["register"]


def _summary(report: RetentionReport, older_than: str) -> str:
    verb = "would delete" if report.dry_run else "deleted"
    return (
        f"{verb} {report.threads} thread(s) with {report.checkpoints} checkpoint(s), "
        f"{report.contexts} context(s) and {report.tickets} ticket(s) older than {older_than} "
        f"(before {report.cutoff.isoformat(timespec='seconds')})"
    )


def cmd_retention(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.graphs import load_spec
    from crewline.memory.checkpoint.checkpointers import checkpointer
    from crewline.memory.operations.retention import apply_retention, parse_age
    from crewline.memory.state.context import context_store
    from crewline.memory.state.tickets import default_ticket_store

    older_than = parse_age(args.older_than)
    url = args.url or settings.checkpoint_url or load_spec(args.crew or settings.crew).persistence.url
    context = context_store(args.context_url)
    try:
        with checkpointer(url) as saver:
            report = apply_retention(
                saver,
                older_than,
                dry_run=args.dry_run,
                context=context,
                tickets=default_ticket_store(),
            )
    finally:
        context.close()
    if args.json:
        print(json.dumps({"older_than": args.older_than, **report.to_dict()}))
    else:
        print(_summary(report, args.older_than))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "retention", help="delete threads, checkpoints, context and tickets past a policy"
    )
    parser.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 30d, 12h, 90m, 2w")
    parser.add_argument("--dry-run", action="store_true", help="count what would be deleted; delete nothing")
    parser.add_argument("--url", help="checkpoint URL (default: CREWLINE_CHECKPOINT_URL or the crew's)")
    parser.add_argument("--context-url", help="context store URL (default: CREWLINE_CONTEXT_URL)")
    parser.add_argument("--crew", help="crew whose persistence URL to use (default: CREWLINE_CREW)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.set_defaults(handler=cmd_retention)
