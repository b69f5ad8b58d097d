"""Extractive answers with citations, and how confident the knowledge base is that it holds the answer.

The answer is the best-supported one to three sentences of the retrieved chunks, verbatim, each followed
by a ``[n]`` marker pointing into ``sources``; no chat model is involved. Only whole sentences are
candidates (:func:`crewline.memory.knowledge.chunking.whole_sentence`): a passage cut mid-sentence or a
line that merely wraps a paragraph never becomes an answer. What the question asks (its weighted terms,
the words it may be matched by, the kind of value it wants) is :mod:`crewline.tools.question_terms`. The
chunks' sentences (spans, terms, vectors) come from
:meth:`crewline.memory.knowledge.index.KnowledgeBase.sentences`, which reads each chunk once and caches
it, so a query embeds only itself.

The **answer confidence** and its gate are :mod:`crewline.tools.answer_confidence`; which sentences
answer is :mod:`crewline.tools.answer_sentences`.

Retrieval (:func:`retrieve`) searches the question plus the knowledge base's own words for those it
never uses, and ranks with pseudo-relevance feedback (:mod:`crewline.memory.knowledge.feedback`).

**Screened retrieval.** A retrieved passage is text from outside: :func:`screened_search` asks a
:data:`PassageScreen` about each hit in rank order and drops the flagged ones (listed as ``withheld``),
reading further down the ranking until ``k`` usable hits are found, so one poisoned article does not
cost the answer the good ones. The screen itself (the injection detector and phishing cues) belongs to
the guards; this layer only takes it: as an argument, or from :data:`PASSAGE_SCREEN`, which crewline's
tool runners set around every tool call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crewline.memory.knowledge.chunking import whole_sentence
from crewline.memory.knowledge.embeddings import content_terms, embedder_identity
from crewline.memory.knowledge.feedback import feedback_search
from crewline.memory.knowledge.index import Hit, KnowledgeBase
from crewline.memory.knowledge.informal import plain
from crewline.memory.knowledge.phrasal import rewritten
from crewline.memory.knowledge.semantic import SEMANTIC_NAME
from crewline.memory.knowledge.synonyms import GENERIC
from crewline.memory.knowledge.vocabulary import VOCABULARY
from crewline.nodes.guards.vault import PLACEHOLDER
from crewline.tools.answer_confidence import (
    CONFIDENCE_THRESHOLD,
    FEATURES,
    SEMANTIC_FEATURES,
    answer_confidence,
    answer_features,
    section_named,
)
from crewline.tools.answer_kinds import refine
from crewline.tools.answer_sentences import Sentence, candidates, select, sentence_scores
from crewline.tools.passage_screen import PASSAGE_SCREEN, PassageScreen
from crewline.tools.question_terms import Question, question_of, search_text

__all__ = [
    "CONFIDENCE_THRESHOLD",
    "FEATURES",
    "MAX_QUERY_CHARS",
    "NO_ANSWER",
    "PASSAGE_SCREEN",
    "SEMANTIC_FEATURES",
    "TOP_K",
    "Draft",
    "PassageScreen",
    "abstention",
    "answer_confidence",
    "answer_features",
    "answer_question",
    "compose",
    "draft_answer",
    "hit_id",
    "retrieve",
    "screened_search",
    "search_text",
    "whole_sentence",
    "without_placeholders",
]

TOP_K = 6
MAX_QUERY_CHARS = 2000
SNIPPET_CHARS = 600
NO_ANSWER = "The knowledge base has no answer to this question."

# How far down the ranking screened retrieval reads to replace withheld hits (the retriever's
# candidate pool is 50, so the first k of 2k hits are the k hits of a plain search).
SCREEN_DEPTH = 2
# The weight of a sentence's MiniLM cosine to the question when picking the answer sentences (the
# hashing embedder's cosine only counts shared words and weighs 0.20). MiniLM reads a paraphrase the
# lexical terms miss ("shutting my account" ~ "Closing a card"); at 0.20 / 0.40 / 0.60 / 1.0 the help
# centre's dev to fresh4 rounds got 225 / 230 / 233 / 235 of 337 right (fresh5 not run), flat past 0.6.
SEMANTIC_SIMILARITY = 0.60
# What the confidence of an answer missing the kind of value its question requires (an amount, an
# age, a rate: ``Question.required``) is multiplied by: always under the gate (0.55), so the graph
# abstains with the confidence it had, halved, in its reason.
VALUE_MISSING_FACTOR = 0.5
# The share of a question's topic weight (its words but those asking for the value) the sentence
# holding the value must support: on the help centre's dev, held-out, tune7 and tune8 questions that
# ask for a fee, a rate or an age (offline), every right answer's sentence supported 0.54 or more, and
# 20 of the 30 unanswerable ones' 0.38 or less (a value from a neighbouring topic); at 0.55 a held-out
# answer is lost. Not fit on any held-out round.
VALUE_TOPIC_SHARE = 0.45


@dataclass(frozen=True)
class Draft:
    """An extractive answer before the gate: the hits, the chosen sentences, the features, the confidence."""

    query: str
    hits: list[Hit]
    chosen: list[Sentence]
    features: dict[str, float]
    confidence: float
    truncated: bool = False

    def data(self) -> dict[str, Any]:
        return {
            "hits": [hit.to_dict() for hit in self.hits],
            "answer_path": "extractive",
            "query_truncated": self.truncated,
            "threshold": CONFIDENCE_THRESHOLD,
            "features": {k: round(v, 4) for k, v in self.features.items()},
        }


def _is_semantic(kb: KnowledgeBase) -> bool:
    return embedder_identity(kb.embedder)[0] == SEMANTIC_NAME


def _repetitive(query: str) -> bool:
    """A few words said over and over ("run out run out ...", 20 KB of it) ask nothing, though
    their words may name a section ("When credits run out"): at least 50 words, under a tenth distinct."""
    words = query.lower().split()
    return len(words) >= 50 and len(set(words)) * 10 < len(words)


def draft_answer(kb: KnowledgeBase, query: str, k: int = TOP_K, hits: list[Hit] | None = None) -> Draft:
    """Retrieve (unless ``hits`` are given), pick the best sentences and compute the confidence."""
    truncated = len(query) > MAX_QUERY_CHARS
    query = query[:MAX_QUERY_CHARS]
    hits = retrieve(kb, query, k) if hits is None else hits
    vocabulary = VOCABULARY.get()
    asked = rewritten(kb, plain(without_placeholders(query), vocabulary.shorthand), vocabulary.rewrites)
    question = refine(question_of(kb, asked), asked)
    read = kb.sentences(hits) if hits and question.terms else []
    sentences = candidates(question, hits, read) if read and not _repetitive(query) else []
    if not sentences:
        return Draft(query, hits, [], dict.fromkeys(FEATURES, 0.0), 0.0, truncated)
    cosines: list[float] = []
    semantic = _is_semantic(kb)
    weight = SEMANTIC_SIMILARITY if semantic else 0.20
    scores = sentence_scores(kb, asked, question, hits, read, sentences, cosines, weight)
    chosen = select(question, sentences, scores)
    if not chosen:  # every candidate points back to a sentence that is not there
        return Draft(query, hits, [], dict.fromkeys(FEATURES, 0.0), 0.0, truncated)
    features = answer_features(question, hits, sentences, chosen)
    features["sentence_cosine"] = max(0.0, max(cosines))
    features["chosen_cosine"] = max(0.0, max(cosines[sentences.index(s)] for s in chosen))
    features["typed"] = 1.0 if any(s.typed for s in chosen) else 0.0
    # the kind of value asked for is in the answer (1), missing from it (0), or none was asked (0.5)
    features["type_match"] = features["typed"] if question.types else 0.5
    features["heading"] = max(question.coverage(s.heading) for s in chosen)
    features["section_named"] = section_named(question, hits)
    if semantic:  # the best chunk and best sentence cosines, one signal (both MiniLM)
        features["cosine"] = 0.5 * (max(hit.dense for hit in hits) + features["sentence_cosine"])
    confidence = answer_confidence(features, semantic)
    # an answer without the amount, age or rate asked for, on the topic asked about (or without the
    # time something takes), is no answer
    beside = _beside_best(hits, chosen, _topic(kb, question) - GENERIC)
    features["value_missing"] = 0.0 if _holds_required(kb, question, beside) else 1.0
    if features["value_missing"]:
        confidence *= VALUE_MISSING_FACTOR
    return Draft(query, hits, chosen, features, round(confidence, 4), truncated)


# Section words that say a section is about prices or rates ("Costs", "Fee Schedule", "Purchase APR").
_VALUE_SECTION = frozenset(content_terms("fee fees cost costs charge charges price prices rate rates apr"))


def _beside_best(hits: list[Hit], chosen: list[Sentence], topic: frozenset[str]) -> list[Sentence]:
    """The chosen sentences that can state the value asked for: those of the best sentence's passage,
    of a section about prices or rates, and any that support the question's whole ``topic``. A value
    stitched in from a neighbouring section answers another question: "You can remove an authorized
    user at any time" with "There is no fee for authorized user cards" (from "Adding an authorized
    user": no "remove") does not say removing one is free; "Trainers can write a workout plan for you
    for $40." under "Working out alone" does say what a workout plan costs."""
    best = chosen[0].hit_rank

    def about_values(hit: Hit) -> bool:
        return bool(frozenset(content_terms(f"{hit.title} {hit.section}")) & _VALUE_SECTION)

    def on_topic(s: Sentence) -> bool:
        return bool(topic) and topic <= s.supported

    return [s for s in chosen if s.hit_rank == best or about_values(hits[s.hit_rank]) or on_topic(s)]


