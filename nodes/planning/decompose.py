"""Clause decomposition: split a compound request into ordered parts, each routable on its own.

Every place two requests could meet is a candidate cut (:mod:`crewline.nodes.planning.cuts`: a sentence
end, a line break or list number, a connective such as "also", "besides" or "after that", "and", a
comma). The segmentation with the highest score wins (dynamic programming over the cuts, so a part's own
"and" or comma is not mistaken for a boundary just because it comes first). A segmentation's score is
the sum of its parts' log route confidence, a prior per cut (``CutPriors``: a sentence end or "and then"
is strong evidence of a new request, a bare comma weak), a penalty for very short parts, one for a part
that continues the previous clause's subject ("I am hungry and need a restaurant") and one for a noun
phrase after "and" or a comma that shares the verb before it ("what's my balance and my credit limit").
A part of one or two words must be routed in scope with at least the threshold's confidence; a longer
part may be out of scope (scored by P(out of scope)) when a sentence end or a linking word sets it off,
and neighbouring parts must go to different routes: "what is my balance and my due date" stays whole,
both halves would go to the same route. The whole text, unsplit, is always a candidate, scored by its
own log confidence. Parts the caller marks as asides (a greeting, "I'm customer C-1001.") may stand
alone anywhere and do not separate two parts of one route.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from crewline.nodes.planning.courtesy import message_body
from crewline.nodes.planning.cuts import STRONG, Cut, clean_part, find_cuts
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
    link: float = 2.5  # a run of connectives: ", and then", "; besides", "on top of that"
    addition: float = 2.5  # "plus", "as well as": as strong, but they set off no out-of-scope part
    question: float = 1.5  # "and" before a question with its own verb: "... and what is ..."
    conjunction: float = 0.5  # and
    clause: float = 0.5  # a comma before a verb and its object: "..., list my invoices"
    # a bare space before the word the message opens with, opening a clause again: "need my balance
    # need my card frozen" (a run-on list: as strong as "and", and no continuation of the clause)
    parallel: float = 0.5
    comma: float = 0.0
    # an auxiliary and its subject after a bare space: "what's my balance is my card frozen" (users
    # who type no punctuation); weaker than a comma, so only routes sure of both halves split there
    run_on: float = 0.0
    short_part: float = -0.5  # per part of fewer than ``short_words`` words ("hey", "stop it")
    short_words: int = 3
    # A later part that starts with a verb lacking its subject continues the previous clause: "I am
    # hungry and need a restaurant". ("and need"/"and want" occur 63 times inside single CLINC150
    # training requests; "need"/"want" start 5 of them.)
    continuation: float = -2.0
    participle: float = -3.0  # ... stronger after a participle: even "and then" does not set it off
    # A later part after "and" or a comma that is a noun phrase without a verb shares the verb before
    # it: "what's my balance and my credit limit" asks one question of two things. Only a router
    # clearly sure of both halves still splits it ("tell me my balance and my card status"). At -1.0
    # halves routed at 0.89 and 0.995 stayed whole ("Tell me my balance, my due date and my card
    # status"); -0.6 splits them with multi_val's and CLINC150 compounds' splits unchanged.
    noun_phrase: float = -0.6
    # A short later question about what came before it ("... and is there a fee", "How long does
    # that take?") asks about that request, not for another one.
    follow_up: float = -1.5
    follow_up_words: int = 5
    # ... and one whose subject or only object is "it"/"that"/"this" ("How long will that take?",
    # "Can you update it?") points back at the request before it even across a sentence end.
    anaphor: float = -5.0
    # ... up to this many words when no infinitive follows and the wh-word asks about "it": "How long
    # does it usually take?" asks about the request before it, "how long does it take to get a new
    # card" is a question of its own
    anaphor_words: int = 8
    # A part nobody handles set off by only "and" or a comma stands alone from this many words and this
    # P(out of scope) when it opens a clause of its own (``_stands_alone``).
    alone_words: int = 4
    alone_confidence: float = 0.6
    aside: float = 0.0  # a part that asks nothing ("Hi,", "I'm customer C-1001."): only its cut counts


DEFAULT_PRIORS = CutPriors()

# ... as does one that opens with a participle, its subject the one before it: "My card was stolen and
# then used at a gas station" ("proceed", "feed" are no participles)
_CONTINUATION = re.compile(r"^(?:need|needs|want|wants|(?![a-z]*eed\b)[a-z]{2,}ed)\b", re.IGNORECASE)
# ... but not after a sentence end: there a past form is a verb whose subject chat drops ("My card
# was stolen. Needed to know ..."), as it is before "to", "if" or a wh-word anywhere ("and wanted to
# know my balance", "wondered what ...").
_NEED_WANT = ("need", "needs", "want", "wants")  # ("need" ends in -ed too)
_PARTICIPLE_VERB = re.compile(r"\s+(?:to|if|whether|what|how|when|where|why|who|which)\b", re.IGNORECASE)
_DETERMINER = re.compile(
    r"^(?:my|the|your|our|his|her|their|its|a|an|any|all|some|this|that|these|those)\b", re.IGNORECASE
)
# Auxiliaries, a few common verbs and past forms: a part with none of them is taken for a noun phrase.
_VERB_CUE = re.compile(
    r"\b(?:is|are|was|were|be|been|am|do|does|did|has|have|had|can|could|will|would|should|may|might"
    r"|must|got|get|gets|keeps?|needs?|wants?|\w+ed)\b|'(?:s|re|ve|ll|d)\b|n't\b",
    re.IGNORECASE,
)
# a question whose subject points back: "is there ...", "how long does it ...", "will that ..."
_FOLLOW_UP = re.compile(
    r"^(?:(?:how|when|what|why|where)(?:\s+(?:long|much|soon|often))?\s+)?"
    r"(?:is|are|does|do|did|will|would|can|could|was|should)\s+(?:it|that|this|there)\b",
    re.IGNORECASE,
)
# "How long will that take?", "when will it arrive", "is that free?": a question about the request
# before it ("is it going to rain" is not: "it" without a wh-word may be no anaphor at all).
_ANAPHOR = re.compile(
    r"^(?:(?:how\s+(?:long|much|soon|often)|when|why)\s+(?:is|are|does|do|did|will|would|can|could|should)"
    r"\s+(?:it|that|this)|(?:is|are|does|do|did|will|would|can|could|was|should)\s+(?:that|this))\b",
    re.IGNORECASE,
)
# ... of which a longer one counts with a wh-word and "it" only: "does this car take diesel" asks
# about a car, "is that card ..." about a card ("this"/"that" may be determiners).
_LONG_ANAPHOR = re.compile(
    r"^(?:how\s+(?:long|much|soon|often)|when|why)\s+(?:is|are|does|do|did|will|would|can|could|should)"
    r"\s+it\b",
    re.IGNORECASE,
)
# ... and, up to ``anaphor_words`` words, a question whose subject is "it"/"that"/"this" doing what a
# request does ("Does it include the late fee?", "How soon does that take effect?", "Will that also
# stop the charges?") or that asks what comes of the request ("What happens next?"). The verbs are a
# closed list: "does this car take diesel", "will it rain" ask about something else.
_POINTS_BACK = re.compile(
    r"^(?:(?:how\s+(?:long|soon|quickly)\s+)?(?:does|did|will|would|can|could|should)\s+(?:it|that|this)"
    r"(?:\s+(?:also|still|really|actually|usually|normally))?\s+(?:include|cover|affect|stop|take|cost|mean"
    r"|apply|change|count|work|happen|show|go|come|leave|reach|appear|arrive|charge|remove|fix|block|cancel"
    r"|go\s+through)\b"
    # (whole: "What happens next with my refund?", "What's next, my balance?" ask about more)
    r"|(?:what\s+happens\s+(?:next|now|then|after(?:\s+that)?)|what(?:['’]s|\s+is)\s+next|what\s+now)"
    r"\s*+[?.!]*+$)",
    re.IGNORECASE,
)
# A part that names its own record ("O-1001", "INV-20042", "C-7") asks about that record, not the
# request before it: "Freeze my card. Does that include a refund for O-1001?"
_IDENTIFIER = re.compile(r"\b[A-Z]{1,4}-\d{2,}\b")
_INFINITIVE = re.compile(r"\bto\s+[a-z]", re.IGNORECASE)  # "does it take to get ...": "it" points ahead
_JOINING = ("conjunction", "comma")  # the cuts a noun phrase may hang off without a verb of its own
_JOINED = ("conjunction", "addition")  # the cuts that join a part to the one before it
_START = "\x00start"  # the key of a segmentation with no request yet (asides only)
_MAX_SPAN = 8  # a part spans at most this many candidate cuts (the whole text is always a candidate)
# What the parts of one message may cost to route. Each cut ends up to _MAX_SPAN candidate parts, each
# routed (20 KB of "C-1001. " made 2,500 cuts, 20,000 routings: 17 s, into 2,500 subtasks), so a
# message is cut at its 40 strongest candidate cuts at most, and in a long message a part spans fewer
# cuts: the candidate parts add up to at most 48,000 characters. No text of the eval files or
# CLINC150 comes near either (38 cuts and 39,547 characters: a 1,282-character help-centre article;
# requests have a dozen cuts at most).
_MAX_CUTS = 40
# ... chosen among its first 400 candidate cuts (ten times as many: the strongest kinds still win
# over a long stretch of weak ones; a message with more is hostile, and reading its every separator
# made a 10 KB one of repeated separators cost 0.1 s of the planner's time)
_SCANNED_CUTS = 10 * _MAX_CUTS
_ROUTED_CHARACTERS = 48_000


@dataclass(frozen=True)
class Clause:
    text: str
    score: RouteScore


_WORD = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")


def _words(text: str) -> int:
    """Words with a letter: a number alone ("89", the "1." of a list) is no request of its own."""
    # (each run of word characters once: "\w*[^\W\d_]\w*" read a run of digits from each of them)
    return sum(1 for word in _WORD.findall(text) if _LETTER.search(word))


def _points_back(text: str, words: int, priors: CutPriors) -> bool:
    """True for a question about the request before it ("How long will that take?", "Does it include
    the late fee?", "What happens next?")."""
    if _IDENTIFIER.search(text):
        return False
    if words <= priors.follow_up_words and _ANAPHOR.match(text):
        return True
    return (
        words <= priors.anaphor_words
        and bool(_LONG_ANAPHOR.match(text) or _POINTS_BACK.match(text))
        and not _INFINITIVE.search(text)
    )


# A clause that asks for something of its own opens with a wh-word, an auxiliary or a verb in the
# imperative ("how many ounces in a cup", "set an alarm for 6 am"), not with a participle that goes on
# with the clause before it ("stolen and then used at a gas station") nor a noun phrase. A short
# phrase set off by a comma may come first, whatever its words: a linking phrase no list holds ("on
# a totally unrelated note, set an alarm", "on the side, recommend me ...").
_OPENS_CLAUSE = re.compile(
    r"(?:[^,.?!\n\d]{1,40},\s*+)?"
    r"(?:(?:what|whats|what's|when|where|why|who|which|how|is|are|was|were|do|does|did|can|could|will"
    r"|would|should)\b"
    r"|(?!(?:my|the|your|our|their|his|her|its|a|an|this|that|these|those|and|or|but|so|if|i|you|we|it"
    r"|they|he|she|for|of|to|in|on|at|with|from|by|as|just|also|then|not|no|yes|ok|okay|thanks|thank)\b)"
    r"[a-z]{2,}(?<!ed)(?<!ing)\s+(?:me|my|the|a|an|your|some|this|that|it|us|them|up|out|\d)\b)",
    re.IGNORECASE,
)


# ... and does not end pointing back at the request before it ("... and send a new one")
_ENDS_POINTING_BACK = re.compile(r"\b(?:it|this|that|one|them)[\s.?!]*$", re.IGNORECASE)
_LEAD_IN = r"(?:[^,.?!\n\d]{1,40},\s*+)?"  # "on the side, ...": a linking phrase no list holds
# ... nor talk about how the request before it is done: a report back to the user ("let me know
# asap", "tell me when it's done", "keep me posted"), an object that points back anywhere ("make it
# sound friendly", "cc them too") or a question whose subject is the user ("should I bring an
# umbrella" asks about the first answer).
_ABOUT_THE_REQUEST = re.compile(
    r"\b(?:let\s+(?:me|us)\s+know|keep\s+(?:me|us)\b|notify\s+(?:me|us)|get\s+back\s+to\s+(?:me|us)|confirm"
    r"|(?:tell|show|text|email|message|ping)\s+(?:me|us)\s+(?:when|if|once|whether|after|as\s+soon)"
    r"|(?:it|them)\b)"
    r"|^" + _LEAD_IN + r"(?:should|shall|do|can|could|must|will|would|may|might|did|am)\s+(?:i|we)\b",
    re.IGNORECASE,
)
# An imperative stands alone only with an indefinite object ("tell me a joke", "set an alarm for 6
# am", "convert 5 miles to km"): a definite one ("summarise the main points", "cc my manager") names
# something of the request before it.
_IMPERATIVE = re.compile(_LEAD_IN + r"[a-z]{2,}\s+(?:(?:me|us)\s+)?(?P<object>\w+)", re.IGNORECASE)
_INDEFINITE = re.compile(r"(?:a|an|some|any|\d+)$", re.IGNORECASE)
_QUESTION_OPENING = re.compile(
    _LEAD_IN
    + r"(?:what|whats|what's|when|where|why|who|which|how|is|are|was|were|do|does|did|can|could|will|would"
    r"|should)\b",
    re.IGNORECASE,
)


def _stands_alone(clause: Clause, priors: CutPriors) -> bool:
    """True for a part nobody handles that is a request of its own however weakly it is set off (after
    "and" or a comma): long enough, sure to be out of scope, and opening a clause ("Freeze my card and
    how many ounces are in a cup"); the route beside it must still be sure of its own part. A part
    about how the request before it is done is no request of its own (``_ABOUT_THE_REQUEST``)."""
    text = clause.text
    if (
        _words(text) < priors.alone_words
        or clause.score.confidence < priors.alone_confidence
        or _OPENS_CLAUSE.match(text) is None
        or _ENDS_POINTING_BACK.search(text, max(0, len(text) - 12)) is not None
        or _ABOUT_THE_REQUEST.search(text) is not None
    ):
        return False
    if _QUESTION_OPENING.match(text):
        return True
    imperative = _IMPERATIVE.match(text)
    return imperative is not None and _INDEFINITE.match(imperative.group("object")) is not None


def _part_score(clause: Clause, after: str, threshold: float, priors: CutPriors) -> float | None:
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
    if after and after != "parallel" and (continues := _CONTINUATION.match(clause.text)):
        if continues.group().lower() in _NEED_WANT:
            gain += priors.continuation
        elif after != "sentence" and not _PARTICIPLE_VERB.match(clause.text, continues.end()):
            gain += priors.participle
    if after in _JOINING and _DETERMINER.match(clause.text) and not _VERB_CUE.search(clause.text):
        gain += priors.noun_phrase
    if after and _points_back(clause.text, words, priors):
        gain += priors.anaphor
    elif after and words <= priors.follow_up_words and _FOLLOW_UP.match(clause.text):
        gain += priors.follow_up
    return gain


def _strongest(cuts: list[Cut], priors: CutPriors) -> list[Cut]:
    """At most ``_MAX_CUTS`` of ``cuts``: the strongest kinds first (sentence ends, links), then the
    earliest, in their order in the text."""
    if len(cuts) <= _MAX_CUTS:
        return cuts
    ranked = sorted(range(len(cuts)), key=lambda index: (-getattr(priors, cuts[index].kind), index))
    return [cuts[index] for index in sorted(ranked[:_MAX_CUTS])]


def _starts(kinds: list[str], span: int) -> list[int]:
    """For each separator j, the first separator a part ending at j may start from: the part holds
    fewer than ``span`` cuts inside it that are no pause ("comma": a comma, colon or dash, which do
    not count, so a label's "So:" does not push a request out of reach) and fewer than ``2 * span``
    in all."""
    starts = [0]
    for j in range(1, len(kinds)):
        i, inside, counted = j - 1, 0, 0
        while i > 0:  # one more: cut i comes inside the part
            inside += 1
            counted += kinds[i] != "comma"
            if counted >= span or inside >= 2 * span:
                break
            i -= 1
        starts.append(i)
    return starts


def _span(bounds: list[tuple[int, int]], kinds: list[str]) -> list[int]:
    """Where a part ending at each cut may start (``_starts``): _MAX_SPAN, or fewer where its
    candidate parts would add up to more than _ROUTED_CHARACTERS."""
    last = len(bounds) - 1
    for span in range(_MAX_SPAN, 1, -1):
        starts = _starts(kinds, span)
        total = sum(
            bounds[j][0] - bounds[i][1]
            for j in range(1, last + 1)
            for i in range(starts[j], j)
            if (i, j) != (0, last)  # the whole text is routed anyway
        )
        if total <= _ROUTED_CHARACTERS:
            return starts
    return _starts(kinds, 1)


def split_request(
    text: str,
    route: Callable[[str], RouteScore],
    *,
    threshold: float = 0.35,
    priors: CutPriors = DEFAULT_PRIORS,
    aside: Callable[[Clause], bool] | None = None,
) -> list[Clause]:
    """Ordered clauses of ``text``, each with its route score (the whole text when it is one).

    ``aside`` marks parts that ask nothing (a greeting, thanks, who the customer is): such a part may
    stand alone whatever its length or route, and is transparent to its neighbours (the parts on
    either side of "Thanks." must still go to different routes). The caller decides what to do with
    it; it is returned like any other clause.
    """
    text = message_body(text.strip())  # "Hi team, ... Kind regards, Anna": no part of any request
    whole = clean_part(text) or text
    cuts = _strongest(find_cuts(text, limit=_SCANNED_CUTS), priors)
    if not cuts:
        return [Clause(whole, route(whole))]
    # Separator j spans text[bounds[j][0]:bounds[j][1]]; the first and last are empty sentinels.
    bounds = [(0, 0), *((c.start, c.end) for c in cuts), (len(text), len(text))]
    gains = [0.0, *(getattr(priors, c.kind) for c in cuts), 0.0]
    kinds = ["", *(c.kind for c in cuts), ""]
    last = len(bounds) - 1
    starts = _span(bounds, kinds)
    cache: dict[tuple[int, int], Clause] = {}
    routed: dict[str, RouteScore] = {}  # a text repeated in one message is routed once

    def part(i: int, j: int) -> Clause:
        if (i, j) not in cache:
            segment = clean_part(text[bounds[i][1] : bounds[j][0]])
            if segment not in routed:
                routed[segment] = route(segment)
            cache[(i, j)] = Clause(segment, routed[segment])
        return cache[(i, j)]

    # best[j][route]: (score, clauses) of the best segmentation of the text before separator j
    # whose last part goes to ``route``.
    best: list[dict[str | None, tuple[float, list[Clause]]]] = [{} for _ in bounds]
    best[0][_START] = (0.0, [])
    for j in range(1, last + 1):
        for i in range(starts[j], j):
            if not best[i]:
                continue
            if i == 0 and j == last:
                continue  # the whole text is scored below
            clause = part(i, j)
            # An aside stands off by itself; after "and" it is the request's own object ("invoices
            # INV-20041 and INV-20042").
            if aside is not None and clause.text and kinds[i] not in _JOINED and aside(clause):
                for key, (score, clauses) in best[i].items():  # the route before it still counts
                    if key not in best[j] or score + priors.aside + gains[j] > best[j][key][0]:
                        best[j][key] = (score + priors.aside + gains[j], [*clauses, clause])
                continue
            gain = _part_score(clause, kinds[i], threshold, priors)  # kinds[0] == "": the first part
            if gain is None:
                continue
            if (
                clause.score.route is None
                and not ((i == 0 or kinds[i] in STRONG) and (j == last or kinds[j] in STRONG))
                and not _stands_alone(clause, priors)
            ):
                continue  # "my balance and my due date": a noun phrase after "and" is no request
            gain += gains[j]  # the cut that ends this part (0 at the end of the text)
            for previous, (score, clauses) in best[i].items():
                if previous == clause.score.route:
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
