"""Cuts and the cuts found apart from the separators, merged into them in one pass each.

The separators of :mod:`crewline.nodes.planning.cuts` are found left to right; the separators of an
inline list's items (:mod:`crewline.nodes.planning.list_markers`) and the spaces before a run-on
list's repeated opening word (:func:`crewline.nodes.planning.clause_context.repeated_openings`) are
found on their own, and merged here: both lists are sorted, so each merge is linear.
"""

from __future__ import annotations

from dataclasses import dataclass

from crewline.nodes.planning.clause_context import repeated_openings
from crewline.nodes.planning.list_markers import item_separators

__all__ = ["Cut", "with_items", "with_parallel"]


@dataclass(frozen=True)
class Cut:
    start: int
    end: int
    kind: str


def with_items(text: str, cuts: list[Cut]) -> list[Cut]:
    """``cuts`` with the separators of inline list items (:mod:`list_markers`) as sentence cuts (a lone
    symbol mid-line as a comma); a cut a separator touches ("Item 1: ... . Item 2: ...") merges into
    it, and keeps its own kind where the separator is only a pause ("card. 😢 what ...")."""
    # One pass over both sorted lists (finding each separator's cuts in the whole list made 10,000
    # bullets quadratic: 3.6 s). Cuts do not overlap, so those a separator touches are the last ones
    # kept (a merged cut may reach past the next separator's start) and the next ones to come.
    kept: list[Cut] = []
    waiting = iter(cuts)
    pending = next(waiting, None)
    for start, end, separates in item_separators(text):
        while pending is not None and pending.end < start:
            kept.append(pending)
            pending = next(waiting, None)
        touching = []
        while kept and kept[-1].end >= start:
            touching.append(kept.pop())
        while pending is not None and pending.start <= end:
            touching.append(pending)
            pending = next(waiting, None)
        start = min([start, *(cut.start for cut in touching)])
        end = max([end, *(cut.end for cut in touching)])
        kinds = [cut.kind for cut in touching]
        kind = "sentence" if separates or "sentence" in kinds else (kinds[0] if kinds else "comma")
        kept.append(Cut(start, end, kind))
    if pending is not None:
        kept.append(pending)
    return [*kept, *waiting]


def with_parallel(text: str, cuts: list[Cut]) -> list[Cut]:
    """``cuts`` and a ``parallel`` cut before each clause that opens with the message's opening word
    again ("need my balance need my card frozen"); a run-on cut there becomes one, others stand."""
    spans = repeated_openings(text)
    if not spans:
        return cuts
    merged: list[Cut] = []
    waiting = iter(cuts)  # both lists are sorted and cuts do not overlap: one pass
    pending = next(waiting, None)
    for start, end in spans:
        while pending is not None and pending.end <= start and pending.start != start:
            merged.append(pending)
            pending = next(waiting, None)
        if pending is not None and pending.start == start and pending.kind == "run_on":
            merged.append(Cut(pending.start, pending.end, "parallel"))
            pending = next(waiting, None)
        elif pending is None or pending.start >= end:
            merged.append(Cut(start, end, "parallel"))
    if pending is not None:
        merged.append(pending)
    # a message typed as a run-on list ("what is my balance what is my due date is my card active"):
    # its other run-on questions are items of that list too
    return [
        Cut(cut.start, cut.end, "parallel") if cut.kind == "run_on" else cut for cut in [*merged, *waiting]
    ]