def _topic(kb: KnowledgeBase, question: Question) -> frozenset[str]:
    """The question's words, other than those asking for a value, that the knowledge base uses (or
    says otherwise): what a sentence stating the value must be about."""
    vocabulary = kb.lexical.vocabulary
    return frozenset(
        t
        for t in question.terms - question.value_terms
        if t in vocabulary or any(a in vocabulary for a in question.alternatives.get(t, ()))
    )


def _holds_required(kb: KnowledgeBase, question: Question, chosen: list[Sentence]) -> bool:
    """A chosen sentence holds a value of the kind the question requires (or none is required), and
    is about what the question asks: it supports :data:`VALUE_TOPIC_SHARE` of the weight of the
    question's other words ("Expedited card delivery: $15" does not answer "is there a fee to lock my
    card"). Words the knowledge base never uses are left out: no sentence can hold them, and they are
    mostly where the asker is ("a fee for my card in Mexico"). A question asking how long something
    takes is not answered by durations that are only conditions ("If you ask for a replacement card
    within 10 days of an address change, we may call you" for "how long does an address change take")."""
    if (
        question.asks_duration
        and any(s.typed for s in chosen)
        and not any(s.typed and s.stated for s in chosen)
    ):
        return False  # its only durations are conditions ("if it has not arrived after 10 days")
    if not question.required:
        return True
    topic = _topic(kb, question)
    total = sum(question.weights[t] for t in topic)
    for s in chosen:
        if any(p.search(s.text) for p in question.required):
            share = sum(question.weights[t] for t in topic & s.supported) / total if total else 1.0
            if share >= VALUE_TOPIC_SHARE:
                return True
    return False


