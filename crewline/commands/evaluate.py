"""``crewline eval SUITE ...``: measure a part of crewline on the user's own data; prints JSON.

Each suite is a module with ``add_arguments(parser)`` and ``run(args) -> dict``; its figures are
printed as one JSON object (``--json``) or as a table. Add a suite by appending its module here.
"""

from __future__ import annotations

import argparse
import importlib
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from crewline.settings import CrewlineSettings

__all__ = ["EVAL_SUITES", "register"]

EVAL_SUITES: dict[str, str] = {  # suite name -> module, e.g. "routing": "evals.routing"
    "rag": "evals.rag",
    "routing": "evals.routing",
    "decompose": "evals.decompose",
    "injection": "evals.injection",
    "pii": "evals.pii",
}


def _print(figures: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    table = Table(show_header=False)
    for key, value in figures.items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict | list) else str(value))
    Console().print(table)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("eval", help="evaluate a part of crewline on your data")
    suites = parser.add_subparsers(dest="suite", required=True, metavar="SUITE")
    for name, module_name in EVAL_SUITES.items():
        module = importlib.import_module(module_name)
        suite = suites.add_parser(name, help=(module.__doc__ or name).strip().splitlines()[0])
        module.add_arguments(suite)
        suite.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        suite.set_defaults(handler=_runner(module))


def _runner(module: Any) -> Any:
    def handler(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
        figures: dict[str, Any] = module.run(args)
        _print(figures, args.json)
        return 0

    return handler
