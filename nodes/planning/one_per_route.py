"""One subtask per specialist among neighbours: clauses the semantic stage sends to one route merge.

The decomposer never leaves two neighbouring clauses for one route, but the semantic stage re-scores
clauses after it and an aside between two may be dropped; the planner then merges them into one
subtask over the words they stood in, so the specialist reads "A and also B" as the user wrote it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crewline.nodes.planning.decompose import Clause

__all__ = ["Located", "one_per_route", "spans_in"]


def spans_in(request: str, clauses: Sequence[Clause]) -> list[tuple[int, int] | None]:
    """Where each clause stands in ``request``, found in order (None where its text was changed)."""
    spans: list[tuple[int, int] | None] = []
    at = 0
    for clause in clauses:
        start = request.find(clause.text, at) if clause.text else -1
        if start < 0:
            spans.append(None)
            continue
        at = start + len(clause.text)
        spans.append((start, at))
    return spans


@dataclass(frozen=True)
class Located:
    clause: Clause
    span: tuple[int, int] | None  # where its text stands in the request (None: not found as is)
    linked: bool  # the text before it up to the previous kept clause is what joins them


def one_per_route(request: str, clauses: list[Located]) -> list[Clause]:
    """``clauses`` with neighbours for one specialist merged into one: the decomposer never leaves two
    such neighbours, but the semantic stage re-scores clauses after it ("Freeze my card. | Will I
    still see my transactions?" both card_security) and an aside between two may be dropped. Two
    that stood side by side keep the words that joined them ("A and also B", not "A B"); across a
    dropped aside ("A. Thanks! B") they are joined with a space."""
    merged: list[Located] = []
    for located in clauses:
        clause = located.clause
        before = merged[-1] if merged else None
        route = before.clause.score.route if before is not None else None
        if before is None or route is None or route != clause.score.route:
            merged.append(located)
            continue
        first = before.clause
        surer = first.score if first.score.confidence >= clause.score.confidence else clause.score
        if before.span is not None and located.span is not None and located.linked:
            span = (before.span[0], located.span[1])
            merged[-1] = Located(Clause(request[span[0] : span[1]], surer), span, before.linked)
        else:
            merged[-1] = Located(Clause(f"{first.text} {clause.text}", surer), None, before.linked)
    return [located.clause for located in merged]
