"""Where two requests could meet in a message: candidate cuts for the decomposer, and part cleaning.

A cut is a separator — a sentence end, a line break (with the bullet or number that opens the next
line), an inline list number ("1. ... 2. ..."), "and", a comma or dash — optionally followed by a run
of discourse connectives that introduce the next request. The connectives are English's closed
class of additive and sequencing ones (the Penn Discourse Treebank's explicit connectives of the
Expansion.Conjunction, Temporal.Asynchronous and List senses: "also", "besides", "moreover", "in
addition", "then", "afterwards", "finally", ordinals) and the prepositions that point back at the
request before them ("after that", "on top of that", "apart from this"); a message may also be
opened by an aside ("by the way", "oh"). Connectives that are ordinary words elsewhere ("my *next*
payment", "the *first* charge") count only where a clause starts: after punctuation, a line break or
"and".

A cut's *kind* is the strongest evidence it holds: ``sentence`` (sentence end, line break, list
number), ``link`` (a connective), ``addition`` (only "plus" or "as well as", which join noun phrases
as often as requests), ``conjunction`` ("and"), ``comma`` (comma or dash).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["KINDS", "STRONG", "Cut", "clean_part", "find_cuts"]

KINDS = ("sentence", "link", "addition", "conjunction", "comma")
STRONG = ("sentence", "link")  # the cuts an out-of-scope part must be set off by

_ANAPHOR = r"(?:that|this|those)(?!\s+ones?\b)"  # "after this one" is a song, not a request
# Introduce the next request wherever they stand (after a bare space too): rarely anything else.
_FREE = (
    r"also|then|plus|additionally|moreover|furthermore|afterwards?|thereafter|subsequently|likewise"
    r"|as\s+well\s+as|in\s+addition(?:\s+to\s+"
    + _ANAPHOR
    + r")?|on\s+top\s+of\s+"
    + _ANAPHOR
    + r"|(?:after|besides|apart\s+from|aside\s+from|other\s+than|beyond|following)\s+"
    + _ANAPHOR
    + r"|while\s+you(?:'re|\s+are)\s+(?:at|on)\s+it"
)
# Words that start a clause and nothing else (pronouns, wh-words, auxiliaries, "please"): after one
# of them an ordinal is a connective ("next, can you ...", "second I want ..."), not an adjective.
_CLAUSE_START = (
    r"(?:i|you|we|they|it|my|please|what|what's|when|where|how|why|who|which|is|are|was|were|do|does"
    r"|did|has|have|had|can|could|would|will|should|may)\b"
)
# Introduce a request only where a clause starts (after punctuation, a line break or "and").
_OPENING = (
    r"besides|finally|lastly|firstly|secondly|thirdly|last\s+but\s+not\s+least|by\s+the\s+way|btw|oh"
    r"|one\s+more\s+thing|another\s+thing|separately|and"
    rf"|(?:first|second|third|fourth|fifth|next|last)(?=\s*[,:;.)—–-]|\s+{_CLAUSE_START})"
)
# A list item's opening: "-", "*", "•", "1.", "2)", "(3)", "4 -", "Step 5:"; inline, numbers only.
_NUMBER = r"(?:\(?\d{1,2}[.)]|\(\d{1,2}\)|step\s*\d{1,2}\s*[:.)–—-]?)"
# a number marker needs a space after it: "3.5% fee" and "10:30 tomorrow" open with no marker
_MARKER = rf"(?:[-*•·–—]\s*|(?:{_NUMBER}|\d{{1,2}}\s*[:–—-])\s+)"
_GAP = r"[\s,:;—–-]*"
_LINK_RUN = re.compile(rf"(?:(?:{_FREE}|{_OPENING})\b{_GAP})+", re.IGNORECASE)
_FREE_RUN = re.compile(rf"(?:{_FREE})\b{_GAP}(?:(?:{_FREE}|{_OPENING})\b{_GAP})*", re.IGNORECASE)
# Separators, strongest first where two could start at one position.
_SEPARATOR = re.compile(
    rf"(?P<line>[ \t]*(?:\r?\n[ \t]*)+(?:{_MARKER})?)"
    rf"|(?P<number>\s+{_NUMBER}\s+)"  # inline list numbers: "1. this 2. that"
    r"|(?P<sentence>\s*;\s*|(?<=[.?!])\s+|(?<=[?!])(?=[A-Za-z]))"
    r"|(?P<conjunction>\s*,?\s+and\s+)"
    r"|(?P<comma>\s*,\s*|\s+[—–-]{1,2}\s+)"
    rf"|(?P<bare>\s+)(?=(?:{_FREE})\b)",
    re.IGNORECASE,
)
_KIND = {"line": "sentence", "number": "sentence"}
# Connectives that join noun phrases as often as requests ("my balance as well as my due date"): as
# strong a cut as any link, but they do not set off a part nobody handles.
_NOUN_JOINERS = re.compile(rf"(?:(?:plus|as\s+well\s+as)\b{_GAP})+", re.IGNORECASE)
_LEADING = re.compile(rf"^(?:(?:{_MARKER}|(?:{_FREE}|{_OPENING}|so)\b){_GAP})+", re.IGNORECASE)
_TRAILING = re.compile(r"[\s,;:—–-]+$|\s+and$", re.IGNORECASE)


@dataclass(frozen=True)
class Cut:
    start: int
    end: int
    kind: str


def find_cuts(text: str) -> list[Cut]:
    """Every candidate cut of ``text`` with text on both sides, in order, not overlapping."""
    cuts: list[Cut] = []
    at = 0
    while (match := _SEPARATOR.search(text, at)) is not None:
        group = match.lastgroup or "bare"
        kind, end = _KIND.get(group, group), match.end()
        # after "and" or a bare space only a connective that is one wherever it stands counts
        run = (_FREE_RUN if group in ("bare", "conjunction") else _LINK_RUN).match(text, end)
        if run is not None and run.end() > end:
            joins_nouns = _NOUN_JOINERS.fullmatch(text, end, run.end()) is not None
            end = run.end()
            kind = kind if kind in STRONG else "addition" if joins_nouns else "link"
        standing = group != "bare" or end > match.end()  # a bare space is a cut only before a connective
        if standing and match.start() > 0 and end < len(text):
            cuts.append(Cut(match.start(), end, kind))
        at = max(end, match.start() + 1)  # an empty cut ("?" then a letter) must not match again
    return cuts


def clean_part(text: str) -> str:
    """A part's text without the list marker or connectives it opens with and the punctuation or
    "and" it ends with: "Also, what are your hours?"; empty when nothing else is left ("and")."""
    text = _LEADING.sub("", text.strip()).strip()
    return _TRAILING.sub("", text).strip()