def without_placeholders(query: str) -> str:
    """``query`` without the guards' placeholders for personal values ("[EMAIL_3fa2b9c1]"): they say
    who asks, not what about, and the hex tail was a word no article uses, the question's heaviest
    term. (The knowledge graph strips them before it asks; the plain ``search_knowledge`` tool did not.)"""
    return " ".join(PLACEHOLDER.sub(" ", query).split()) if "[" in query else query


def hit_id(hit: Hit) -> str:
    """The id a source and a withheld passage are cited by."""
    return f"kb:{hit.doc_id}#{hit.chunk_id}"


def retrieve(
    kb: KnowledgeBase, query: str, k: int = TOP_K, filters: Mapping[str, Any] | None = None
) -> list[Hit]:
    """The ``k`` best chunks for ``query``: its words plus the knowledge base's own words for those it
    never uses (:func:`search_text`), ranked with pseudo-relevance feedback
    (:mod:`crewline.memory.knowledge.feedback`) when the knowledge base's embedder matches words (the
    default hashing one). A semantic embedder already matches by meaning: there feedback changed
    nothing on the help centre's dev and held-out questions and cost ClapNQ a point of recall@5."""
    vocabulary = VOCABULARY.get()  # "whats", "dont": stop words, not topics; "run out": "expire"
    query = rewritten(kb, plain(without_placeholders(query), vocabulary.shorthand), vocabulary.rewrites)
    text, wanted = search_text(kb, query), dict(filters) if filters else None
    if _is_semantic(kb):
        return kb.search(text, k, filters=wanted)
    return feedback_search(kb, text, k, filters=wanted)


