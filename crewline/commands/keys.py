"""``crewline keys create|revoke|list``: API keys for the server (stored hashed; shown once)."""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from crewline.errors import UsageError
from crewline.memory.operations.keys import ROLES, KeyStoreError, default_key_store
from crewline.settings import CrewlineSettings

__all__ = ["register"]


def cmd_create(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    try:
        customers = [c for value in args.customer or () for c in value.replace(",", " ").split()]
        key, record = default_key_store().create(
            user_id=args.user, tenant_id=args.tenant, role=args.role, customers=customers
        )
    except KeyStoreError as exc:
        raise UsageError(str(exc)) from None
    print(key)  # alone on stdout, so KEY=$(crewline keys create ...) works
    console.print(
        f"key {record.key_id} for {record.user_id} in {record.tenant_id} (role {record.role}, customers "
        f"{_customers(record.customers)}); it is shown only this once",
        highlight=False,
    )
    return 0


def _customers(bound: tuple[str, ...]) -> str:
    if bound == ("*",):
        return "all of the tenant's"
    return ", ".join(bound) or "none"


def cmd_revoke(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    try:
        record = default_key_store().revoke(args.key_id)
    except KeyStoreError as exc:
        raise UsageError(str(exc)) from None
    console.print(f"revoked key {record.key_id} of {record.user_id} in {record.tenant_id}", highlight=False)
    return 0


def cmd_list(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    keys = default_key_store().list(tenant_id=args.tenant, include_revoked=args.all)
    rows = [
        {
            "key_id": k.key_id,
            "user": k.user_id,
            "tenant": k.tenant_id,
            "role": k.role,
            "customers": list(k.customers),
            "created_at": k.created_at.isoformat(timespec="seconds"),
            "revoked_at": k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else None,
        }
        for k in keys
    ]
    if args.json:
        print(json.dumps(rows))
        return 0
    for row in rows:
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
        bound = " ".join(str(c) for c in row["customers"] or []) or "-"
        who = f"{row['key_id']}  {row['user']}  {row['tenant']}  {row['role']}"
        print(f"{who}  {bound}  {row['created_at']}  {state}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("keys", help="manage API keys for the server")
    keys = parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = keys.add_parser("create", help="create a key; prints it alone on stdout")
    create.add_argument("--user", required=True, help="the user the key authenticates")
    create.add_argument("--tenant", required=True, help="the user's tenant (organisation)")
    create.add_argument("--role", default="user", choices=ROLES, help="user (default), approver or admin")
    create.add_argument(
        "--customer",
        action="append",
        metavar="ID",
        help="a customer the key may act for (repeat, or C-1001,C-1002); a user key without one acts for "
        "nobody; staff keys (approver, admin) act for every customer of their tenant (*)",
    )
    create.set_defaults(handler=cmd_create)
    revoke = keys.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id", help="the key id from `crewline keys list` (or the key itself)")
    revoke.set_defaults(handler=cmd_revoke)
    listing = keys.add_parser("list", help="list keys (ids and owners; never the keys)")
    listing.add_argument("--tenant", help="only this tenant's keys")
    listing.add_argument("--all", action="store_true", help="include revoked keys")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=cmd_list)
