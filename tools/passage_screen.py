"""The screen a retrieval tool applies to each passage it returns, set around every tool call.

Its own module, imported by the code that runs tools (:mod:`crewline.nodes.tool_screen`) and by
the knowledge tool's answering (:mod:`crewline.tools.answering`, which re-exports both names):
running tools must not import the knowledge index, BM25 and SciPy with it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

__all__ = ["PASSAGE_SCREEN", "PassageScreen"]

PassageScreen = Callable[[str], str | None]
"""``screen(passage text)``: ``None`` when the passage may be used, else the reason it may not."""

PASSAGE_SCREEN: ContextVar[PassageScreen | None] = ContextVar("crewline_passage_screen", default=None)
"""The screen of the tool call running now (set by the code that runs tools; ``None``: no screen)."""