def screened_search(
    kb: KnowledgeBase,
    query: str,
    k: int = TOP_K,
    screen: PassageScreen | None = None,
    filters: Mapping[str, Any] | None = None,
) -> tuple[list[Hit], list[dict[str, str]]]:
    """The ``k`` best hits ``screen`` lets through, and the withheld ones (``id``, ``title``,
    ``reason``) that ranked above the last hit kept. Without a screen: a plain search."""
    if screen is None:
        return retrieve(kb, query, k, filters), []
    kept: list[Hit] = []
    withheld: list[dict[str, str]] = []
    for hit in retrieve(kb, query, SCREEN_DEPTH * k, filters):
        if len(kept) == k:
            break
        title = f"{hit.title} — {hit.section}" if hit.section else hit.title
        reason = screen(f"{title}\n{hit.text}")
        if reason is None:
            kept.append(hit)
        else:
            withheld.append({"id": hit_id(hit), "title": title, "reason": reason})
    return kept, withheld


def answer_question(
    kb: KnowledgeBase, query: str, k: int = TOP_K, screen: PassageScreen | None = None
) -> dict[str, Any]:
    """Retrieve and compose an extractive, cited answer in the crewline tool result shape.

    ``screen`` (default: :data:`PASSAGE_SCREEN`'s) drops flagged passages before the answer is
    drafted; they are listed under ``withheld``, and an answer with nothing left abstains.
    """
    screen = screen if screen is not None else PASSAGE_SCREEN.get()
    hits, withheld = screened_search(kb, query[:MAX_QUERY_CHARS], k, screen)
    draft = draft_answer(kb, query, k, hits=hits)
    if not draft.chosen or draft.confidence < CONFIDENCE_THRESHOLD:
        result = abstention(draft.data(), draft.confidence)
    else:
        result = compose(draft)
    if withheld:
        result["withheld"] = withheld
    return result


def compose(draft: Draft) -> dict[str, Any]:
    """The tool result of a draft: the chosen sentences with ``[n]`` markers, and their sources."""
    return _compose(draft.hits, draft.chosen, draft.data(), draft.confidence)


def _compose(
    hits: list[Hit], chosen: list[Sentence], data: dict[str, Any], confidence: float
) -> dict[str, Any]:
    ranks = list(dict.fromkeys(s.hit_rank for s in chosen))  # cited chunks, in order of first use
    chosen = sorted(chosen, key=lambda s: (ranks.index(s.hit_rank), s.start))
    parts = [f"{s.text} [{ranks.index(s.hit_rank) + 1}]" for s in chosen]
    sources = []
    for rank in ranks:
        hit = hits[rank]
        cited = [s.text for s in chosen if s.hit_rank == rank]
        snippet = hit.text if len(hit.text) <= SNIPPET_CHARS else " … ".join(cited)
        title = f"{hit.title} — {hit.section}" if hit.section else hit.title
        sources.append({"id": hit_id(hit), "title": title, "snippet": snippet})
    return {"summary": " ".join(parts), "data": data, "sources": sources, "confidence": confidence}


def abstention(data: dict[str, Any], confidence: float) -> dict[str, Any]:
    # "answered": False tells the crew this is an abstention, not an answer to pass on as is.
    return {"summary": NO_ANSWER, "data": data, "sources": [], "confidence": confidence, "answered": False}
