"""What a regular expression can match, read from its parsed form: for tests that check a cheap
pre-check in front of a pattern (a length, no white space) never skips a text the pattern matches."""

from __future__ import annotations

import re
import re._parser as sre  # private, but the one parser ``re`` itself compiles from
from typing import Any

__all__ = ["consumes_space", "shortest_match"]

_SPACE_CATEGORIES = ("CATEGORY_SPACE", "CATEGORY_NOT_WORD", "CATEGORY_NOT_DIGIT")


def shortest_match(pattern: re.Pattern[str]) -> int:
    """The fewest characters a match of ``pattern`` spans."""
    return int(sre.parse(pattern.pattern, pattern.flags).getwidth()[0])


def consumes_space(pattern: re.Pattern[str]) -> bool:
    """Whether a match of ``pattern`` can hold a white-space character (lookarounds hold none)."""
    return _items_consume_space(sre.parse(pattern.pattern, pattern.flags))


def _set_holds_space(members: Any) -> bool:
    for kind, value in members:
        kind = str(kind)
        if kind == "NEGATE" or (kind == "LITERAL" and chr(value).isspace()):
            return True
        if kind == "RANGE" and any(chr(c).isspace() for c in range(value[0], value[1] + 1)):
            return True
        if kind == "CATEGORY" and str(value) in _SPACE_CATEGORIES:
            return True
    return False


def _items_consume_space(items: Any) -> bool:
    for op, arg in items:
        name = str(op)
        if name in ("ANY", "NOT_LITERAL") or (name == "LITERAL" and chr(arg).isspace()):
            return True
        if name == "IN" and _set_holds_space(arg):
            return True
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and _items_consume_space(arg[2]):
            return True
        if name in ("SUBPATTERN", "ATOMIC_GROUP") and _items_consume_space(arg[-1]):
            return True
        if name == "BRANCH" and any(_items_consume_space(branch) for branch in arg[1]):
            return True
    return False
