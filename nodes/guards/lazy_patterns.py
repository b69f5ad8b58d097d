"""Guard patterns compiled the first time a text needs them, once per process.

The guard tables (injection rules, passage cues, vendor secret formats) hold several hundred
patterns; compiling them at import cost every process that builds a crew some 200 ms, while a
message's words call for a few. Each table keeps its patterns' text and compiles through
:func:`compiled` (``re``'s own cache holds 512 patterns, fewer than the tables, and would evict).
"""

from __future__ import annotations

import re
from functools import cache

__all__ = ["compiled"]


@cache
def compiled(source: str) -> re.Pattern[str]:
    """``source`` compiled, once per process."""
    return re.compile(source)
