"""Is every sentence of an answer supported by the passages it was given? A lexical, offline check.

A sentence is **supported** when one passage (its title, section and text) holds at least
:data:`MIN_SUPPORT` of the sentence's content words (stemmed, stop words dropped) and *every* number
the sentence states. Answers cite passages with ``[n]`` markers (1-based, into the list of passages
given), and the passages a sentence cites are read first; but the marker does not decide: a sentence
with no marker, or with the wrong number, is supported when another passage supports it, and
``source`` names the passage that does (what the answer should cite). A sentence with no content
words ("Here is what I found.") needs no support. Numbers are checked strictly because a wrong amount
or date is the hallucination that costs most.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from crewline.memory.knowledge.chunking import split_sentences
from crewline.memory.knowledge.embeddings import content_terms

__all__ = ["MIN_SUPPORT", "Passage", "SentenceCheck", "check_answer", "strip_citations"]

MIN_SUPPORT = 0.7
_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Passage:
    title: str
    text: str


@dataclass(frozen=True)
class SentenceCheck:
    sentence: str  # without its markers
    cited: tuple[int, ...]  # 1-based passage numbers the answer gave it
    support: float  # best share of its content words found in one passage
    supported: bool
    reason: str
    source: int | None = None  # the passage that supports it (a cited one first), 1-based


def strip_citations(text: str) -> str:
    return _MARKER.sub("", text).strip()


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _support(terms: set[str], numbers: set[str], passage: Passage) -> tuple[float, set[str]]:
    """The share of ``terms`` the passage holds (held under :data:`MIN_SUPPORT` when a number is
    missing), and the numbers it misses."""
    source = f"{passage.title}\n{passage.text}"
    share = len(terms & set(content_terms(source))) / len(terms) if terms else 1.0
    missing = numbers - _numbers(source)
    return (min(share, MIN_SUPPORT - 0.01) if missing else share), missing


def _check(sentence: str, passages: Sequence[Passage]) -> SentenceCheck:
    cited = tuple(
        int(n) for group in _MARKER.findall(sentence) for n in re.split(r"\s*,\s*", group) if n.strip()
    )
    bare = strip_citations(sentence)
    terms = set(content_terms(bare))
    numbers = _numbers(bare)
    if not terms and not numbers:
        return SentenceCheck(bare, cited, 1.0, True, "no claim to support")
    best, best_n, reason = (
        0.0,
        None,
        "cites no passage" if not cited else "cites a passage that does not exist",
    )
    for n in cited:  # the passages it cites first: with equal support, the citation stands
        if not 1 <= n <= len(passages):
            continue
        share, missing = _support(terms, numbers, passages[n - 1])
        if missing:
            reason = f"[{n}] does not state {', '.join(sorted(missing))}"
        elif share < MIN_SUPPORT:
            reason = f"[{n}] holds only {share:.0%} of its words"
        if share > best:
            best, best_n = share, n
    if best >= MIN_SUPPORT:
        return SentenceCheck(bare, cited, round(best, 3), True, "supported", best_n)
    for n, passage in enumerate(passages, start=1):  # no citation, or a wrong one: any passage may
        share, _ = _support(terms, numbers, passage)
        if share >= MIN_SUPPORT and share > best:
            best, best_n = share, n
    if best >= MIN_SUPPORT:
        why = f"supported by [{best_n}]" + (
            " (no citation given)" if not cited else ", not by the passage cited"
        )
        return SentenceCheck(bare, cited, round(best, 3), True, why, best_n)
    if not cited:
        reason = "no passage supports it"
    return SentenceCheck(bare, cited, round(best, 3), False, reason)


def check_answer(answer: str, passages: Sequence[Passage]) -> list[SentenceCheck]:
    """One check per sentence of ``answer`` (a marker right after a full stop belongs to that sentence)."""
    text = re.sub(r"([.!?])(\s*\[\d+(?:\s*,\s*\d+)*\])", r"\2\1", answer)  # "fee. [1]" -> "fee [1]."
    return [_check(text[start:end], passages) for start, end in split_sentences(text)]
