"""``crewline audit verify|list|anchor``: check the keyed, anchored audit log, print its entries, or
print its signed anchor to keep somewhere an attacker cannot write (``verify --anchor FILE`` checks
the log against it later)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console

from crewline.memory.operations.audit import open_audit_log
from crewline.settings import CrewlineSettings

__all__ = ["register"]


def cmd_verify(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    result = open_audit_log(args.url).verify(anchors=[Path(p) for p in args.anchor or ()])
    if args.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "checked": result.checked,
                    "anchored": result.anchored,
                    "problems": result.problems,
                    "caveat": result.caveat,
                }
            )
        )
    elif result.ok:
        anchored = f", anchored at entry {result.anchored}" if result.anchored else ""
        print(f"audit log OK: {result.checked} entries, chain intact{anchored}")
        if result.caveat:
            print(f"  but {result.caveat}")
    else:  # one line: the first bad entry (problems are ordered by the entry they name)
        more = len(result.problems) - 1
        rest = f" (+{more} more problem{'s' * (more > 1)}: --json lists them)" if more else ""
        print(f"audit log TAMPERED: {result.problems[0]}{rest}")
    return 0 if result.ok else 1


def cmd_anchor(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    anchor = open_audit_log(args.url).anchor()
    if anchor is None:
        print("no anchor yet: the log has no keyed entries written from this data directory")
        return 1
    print(json.dumps(anchor.as_dict()))
    return 0


def cmd_list(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    entries = open_audit_log(args.url).entries(action=args.action, tenant_id=args.tenant)
    entries = entries[-args.limit :] if args.limit else entries
    for entry in entries:
        if args.json:
            print(json.dumps(entry.as_dict(), ensure_ascii=False))
        else:
            print(
                f"{entry.seq:>6}  {entry.ts}  {entry.actor}@{entry.tenant_id or '-'}  {entry.action}  "
                f"{entry.thread_id or '-'}  {entry.detail}"
            )
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("audit", help="the audit trail: verify its hash chain, list entries")
    actions = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="exit 0 if the log is intact, 1 (one line) if tampered with")
    listing = actions.add_parser("list", help="print entries, oldest first")
    anchor = actions.add_parser("anchor", help="print the log's signed anchor (JSON) to keep elsewhere")
    for action in (verify, listing, anchor):
        action.add_argument("--url", help="sqlite:///PATH or postgresql://... (default: CREWLINE_AUDIT_URL)")
    for action in (verify, listing):
        action.add_argument("--json", action="store_true", help="JSON output")
    verify.add_argument(
        "--anchor",
        action="append",
        metavar="FILE",
        help="also check against an anchor exported earlier with `crewline audit anchor` (repeatable)",
    )
    verify.set_defaults(handler=cmd_verify)
    anchor.set_defaults(handler=cmd_anchor)
    listing.add_argument("--action", help="only this action, e.g. escalation.approval")
    listing.add_argument("--tenant", help="only this tenant")
    listing.add_argument("--limit", type=_positive, help="only the last N entries")
    listing.set_defaults(handler=cmd_list)
