"""The ``crewline`` command line.

Errors are one line on stderr with a non-zero exit (2 for bad input, 1 for anything else); a
traceback only with ``CREWLINE_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from rich.console import Console

from crewline.commands import COMMAND_MODULES
from crewline.errors import ConfigurationError
from crewline.settings import CrewlineSettings

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crewline", description="Run multi-agent crews on LangGraph.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(stderr=True, soft_wrap=True)
    try:
        settings = CrewlineSettings()
    except ValidationError as exc:  # a bad CREWLINE_* variable: one line, not pydantic's report
        first = exc.errors()[0]
        print(f"crewline: error: CREWLINE_{str(first['loc'][0]).upper()}: {first['msg']}", file=sys.stderr)
        return 2
    try:
        code: int = args.handler(args, settings, console)
        return code
    # Bad input: a bad flag, crew spec, persistence URL or file (ConfigurationError and its subclasses).
    except (ConfigurationError, FileNotFoundError) as exc:
        print(
            f"crewline: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("crewline: interrupted; the thread keeps its last checkpoint", file=sys.stderr)
        return 130
    except Exception as exc:  # one line, never a traceback, unless debugging
        if settings.debug:
            raise
        print(f"crewline: error: {type(exc).__name__}: {_first_line(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
