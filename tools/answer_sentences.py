"""Which sentences of the retrieved chunks answer a question: candidates, scores, selection.

Only whole sentences are candidates (:func:`crewline.memory.knowledge.chunking.whole_sentence`): a
passage cut mid-sentence or a line that merely wraps a paragraph never becomes an answer. Among the
candidates, what the question asks decides as much as its words (kinds of value from
:mod:`crewline.tools.question_terms` and :mod:`crewline.tools.answer_kinds`): a sentence holding the
kind of value asked for (a duration, an amount, a time of day, what to do, when something ends) gains as
much as covering a rare question word, and one that only names it as a condition ("if a refund has not
appeared after 10 business days") a third of that, unless the question asks for a deadline. A sentence
that opens by pointing back ("Then report the loss ...", "It appears under ...") says nothing on its
own: it is given with the sentence before it, and one whose predecessor is not there to give (the first
sentence of a chunk, or one after a fragment) is never an answer.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import numpy as np

from crewline.memory.knowledge.chunking import whole_sentence
from crewline.memory.knowledge.embeddings import content_terms
from crewline.memory.knowledge.index import Hit, KnowledgeBase
from crewline.memory.knowledge.sentences import ChunkSentences
from crewline.tools.question_terms import COST_ANSWER, Question

__all__ = ["MAX_SENTENCES", "Sentence", "candidates", "select", "sentence_scores"]

MAX_SENTENCES = 3


@dataclass(frozen=True)
class Sentence:
    hit_rank: int
    start: int  # offsets in the hit's text
    end: int
    text: str
    covered: frozenset[str]  # question terms the sentence itself supports
    heading: frozenset[str]  # question terms in its document title and section
    typed: bool  # holds the kind of value the question asks for (a duration, an amount, a number)
    row: int = 0  # its row among the retrieved chunks' sentence vectors
    # the value asked for is stated, not only a condition ("if it has not arrived after 10 days, ...")
    stated: bool = True

    @property
    def supported(self) -> frozenset[str]:
        return self.covered | self.heading


def candidates(question: Question, hits: list[Hit], read: list[ChunkSentences]) -> list[Sentence]:
    """Every whole sentence of the retrieved chunks, with the question terms it supports.

    A word that asks for a kind of value ("phone", "cost", ...) is supported only by a sentence that
    holds such a value: "change your phone number in the app" does not answer "what's the phone number".
    A fragment (:func:`whole_sentence`) is never a candidate: an answer is whole sentences or nothing.
    """
    sentences = []
    value_words = question.value_terms
    row = -1
    for rank, (hit, chunk) in enumerate(zip(hits, read, strict=True)):
        heading = question.matched(chunk.heading_terms)
        for (start, end), terms in zip(chunk.spans, chunk.terms, strict=True):
            row += 1
            if not whole_sentence(hit.text, start, end):
                continue
            text = hit.text[start:end]
            if "\n" in text:  # a sentence wrapped over lines reads as one line
                text = " ".join(text.split())
            covered = set(question.matched(terms)) - value_words
            typed = stated = False
            for answer, words in question.types:
                if answer.search(text) and (
                    answer is not COST_ANSWER or not words or _prices(text, chunk.heading_terms)
                ):
                    covered |= words
                    typed = True
                    stated = stated or question.asks_deadline or _states(answer, text)
            sentences.append(
                Sentence(rank, start, end, text, frozenset(covered), frozenset(heading), typed, row, stated)
            )
    return sentences


# An amount answers a question naming a price ("fee", "cost", "charge") unless it is a limit or a
# worth: "The daily ATM withdrawal limit is $500", "2,500 points equals $25" hold amounts, not fees.
# A limit or worth word is the tell; a price
# word in the sentence or its section ("Returned payment: $29." under "Other fees") outweighs it.
# Without either, an amount is a price ("Trainers can write a workout plan for you for $40."). A bare
# "how much cash can I take out" names no price: there the limit is the answer.
_PRICE_WORDS = re.compile(r"\b(?:fees?|costs?|costing|charged?|charges|prices?|free|pay|paid)\b", re.I)
_PRICE_TERMS = frozenset(content_terms("fee fees cost costs charge charges price prices"))
_NO_PRICE_WORDS = re.compile(
    r"\b(?:limits?|maximum|minimum|max|min|caps?|up to|at most|at least|equals?|worth|equivalent)\b", re.I
)


def _prices(text: str, heading_terms: frozenset[str]) -> bool:
    return bool(_PRICE_WORDS.search(text) or heading_terms & _PRICE_TERMS or not _NO_PRICE_WORDS.search(text))


# What opens a condition or a restrictive clause: a value inside one is what the sentence is
# conditioned on ("If a refund has not appeared after 10 business days, ask ...", "Balances that
# remain for 6 months are refunded"), not what it states. The clause runs to the next comma.
_CONDITION = re.compile(r"\b(?:if|unless|that|who|whose)\b", re.I)


def _states(answer: re.Pattern[str], text: str) -> bool:
    """Some value ``answer`` finds in ``text`` is stated: not a number inside a condition."""
    opened = [m.end() for m in _CONDITION.finditer(text)]
    commas = [i for i, ch in enumerate(text) if ch == ","]
    for value in answer.finditer(text):
        if not any(ch.isdigit() for ch in value.group()):
            return True  # "free", "no fee": not a threshold
        before = bisect.bisect_right(opened, value.start())
        if not before:  # no condition opens before it
            return True
        # a comma between the last condition's opening and the value closed that condition
        if bisect.bisect_left(commas, value.start()) > bisect.bisect_left(commas, opened[before - 1]):
            return True
    return False


def sentence_scores(
    kb: KnowledgeBase,
    query: str,
    question: Question,
    hits: list[Hit],
    read: list[ChunkSentences],
    sentences: list[Sentence],
    cosines: list[float],
    similarity: float = 0.20,
) -> list[float]:
    """How well each sentence answers: similarity, support, its headings, its chunk's rank, value type.

    ``cosines`` receives each sentence's cosine to the question (the semantic confidence uses them);
    ``similarity`` is the cosine's weight.
    """
    query_vec = kb.embed([query])[0]
    every = (np.vstack([chunk.vectors for chunk in read]) @ query_vec).tolist()  # one per chunk sentence
    cosines[:] = [every[s.row] for s in sentences]
    top = hits[0].score or 1.0
    return [
        similarity * max(0.0, cosine)
        + 0.30 * question.coverage(s.covered)
        + 0.15 * question.coverage(s.heading)
        + 0.10 * question.coverage(s.supported)
        + 0.15 * hits[s.hit_rank].score / top
        + (0.15 if s.typed and s.stated else 0.05 if s.typed else 0.0)
        for s, cosine in zip(sentences, cosines, strict=True)
    ]


def _adjacent(a: Sentence, b: Sentence) -> bool:
    """``a`` and ``b`` are neighbouring sentences of the same chunk."""
    return a.hit_rank == b.hit_rank and (0 < a.start - b.end <= 4 or 0 < b.start - a.end <= 4)


def select(question: Question, sentences: list[Sentence], scores: list[float]) -> list[Sentence]:
    """The best sentence, then up to two more that add coverage or continue it; lists keep their items.
    A sentence pointing back to a predecessor that is not there to give is never chosen; with nothing
    else to choose, nothing is."""
    order = [
        i for i in sorted(range(len(sentences)), key=lambda i: (-scores[i], i)) if not _orphan(sentences, i)
    ]
    if not order:
        return []
    best = scores[order[0]]
    chosen = [order[0]]
    covered = set(sentences[order[0]].supported)
    for i in order[1:]:
        if len(chosen) == MAX_SENTENCES or scores[i] < 0.5 * best:
            break
        s = sentences[i]
        gain = question.coverage(s.supported - covered)
        on_topic = bool(s.covered - question.value_terms)  # names the topic, not only a value
        neighbour = any(_adjacent(s, sentences[j]) for j in chosen)
        if (gain >= 0.1 and scores[i] >= 0.65 * best) or (
            on_topic and neighbour and scores[i] >= 0.75 * best
        ):
            chosen.append(i)
            covered |= s.supported
    for i in list(chosen):  # "...for several reasons:" brings the items that follow
        j = i
        while sentences[j].text.endswith(":") and j + 1 < len(sentences) and len(chosen) < MAX_SENTENCES:
            j += 1
            if not _adjacent(sentences[j], sentences[j - 1]):
                break
            if j not in chosen:
                chosen.append(j)
    return [sentences[i] for i in _with_antecedents(sentences, chosen)]


# A sentence that opens by pointing back ("This takes...", "It appears under...", "Then report the
# loss...") says nothing on its own: the sentence before it names what it is about.
_REFERS_BACK = re.compile(r"^(?:this|that|these|those|it|they|then|otherwise)\b", re.I)


def _orphan(sentences: list[Sentence], i: int) -> bool:
    """``sentences[i]`` points back, and the sentence it points to is not the candidate before it (it
    opens its chunk, or follows a fragment that is no candidate)."""
    return bool(_REFERS_BACK.match(sentences[i].text)) and not (
        i > 0 and _adjacent(sentences[i - 1], sentences[i])
    )


def _with_antecedents(sentences: list[Sentence], chosen: list[int]) -> list[int]:
    """``chosen`` with the sentence before each one that refers back, kept within MAX_SENTENCES. An
    extra sentence that has no room for its predecessor is left out (it does not push out a sentence
    that stands on its own); the best one's predecessor pushes out the lowest-ranked extras (never
    the best sentence or a pair)."""
    out = list(chosen)
    for i in chosen:
        before = i - 1
        if (
            _REFERS_BACK.match(sentences[i].text)
            and before >= 0
            and before not in out
            and _adjacent(sentences[before], sentences[i])
        ):
            if i != chosen[0] and len(out) >= MAX_SENTENCES:
                out.remove(i)
                continue
            out.insert(out.index(i), before)
            pinned = {chosen[0], i, before}
            while len(out) > MAX_SENTENCES:
                extra = next((j for j in reversed(out) if j not in pinned), None)
                if extra is None:
                    break
                out.remove(extra)
    return out
