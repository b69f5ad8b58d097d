"""Clause decomposition: split a compound request into ordered parts, each routable on its own.

Every place two requests could meet is a candidate cut: a sentence end, a linking word ("also",
"then", "plus"), "and", a comma. The segmentation with the highest score wins (dynamic programming
over the cuts, so a part's own "and" or comma is not mistaken for a boundary just because it comes
first). A segmentation's score is the sum of its parts' log route confidence, a prior per cut
(``CutPriors``: a sentence end or "and then" is strong evidence of a new request, a bare comma weak),
a penalty for very short parts and one for a part that continues the previous clause's subject ("I
am hungry and need a restaurant"). A part of one or two words must be routed in scope with at least
the threshold's confidence; a longer part may be out of scope (scored by P(out of scope)) when a
sentence end or a linking word sets it off, and neighbouring parts must go to different routes: "what is my
balance and my due date" stays whole, both halves would go to the same route. The whole text,
unsplit, is always a candidate, scored by its own log confidence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from crewline.nodes.planning.router import RouteScore

__all__ = ["DEFAULT_PRIORS", "Clause", "CutPriors", "split_request"]


@dataclass(frozen=True)
class CutPriors:
    """Log-score each kind of cut adds to a segmentation (positive: evidence of a boundary).

    Why they differ: in CLINC150's 15,000 single training requests, "also", "then" and sentence
    ends almost never occur inside one request (< 0.3 %), "and" does in 4.5 % and a comma in 6 %.
    The values were chosen on compounds built from a held-out fifth of CLINC150's train split
    (15 kinds of joins, domain and intent routes), not on the validation files.
    """

    sentence: float = 2.5
    link: float = 2.5  # a run of linking words ending in also, then or plus: ", and then"
    conjunction: float = 0.5  # and
    comma: float = 0.0
    short_part: float = -0.5  # per part of fewer than ``short_words`` words ("hey", "stop it")
    short_words: int = 3
    # A later part that starts with a verb lacking its subject continues the previous clause: "I am
    # hungry and need a restaurant". ("and need"/"and want" occur 63 times inside single CLINC150
    # training requests; "need"/"want" start 5 of them.)
    continuation: float = -2.0


DEFAULT_PRIORS = CutPriors()

_KINDS = ("sentence", "link", "conjunction", "comma")
# Alternatives are tried in this order at each position, so ", also" is a link, not a comma.
_CUT = re.compile(
    r"(?P<sentence>(?<=[.?!;])\s+(?:(?:and|also|then|plus)\b,?\s+)*)"
    r"|(?P<link>\s*,?(?:\s+(?:and|also|then|plus)\b)*\s+(?:also|then|plus)\b,?\s*)"
    r"|(?P<conjunction>\s*,?\s+and\s+)"
    r"|(?P<comma>\s*,\s*)",
    re.IGNORECASE,
)
_LEADING_LINK = re.compile(r"^(?:(?:and|also|then|plus|oh|so)\b[\s,]*)+", re.IGNORECASE)
_CONTINUATION = re.compile(r"^(?:need|needs|want|wants)\b", re.IGNORECASE)
_STRONG = ("sentence", "link")  # the cuts an out-of-scope part must be set off by
_MAX_SPAN = 8  # a part spans at most this many candidate cuts (the whole text is always a candidate)


@dataclass(frozen=True)
class Clause:
    text: str
    score: RouteScore


@dataclass(frozen=True)
class _Cut:
    start: int
    end: int
    kind: str


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _clean(text: str) -> str:
    """A part's text without the linking word it starts with: "Also, what are your hours?"; empty
    when there is nothing else ("and")."""
    return _LEADING_LINK.sub("", text.strip().rstrip(",").strip()).strip()


def _cuts(text: str) -> list[_Cut]:
    cuts: list[_Cut] = []
    for match in _CUT.finditer(text):
        if match.start() > 0 and match.end() < len(text):  # a cut needs text on both sides
            kind = next(k for k in _KINDS if match.group(k) is not None)
            cuts.append(_Cut(match.start(), match.end(), kind))
    return cuts


def _part_score(clause: Clause, first: bool, threshold: float, priors: CutPriors) -> float | None:
    """Log-score of a part cut out of the text, or None when it cannot stand alone."""
    words = _words(clause.text)
    if words == 0:
        return None
    if clause.score.route is None and words < priors.short_words:
        return None  # "ok", "thanks!": too short to be a request of its own that nobody handles
    # For an out-of-scope part the confidence is P(out of scope): "what's the weather in Paris" is a
    # request of its own, which escalation answers, not noise to glue onto its neighbour.
    gain = math.log(max(clause.score.confidence, 1e-9))
    if words < priors.short_words:
        # A fragment ("please", "help!") stands alone only when the router is sure of it. Longer
        # parts need no floor: their log confidence is already in the score, and with many routes
        # even a clear request's confidence can sit below the planner's threshold.
        if clause.score.confidence < threshold:
            return None
        gain += priors.short_part
    if not first and _CONTINUATION.match(clause.text):
        gain += priors.continuation
    return gain


def split_request(
    text: str,
    route: Callable[[str], RouteScore],
    *,
    threshold: float = 0.35,
    priors: CutPriors = DEFAULT_PRIORS,
) -> list[Clause]:
    """Ordered clauses of ``text``, each with its route score (the whole text when it is one)."""
    text = text.strip()
    whole = _clean(text) or text
    cuts = _cuts(text)
    if not cuts:
        return [Clause(whole, route(whole))]
    # Separator j spans text[bounds[j][0]:bounds[j][1]]; the first and last are empty sentinels.
    bounds = [(0, 0), *((c.start, c.end) for c in cuts), (len(text), len(text))]
    gains = [0.0, *(getattr(priors, c.kind) for c in cuts), 0.0]
    kinds = ["", *(c.kind for c in cuts), ""]
    last = len(bounds) - 1
    cache: dict[tuple[int, int], Clause] = {}

    def part(i: int, j: int) -> Clause:
        if (i, j) not in cache:
            segment = _clean(text[bounds[i][1] : bounds[j][0]])
            cache[(i, j)] = Clause(segment, route(segment))
        return cache[(i, j)]

    # best[j][route]: (score, clauses) of the best segmentation of the text before separator j
    # whose last part goes to ``route``.
    best: list[dict[str | None, tuple[float, list[Clause]]]] = [{} for _ in bounds]
    best[0][None] = (0.0, [])
    for j in range(1, last + 1):
        for i in range(max(0, j - _MAX_SPAN), j):
            if not best[i]:
                continue
            if i == 0 and j == last:
                continue  # the whole text is scored below
            clause = part(i, j)
            gain = _part_score(clause, i == 0, threshold, priors)
            if gain is None:
                continue
            if clause.score.route is None and not (
                (i == 0 or kinds[i] in _STRONG) and (j == last or kinds[j] in _STRONG)
            ):
                continue  # "my balance and my due date": a noun phrase after "and" is no request
            gain += gains[j]  # the cut that ends this part (0 at the end of the text)
            for previous, (score, clauses) in best[i].items():
                if clauses and previous == clause.score.route:
                    continue  # one route, one request: "freeze my card and send a new one"
                key = clause.score.route
                if key not in best[j] or score + gain > best[j][key][0]:
                    best[j][key] = (score + gain, [*clauses, clause])
    unsplit = Clause(whole, route(whole))
    unsplit_score = math.log(max(unsplit.score.confidence, 1e-9))
    if not best[last]:
        return [unsplit]
    score, clauses = max(best[last].values(), key=lambda item: item[0])
    return clauses if score > unsplit_score else [unsplit]
