"""``crewline models register | canary | promote | rollback | list``: a crew's (or a specialist's) chat
models as registered versions, rolled out to a share of threads and rolled back (by hand, or
automatically when a canary breaches ``models.rollout`` against the stable version).

``list`` also shows the learned routers ``crewline learn`` keeps (kind ``router``): the one registry
of what a crew runs. Exit codes: 0 done, 2 bad input (an unknown name, a share out of range,
nothing to roll back), 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from rich.console import Console
from rich.table import Table

from crewline.errors import UsageError
from crewline.settings import CrewlineSettings

__all__ = ["register"]


def _check_name(name: str) -> None:
    """``name`` must be a crew crewline can load (a builtin or a spec path's name), and a
    specialist of it when it has one."""
    from crewline.errors import ConfigurationError
    from crewline.graphs import load_spec
    from crewline.memory.learning.model_registry import check_name

    crew, _, specialist = check_name(name).partition("/")
    try:
        spec = load_spec(crew)
    except (ConfigurationError, FileNotFoundError):
        raise UsageError(
            f"unknown crew {crew!r}: name a builtin crew (e.g. support); --force for a crew built in Python"
        ) from None
    names = [s.name for s in spec.specialists]
    if specialist and specialist not in names:
        raise UsageError(f"crew {crew} has no specialist {specialist!r} (specialists: {', '.join(names)})")


def _check_model(text: str, field: str) -> str:
    from crewline.nodes.models.providers import parse_model

    return str(parse_model(text, default_provider="openai", field=field, colon_names=False))


def cmd_register(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.memory.learning.model_registry import open_model_registry

    if not args.force:
        _check_name(args.name)
    model = _check_model(args.model, "--model")
    fallbacks = [_check_model(f, "--fallback") for f in args.fallback or []]
    version = open_model_registry().register(args.name, model, fallbacks)
    print(json.dumps({"name": version.name, "version": version.version, "status": version.status}))
    return 0


def _entry_json(entry: Any) -> str:
    return json.dumps(
        {"name": entry.name, "stable": entry.stable, "canary": entry.canary, "percent": entry.percent}
    )


def cmd_canary(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.memory.learning.model_registry import open_model_registry

    print(_entry_json(open_model_registry().canary(args.name, args.percent, args.version)))
    return 0


def cmd_promote(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.memory.learning.model_registry import open_model_registry

    print(_entry_json(open_model_registry().promote(args.name, args.version)))
    return 0


def cmd_rollback(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.memory.learning.model_registry import open_model_registry

    entry = open_model_registry().rollback(args.name, reason=args.reason)
    assert entry is not None
    print(_entry_json(entry))
    return 0


def _routers() -> list[dict[str, Any]]:
    """The learned artifacts ``crewline learn`` keeps (a crew's router; under it, its injection
    detector), from the shared registry when there is one, else from the data directory."""
    from dataclasses import asdict

    from crewline.memory.learning.registry import BASE, RouterRegistry, learning_root
    from crewline.memory.learning.router_shared import shared_routers

    root = learning_root()
    shared = shared_routers()
    if shared is not None:
        keys = shared.keys()
    else:
        found = [*root.glob("*/registry.json"), *root.glob("*/*/registry.json")] if root.is_dir() else []
        keys = sorted(path.parent.relative_to(root).as_posix() for path in found)
    listed = []
    for key in keys:
        owner, _, name = key.rpartition("/")
        registry = RouterRegistry(name, root / owner) if owner else RouterRegistry(name)
        listed.append(
            {
                "kind": "detector" if owner else "router",
                "name": key,
                "current": registry.current_version() or BASE,
                "versions": [asdict(v) for v in registry.history()],
            }
        )
    return listed


def cmd_list(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
    from crewline.memory.learning.model_registry import open_model_registry

    registry = open_model_registry()
    models = []
    for entry in registry.entries():
        stats = registry.stats(entry.name)
        versions = [
            {
                "version": v.version,
                "model": v.model,
                "fallbacks": list(v.fallbacks),
                "status": v.status,
                "figures": stats[v.version].as_dict() if v.version in stats else {},
            }
            for v in entry.versions
        ]
        events = registry.events(entry.name)
        models.append(
            {"kind": "chat", **json.loads(_entry_json(entry)), "versions": versions, "events": events}
        )
    routers = _routers()
    if args.json:
        print(json.dumps({"models": models, "routers": routers}))
        return 0
    if not models and not routers:
        print("no model versions registered (crewline models register NAME --model PROVIDER:MODEL)")
        return 0
    table = Table(
        "name", "version", "model (fallbacks)", "status", "share", "calls", "errors", "turns", "escal."
    )
    for model in models:
        for v in model["versions"]:
            share = (
                f"{model['percent']:g}%"
                if v["status"] == "canary"
                else (f"{100 - model['percent']:g}%" if v["status"] == "stable" else "")
            )
            f = v["figures"]
            rate = "" if f.get("error_rate") is None else f"{f['error_rate']:.1%}"
            escalated = "" if f.get("escalation_rate") is None else f"{f['escalation_rate']:.1%}"
            chain = v["model"] + (f" ({', '.join(v['fallbacks'])})" if v["fallbacks"] else "")
            table.add_row(
                model["name"], v["version"], chain, v["status"], share, str(f.get("calls", "")), rate,
                str(f.get("interactions", "")), escalated,
            )  # fmt: skip
    for router in routers:
        what = "learned router" if router["kind"] == "router" else "learned injection detector"
        table.add_row(router["name"], router["current"], what, "current", "100%", "", "", "", "")
    Console(width=160).print(table)
    for model in models:
        rollbacks = [e for e in model["events"] if e["action"] == "rollback"]
        if rollbacks:
            print(f"{model['name']}: last rollback {rollbacks[-1]['from']}: {rollbacks[-1]['reason']}")
    return 0


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= 100):
        raise argparse.ArgumentTypeError(f"a percentage in (0, 100], not {text}")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    models = sub.add_parser("models", help="registered chat-model versions: canary, promote, rollback")
    actions = models.add_subparsers(dest="models_command", required=True)
    name_help = "a crew (support) or one of its specialists (support/billing)"

    add = actions.add_parser("register", help="register a version (a name's first is stable at once)")
    add.add_argument("name", help=name_help)
    add.add_argument("--model", required=True, metavar="PROVIDER:MODEL")
    add.add_argument("--fallback", action="append", metavar="PROVIDER:MODEL", help="repeat for several")
    add.add_argument("--force", action="store_true", help="do not check the crew exists (built in Python)")
    add.set_defaults(handler=cmd_register)

    canary = actions.add_parser("canary", help="send a share of threads to a candidate version")
    canary.add_argument("name", help=name_help)
    canary.add_argument("--percent", type=_percent, required=True, help="share of threads, (0, 100]")
    canary.add_argument("--version", help="default: the running canary, else the newest candidate")
    canary.set_defaults(handler=cmd_canary)

    promote = actions.add_parser("promote", help="make the canary (or a version) stable for every thread")
    promote.add_argument("name", help=name_help)
    promote.add_argument("--version", help="default: the canary, else the newest candidate")
    promote.set_defaults(handler=cmd_promote)

    rollback = actions.add_parser("rollback", help="end the canary, or restore the previous stable version")
    rollback.add_argument("name", help=name_help)
    rollback.add_argument("--reason", default="manual rollback")
    rollback.set_defaults(handler=cmd_rollback)

    listing = actions.add_parser("list", help="every registered version with its live figures")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)
