"""What lies before a position of a message: the clause and the sentence it ends, their words.

The decomposer asks, at each candidate cut, whether the clause before it opened a pair ("between X
and Y") and whether a wh-word of the sentence still waits for its auxiliary ("what day did I ...").
Read again from the clause's start for every cut, a long clause made cutting quadratic; ``Behind``
finds the marks and words of the whole text once and bisects them.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cached_property
from itertools import islice

__all__ = ["AUXILIARY", "AUX_AFTER", "WH_WORD", "Behind", "repeated_openings"]

AUXILIARY = r"(?:is|are|was|were|am|do|does|did|can|could|will|would|should|has|have|had)\b"
WH_WORD = re.compile(r"\b(?:what|when|where|why|who|which|how)\b", re.IGNORECASE)
AUX_AFTER = re.compile(r"'(?:s|re|m)\b|\b" + AUXILIARY, re.IGNORECASE)
# A question with no punctuation before it ("what's my balance is my card frozen") starts at an
# auxiliary and its subject, unless the word before it asks or embeds that question ("when is my
# payment due", "tell me if it is", "how long is it").
_EMBEDS = re.compile(
    r"\b(?:what|when|where|why|who|which|how|much|many|long|often|soon|far|if|whether|that|and|or|but|so"
    r"|not|know|tell|ask|me|say|says|said|time|to|you|u|i|we|they|he|she|it"
    # the verbs that take a clause: "what does it look like | i will be paying", "do you think | i can"
    r"|like|think|guess|suppose|mean|believe)$",
    re.IGNORECASE,
)
# An inverted question's auxiliary right after its wh-word waits for its subject: "how long do | i
# need to wait" ("where vancouver is | what is ..." ends a clause; "... do | how do i" asks anew).
_INVERTED = re.compile(
    r"\b(?:what|when|where|why|who|which|how|much|many|long|often|soon|far)\s+"
    r"(?:do|does|did|will|would|can|could|should|is|are|was|were)$",
    re.IGNORECASE,
)
_SUBJECT_AHEAD = re.compile(r"\s*+(?:i|my|you|your|the|it|there|we|they|he|she)\b", re.IGNORECASE)
# "and" completes a pair its clause opened: "between freezing and cancelling", "both the fee and ...".
_PAIRED = re.compile(r"\b(?:between|both)\b", re.IGNORECASE)


class Behind:
    """What lies before a position of one text: found in the whole text once, then bisected.

    Read again from its clause's or sentence's start for every cut, a long clause made cutting
    quadratic ("is my " x 3,300: 1.8 s). The positions asked about are spaces or commas (where a
    separator starts), which no word runs across, so the words found in the whole text are the
    words a search between the clause's start and that position would find.
    """

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def _sentence_marks(self) -> list[int]:
        return [match.start() for match in re.finditer(r"[.?!;\n]", self.text)]

    @cached_property
    def _clause_marks(self) -> list[int]:
        return [match.start() for match in re.finditer(r"[,.;:?!\n]", self.text)]

    @cached_property
    def _wh_words(self) -> tuple[list[int], list[int]]:
        spans = [match.span() for match in WH_WORD.finditer(self.text)]
        return [start for start, _ in spans], [end for _, end in spans]

    @cached_property
    def _auxiliaries(self) -> list[int]:
        return [match.start() for match in AUX_AFTER.finditer(self.text)]

    @cached_property
    def _pairs(self) -> list[int]:
        return [match.start() for match in _PAIRED.finditer(self.text)]

    @staticmethod
    def _after_last(marks: list[int], end: int) -> int:
        """The position after the last mark before ``end`` (0 when there is none)."""
        index = bisect_left(marks, end)
        return marks[index - 1] + 1 if index else 0

    @staticmethod
    def _any_between(positions: list[int], start: int, end: int) -> bool:
        index = bisect_left(positions, start)
        return index < len(positions) and positions[index] < end

    def asked_before(self, end: int) -> bool:
        """True when the auxiliary at ``end`` belongs to the question before it: the word before it
        asks or embeds ("when is it", "tell me if it is"), or a wh-word of this sentence still waits
        for its auxiliary ("what day, month and year did I ...")."""
        if _EMBEDS.search(self.text, max(0, end - 10), end):  # the longest of its words and a space
            return True
        if _SUBJECT_AHEAD.match(self.text, end) and _INVERTED.search(self.text, max(0, end - 16), end):
            return True
        starts, ends = self._wh_words
        last = bisect_right(ends, end) - 1  # the last wh-word before ``end``
        if last < 0 or starts[last] < self._after_last(self._sentence_marks, end):
            return False  # none in this sentence
        return not self._any_between(self._auxiliaries, ends[last], end)

    def paired(self, end: int) -> bool:
        """True when the clause that runs up to ``end`` opened a pair ("between X", "both X")."""
        return self._any_between(self._pairs, self._after_last(self._clause_marks, end), end)


# Words a request does not open with of its own: a message that opens with one of them and uses it
# again is no run-on list ("my card and my PIN", "I think I ...", "the fee for the ...").
_NO_OPENER = frozenset(
    {
        "my",
        "the",
        "your",
        "our",
        "their",
        "his",
        "her",
        "its",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "it",
        "me",
        "and",
        "or",
        "but",
        "so",
        "if",
        "to",
        "in",
        "on",
        "at",
        "for",
        "of",
        "with",
        "from",
        "by",
        "as",
        "not",
        "no",
        "please",
        "hi",
        "hello",
        "hey",
        "ok",
        "okay",
        "oh",
        "um",
        "uh",
        "also",
        "then",
        "just",
        "hmm",
        "well",
        "yes",
        "there",
    }
)
# A request lists a handful of items; the decomposer keeps its 40 strongest cuts of any message, so
# 20 KB of one repeated word need not be read to its end ("x " x 10,000: 10,000 cuts to merge).
_MAX_REPEATS = 40
_OPENING_WORD = re.compile(r"[\W\d_]*+([^\W\d_]+)")
# ... nor is a word that a preposition or a determiner before it makes an object ("the fee for what
# I bought"): only a word that opens a clause of its own repeats the opening.
_BOUND_BEFORE = re.compile(
    r"\b(?:for|of|about|with|on|in|at|from|by|than|like|as|into|onto|over|under|the|a|an|my|your)$",
    re.IGNORECASE,
)


def repeated_openings(text: str) -> list[tuple[int, int]]:
    """The bare spaces before each later use of the word a message opens with, where it opens a
    clause again: "need my balance need my card frozen", "what is my balance what is my due date"
    (parallel requests typed without punctuation)."""
    opening = _OPENING_WORD.match(text)
    if opening is None or opening.group(1).lower() in _NO_OPENER:
        return []
    # a space run's start only ((?<=\w)), and the word with another after it, not "to": "need need"
    # is no list, "how do you learn how to play" one question
    # ("need to report fraud" opens a request as "need my balance" does: only a wh-word before "to"
    # asks how to do something)
    word = opening.group(1)
    # a wh-word opens a question again only with its auxiliary ("what is my balance what is my due
    # date"; "when is my payment due when I'm abroad" is one question)
    ahead = r"[ \t]++[^\W\d_]"
    if WH_WORD.fullmatch(word):
        ahead = rf"(?:[ \t]++(?:much|many|long|often|soon|far))?(?:['’]s\b|[ \t]++{AUXILIARY})"
    again = re.compile(rf"(?<=\w)[ \t]++(?={re.escape(word)}\b{ahead})", re.IGNORECASE)
    behind = Behind(text)
    spans = (
        match.span()
        for match in again.finditer(text, opening.end())
        if not behind.asked_before(match.start())
        and not _BOUND_BEFORE.search(text, max(0, match.start() - 7), match.start())
    )
    return list(islice(spans, _MAX_REPEATS))
