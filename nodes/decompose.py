"""Clause decomposition: split a compound request into ordered parts, each routable on its own.

Sentences are separate clauses. Within a sentence, the conjunctions ("and", "then", ", also", ...) are
candidate cuts; the segmentation whose parts route most confidently wins, and only when each part is
a real clause (a few words) going confidently to a route other than its neighbour's. "What is my
balance and due date" stays whole: both halves would go to the same route.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from nodes.router import RouteScore

__all__ = ["SPLIT_COST", "Clause", "split_request"]

# Sentence ends and strong separators first, then conjunctions that commonly join two requests.
_SENTENCE = re.compile(r"(?<=[.?!;])\s+")
_CONJUNCTION = re.compile(
    r"\s*(?:,\s*(?:and\s+)?(?:also\s+|then\s+)?|\s+and\s+(?:also\s+|then\s+)?|\s+also\s+|\s+then\s+)(?=\S)",
    re.IGNORECASE,
)
_MIN_WORDS = 3
# Log-probability a cut costs. Negative: a cut earns 0.5 nats, because a compound request's whole
# still routes with high confidence to the route of its most distinctive part, so comparing
# confidences alone would rarely split. Parts must still clear the threshold and differ in route.
SPLIT_COST = -0.5


_LEADING_LINK = re.compile(r"^(?:and|also|then|plus|oh|so)\b[\s,]*(?:also\b[\s,]*)?", re.IGNORECASE)


@dataclass(frozen=True)
class Clause:
    text: str
    score: RouteScore


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _segment_score(score: RouteScore, words: int, threshold: float) -> float | None:
    """log P(route) of a part cut out of a sentence, or None when it cannot stand alone."""
    if words < _MIN_WORDS or score.route is None or score.confidence < threshold:
        return None
    return math.log(max(score.confidence, 1e-9))


def _split_conjunctions(
    sentence: str, route: Callable[[str], RouteScore], threshold: float, split_cost: float
) -> list[Clause]:
    """The most probable segmentation of ``sentence`` at its conjunctions.

    Every way to cut at the candidate conjunctions is scored (dynamic programming over cut points,
    so a part's own "and" or comma is not mistaken for a boundary just because it comes first): the
    sum of each part's log confidence, minus ``split_cost`` per cut. Parts must be real clauses
    routed with confidence, and neighbouring parts must go to different routes (one route, one
    request: "freeze my card and send a new one"). The whole sentence is always a candidate.
    """
    cuts = [(m.start(), m.end()) for m in _CONJUNCTION.finditer(sentence)]
    if not cuts:
        return [Clause(sentence, route(sentence))]
    bounds = [(0, 0), *cuts, (len(sentence), len(sentence))]  # (start, end) of each separator
    cache: dict[tuple[int, int], Clause] = {}

    def part(i: int, j: int) -> Clause:
        if (i, j) not in cache:
            text = sentence[bounds[i][1] : bounds[j][0]].strip()
            cache[(i, j)] = Clause(text, route(text))
        return cache[(i, j)]

    last = len(bounds) - 1
    # best[j][route] = (score, clauses) of the best segmentation of the text before separator j
    # whose last part goes to ``route``.
    best: list[dict[str | None, tuple[float, list[Clause]]]] = [{} for _ in bounds]
    best[0][None] = (0.0, [])
    for j in range(1, last + 1):
        for i in range(j):
            if not best[i]:
                continue
            clause = part(i, j)
            if i == 0 and j == last:
                whole = max(clause.score.confidence if clause.score.route else 0.0, 1e-9)
                candidates = [(math.log(whole), clause)]
            else:
                gain = _segment_score(clause.score, _words(clause.text), threshold)
                if gain is None:
                    continue
                candidates = [(gain - split_cost, clause)]
            for gain, chosen in candidates:
                for previous, (score, clauses) in best[i].items():
                    if clauses and previous == chosen.score.route:
                        continue
                    total = score + gain
                    key = chosen.score.route
                    if key not in best[j] or total > best[j][key][0]:
                        best[j][key] = (total, [*clauses, chosen])
    if not best[last]:
        return [Clause(sentence, route(sentence))]
    return max(best[last].values(), key=lambda item: item[0])[1]


def split_request(
    text: str,
    route: Callable[[str], RouteScore],
    *,
    threshold: float = 0.35,
    split_cost: float = SPLIT_COST,
) -> list[Clause]:
    """Ordered clauses of ``text``, each with its route score.

    Sentences are always separate; within a sentence, ``_split_conjunctions`` decides.
    """
    clauses: list[Clause] = []
    for sentence in _SENTENCE.split(text.strip()):
        # "Also, what are your hours?" is the request "what are your hours?"
        sentence = _LEADING_LINK.sub("", sentence.strip()) or sentence.strip()
        if sentence:
            clauses.extend(_split_conjunctions(sentence, route, threshold, split_cost))
    # A fragment that routes nowhere ("Hi.", "Thanks!") joins its neighbour instead of becoming an
    # out-of-scope subtask of its own.
    merged: list[Clause] = []
    for index, clause in enumerate(clauses):
        fragment = _words(clause.text) < _MIN_WORDS and clause.score.route is None
        if fragment and merged:
            joined = f"{merged[-1].text} {clause.text}"
            merged[-1] = Clause(joined, route(joined))
        elif fragment and index + 1 < len(clauses):
            nxt = clauses[index + 1]
            clauses[index + 1] = Clause(f"{clause.text} {nxt.text}", route(f"{clause.text} {nxt.text}"))
        else:
            merged.append(clause)
    return merged or [Clause(text.strip(), route(text.strip()))]
