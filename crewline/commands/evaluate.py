"""``crewline eval SUITE ...``: measure a part of crewline on the user's own data; prints JSON.

Each suite is a module with ``add_arguments(parser)`` and ``run(args) -> dict``; its figures are
printed as one JSON object (``--json``) or as a table. Add a suite by appending its module here.
"""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from crewline.errors import UsageError
from crewline.settings import CrewlineSettings

__all__ = ["EVAL_SUITES", "register"]

EVAL_SUITES: dict[str, str] = {  # suite name -> module, e.g. "routing": "crewline.evals.routing"
    "rag": "crewline.evals.rag",
    "routing": "crewline.evals.routing",
    "decompose": "crewline.evals.decompose",
    "injection": "crewline.evals.injection",
    "pii": "crewline.evals.pii",
}
_SUITE_HELP = {  # shown by ``crewline eval --help`` without importing every suite
    "rag": "knowledge-base answers: retrieval recall, abstention, answer overlap, latency",
    "routing": "routing: accuracy, out-of-scope recall and precision, latency, fit time",
    "decompose": "compound requests: exact and set match of the ordered routes",
    "injection": "prompt-injection detector: true- and false-positive rates",
    "pii": "PII and secret detector: recall and precision on labelled spans",
}


class _LazySuites(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Imports a suite's module (and adds its arguments) only when that suite is chosen.

    The eval modules import scikit-learn, FAISS and the graphs; loading all five for every
    ``crewline`` command would cost seconds.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        name = values[0] if values else None
        suite = self.choices.get(name) if isinstance(name, str) else None
        if isinstance(suite, argparse.ArgumentParser) and suite.get_default("handler") is None:
            module = importlib.import_module(EVAL_SUITES[str(name)])
            module.add_arguments(suite)
            suite.set_defaults(handler=_runner(module))
        super().__call__(parser, namespace, values, option_string)


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
    suites = parser.add_subparsers(dest="suite", required=True, metavar="SUITE", action=_LazySuites)
    for name in EVAL_SUITES:
        suite = suites.add_parser(name, help=_SUITE_HELP.get(name, name))
        suite.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        suite.add_argument(
            "--report",
            metavar="FILE.html",
            help="also write a self-contained HTML report with plots (the printed figures are unchanged)",
        )


def _runner(module: Any) -> Any:
    def handler(args: argparse.Namespace, settings: CrewlineSettings, console: Console) -> int:
        if getattr(args, "report", None) is None:
            figures: dict[str, Any] = module.run(args)
        else:
            details: dict[str, Any] = {}  # per-example results the report plots
            figures = module.run(args, details)
            _write_report(args, figures, details)
        _print(figures, args.json)
        return 0

    return handler


def _write_report(args: argparse.Namespace, figures: dict[str, Any], details: dict[str, Any]) -> None:
    from crewline.evals.reports.suites import eval_report

    inputs = [
        f"--{name.replace('_', '-')} {value}"
        for name, value in vars(args).items()
        if name not in ("suite", "json", "report", "handler", "command") and isinstance(value, str | Path)
    ]
    html = eval_report(args.suite, figures, details, subtitle=" ".join(inputs))
    try:
        Path(args.report).write_text(html, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the report {args.report}: {exc.strerror or exc}") from None
