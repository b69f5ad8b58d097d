"""Is every sentence of an answer supported by the chunk it cites? A lexical, offline check.

An answer cites its sources with ``[n]`` markers (1-based, into the list of passages it was given). A
sentence is **supported** when it cites at least one passage and one of the cited passages (its
title, section and text) holds at least :data:`MIN_SUPPORT` of the sentence's content words
(stemmed, stop words dropped) and *every* number the sentence states. A sentence with no content words
("Here is what I found.") needs no citation. Numbers are checked strictly because a wrong amount or
date is the hallucination that costs most.
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
    cited: tuple[int, ...]  # 1-based passage numbers
    support: float  # best share of its content words found in a cited passage
    supported: bool
    reason: str


def strip_citations(text: str) -> str:
    return _MARKER.sub("", text).strip()


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _check(sentence: str, passages: Sequence[Passage]) -> SentenceCheck:
    cited = tuple(
        int(n) for group in _MARKER.findall(sentence) for n in re.split(r"\s*,\s*", group) if n.strip()
    )
    bare = strip_citations(sentence)
    terms = set(content_terms(bare))
    numbers = _numbers(bare)
    if not terms and not numbers:
        return SentenceCheck(bare, cited, 1.0, True, "no claim to support")
    if not cited:
        return SentenceCheck(bare, cited, 0.0, False, "cites no passage")
    best, reason = 0.0, "cites a passage that does not exist"
    for n in cited:
        if not 1 <= n <= len(passages):
            continue
        passage = passages[n - 1]
        source = f"{passage.title}\n{passage.text}"
        share = len(terms & set(content_terms(source))) / len(terms) if terms else 1.0
        missing = numbers - _numbers(source)
        if missing:
            reason = f"[{n}] does not state {', '.join(sorted(missing))}"
            share = min(share, MIN_SUPPORT - 0.01)
        elif share < MIN_SUPPORT:
            reason = f"[{n}] holds only {share:.0%} of its words"
        if share > best:
            best = share
    supported = best >= MIN_SUPPORT
    return SentenceCheck(bare, cited, round(best, 3), supported, "supported" if supported else reason)


def check_answer(answer: str, passages: Sequence[Passage]) -> list[SentenceCheck]:
    """One check per sentence of ``answer`` (a marker right after a full stop belongs to that sentence)."""
    text = re.sub(r"([.!?])(\s*\[\d+(?:\s*,\s*\d+)*\])", r"\2\1", answer)  # "fee. [1]" -> "fee [1]."
    return [_check(text[start:end], passages) for start, end in split_sentences(text)]
