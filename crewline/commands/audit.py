"""``crewline audit verify|list``: check the hash-chained audit log, or print its entries."""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from crewline.memory.operations.audit import open_audit_log
from crewline.settings import CrewlineSettings

__all__ = ["register"]


def cmd_verify(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    result = open_audit_log(args.url).verify()
    if args.json:
        print(json.dumps({"ok": result.ok, "checked": result.checked, "problems": result.problems}))
    elif result.ok:
        print(f"audit log OK: {result.checked} entries, chain intact")
    else:
        print(f"audit log TAMPERED: {len(result.problems)} problem(s) in {result.checked} entries")
        for problem in result.problems:
            print(f"  {problem}")
    return 0 if result.ok else 1


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
    verify = actions.add_parser("verify", help="exit 0 if the chain is intact, 1 if tampered with")
    listing = actions.add_parser("list", help="print entries, oldest first")
    for action in (verify, listing):
        action.add_argument("--url", help="sqlite:///PATH or postgresql://... (default: CREWLINE_AUDIT_URL)")
        action.add_argument("--json", action="store_true", help="JSON output")
    verify.set_defaults(handler=cmd_verify)
    listing.add_argument("--action", help="only this action, e.g. escalation.approval")
    listing.add_argument("--tenant", help="only this tenant")
    listing.add_argument("--limit", type=_positive, help="only the last N entries")
    listing.set_defaults(handler=cmd_list)
