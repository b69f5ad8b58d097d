"""JSON from outside (a CLI flag, a dataset or document file): parsed with a depth limit.

Python's parser recurses once per nesting level, so a deeply nested document (``[[[[...]]]]``) ended
in a ``RecursionError`` traceback with exit code 1. :func:`loads` refuses anything nested deeper than
:data:`MAX_DEPTH` with a :class:`JsonTooDeepError`, a ``json.JSONDecodeError``: every caller that
already reports invalid JSON as one line (exit 2 on the command line) reports this too.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_DEPTH", "JsonTooDeepError", "deeper_than", "loads"]

MAX_DEPTH = 64  # far beyond any input crewline reads, far below the interpreter's recursion limit


class JsonTooDeepError(json.JSONDecodeError):
    """The document nests arrays and objects more than the limit allows."""


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads(text)``, refusing documents nested more than ``max_depth`` levels deep."""
    document = text if isinstance(text, str) else text.decode("utf-8", "replace")
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonTooDeepError(f"nested more than {max_depth} levels deep", document, 0) from None
    if deeper_than(value, max_depth):
        raise JsonTooDeepError(f"nested more than {max_depth} levels deep", document, 0)
    return value


def deeper_than(obj: Any, limit: int) -> bool:
    """True when ``obj`` nests lists and objects more than ``limit`` levels deep (iteratively)."""
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            values = item.values() if isinstance(item, dict) else item
            stack.extend((value, depth + 1) for value in values)
    return False
