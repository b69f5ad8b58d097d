"""The repository's ``langgraph dev`` test harness, for the benchmarks that probe a real server.

``tests/integration/langgraph_server.py`` is not part of the package: a benchmark that needs it runs
from a checkout, and says so in one line when it is not.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["langgraph_server_harness"]


def langgraph_server_harness(what: str) -> Callable[..., Any]:
    """``langgraph_server(work_dir, ...)`` from the checkout this file lies in (``what`` needs it)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "tests" / "integration" / "langgraph_server.py").is_file():
        raise SystemExit(f"{what} needs a repository checkout (tests/integration/langgraph_server.py)")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    harness: Callable[..., Any] = importlib.import_module(
        "tests.integration.langgraph_server"
    ).langgraph_server
    return harness
