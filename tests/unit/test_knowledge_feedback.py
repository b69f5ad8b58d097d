"""Retrieval with pseudo-relevance feedback and the answer kinds a question's shape asks for (issue 16).

A small hand-written help centre (not the demo's articles), offline (hashing embedder).
"""

from __future__ import annotations

import pytest

from crewline.memory.knowledge.bm25 import BM25Index
from crewline.memory.knowledge.embeddings import content_terms
from crewline.memory.knowledge.feedback import GENERIC_SHARE, ORIGINAL_SHARE, expanded_query, feedback_search
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document
from crewline.memory.knowledge.synonyms import alternatives
from crewline.tools.answering import draft_answer, retrieve
from tests.support.knowledge import CountingEmbedder, small_kb

ARTICLES = [
    Document(
        "family",
        "# Family plans\n\n## Members\n\nFamily members on a membership share its benefits. A family "
        "membership holds 5 members at most.\n",
    ),
    Document(
        "applying",
        "# Applying\n\n## Decisions\n\nApplications need a photo ID and a proof of address. Most are "
        "decided within 30 seconds.\n",
    ),
    Document(
        "abroad",
        "# Travelling\n\n## Help abroad\n\nMembers abroad can use the app in any language. From abroad, "
        "call collect at +1-555-010-2000.\n",
    ),
    Document(
        "fees",
        "# Late fees\n\n## Late fee\n\nWe can waive the late fee once a year. The late fee is $25.\n",
    ),
    Document(
        "payments",
        "# Payments\n\n## Crediting\n\nPayments made on a business day are credited the same day. "
        "Payments made on weekends are credited the next business day.\n",
    ),
    Document(
        "guests",
        "# Guest passes\n\n## Visitors\n\nA visitor may enter the gym with a guest pass and a member.\n\n"
        "## Guest pass prices\n\nEach guest pass costs $10 and is valid for one day.\n",
    ),
    Document(
        "texts",
        "# Text reminders\n\n## Reminders by text\n\nClass reminders by text are sent a day ahead. "
        "The gym does not charge for text reminders, but your carrier may. Text reminders sent to a "
        "number abroad are relayed by a partner that bills $1 each.\n",
    ),
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return small_kb(tmp_path_factory, ARTICLES)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # "how many" asks for a count, not for the sentence that repeats the question's words
        ("How many family members can a membership have?", "holds 5 members"),
        # "how quickly" is answered in seconds too
        ("How quickly do I hear back on applications?", "within 30 seconds"),
        # "I'm calling from ..." asks for a phone number
        ("Calling from abroad, what should I use?", "+1-555-010-2000"),
        # a yes/no question doing something to a fee is about the fee, not its amount
        ("Can you forgive the late fee?", "waive the late fee"),
        # a day of the week is a weekend day (everyday English)
        ("If I pay on a Sunday, when is it credited?", "on weekends"),
        # a yes/no question about a cost is answered by "does not charge" as well as by an amount
        ("Do you charge for text reminders?", "does not charge for text reminders"),
    ],
)
def test_the_sentence_of_the_kind_asked_for_answers(kb: KnowledgeBase, question: str, answer: str) -> None:
    best = draft_answer(kb, question).chosen[0].text  # the best sentence (the gate is tested elsewhere)
    assert answer in best, best


def test_generic_words_weigh_less_and_feedback_terms_come_from_the_first_hits(kb: KnowledgeBase) -> None:
    first = kb.search("what happens with a visitor", 1)
    weights = expanded_query(kb, "what happens with a visitor", first)
    assert weights["visitor"] == pytest.approx(weights["happen"] / GENERIC_SHARE)
    assert sum(weights[t] for t in ("visitor", "happen")) == pytest.approx(ORIGINAL_SHARE)
    assert {"guest", "pass", "gym"} <= set(weights)  # the first hit's own words
    assert sum(weights.values()) == pytest.approx(1.0)


def test_retrieval_keeps_each_hit_scored_by_the_question_itself(kb: KnowledgeBase) -> None:
    # feedback only reorders: the scores a hit carries (what the confidence reads) are the question's
    plain = {hit.chunk_id: hit.score for hit in kb.search("what does a visitor cost", 10)}
    for hit in retrieve(kb, "what does a visitor cost", 3):
        assert hit.score == plain[hit.chunk_id]


def test_weighted_bm25_ranks_by_the_weights_and_reads_a_row_back() -> None:
    index = BM25Index.empty().with_rows(
        __import__("numpy").zeros(0, bool), [["guest", "pass"], ["visitor", "gym"], ["gym"]]
    )
    scores = index.weighted_scores({"visitor": 1.0, "guest": 0.1, "unknown": 5.0})
    assert scores.argmax() == 1 and scores[0] > 0 and scores[2] == 0
    assert index.row_terms(1) == {"visitor": 1.0, "gym": 1.0}


def test_a_question_naming_a_sections_heading_is_seen_by_the_confidence(kb: KnowledgeBase) -> None:
    # the section's own heading ("Guest pass prices"), all named; then none of a top section's
    assert draft_answer(kb, "what are the prices of a guest pass?").features["section_named"] == 1.0
    assert draft_answer(kb, "can I bring my dog along to the gym?").features["section_named"] == 0.0


def test_a_feedback_search_embeds_and_scores_the_question_once(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # the first pass and the fused search rank the same question: it used to be embedded twice
    embedder = CountingEmbedder()
    base = KnowledgeBase.empty(tmp_path_factory.mktemp("kb") / "kb", embedder)
    base.upsert(ARTICLES)
    embedder.documents.clear()
    hits = feedback_search(base, "what does a visitor cost", 3)
    assert hits and hits[0].doc_id == "guests"
    assert embedder.documents == ["what does a visitor cost"]
    assert [h.chunk_id for h in hits] == [
        h.chunk_id for h in feedback_search(base, "what does a visitor cost", 3)
    ]


@pytest.mark.parametrize(
    ("everyday", "formal"),
    [
        ("ditch", "close"),
        ("nicked", "stolen"),
        ("bumped", "increase"),
        ("pinged", "alert"),
        ("office", "branches"),
        ("paperwork", "documents"),
        ("surname", "name"),
        ("unemployed", "job"),
    ],
)
def test_an_everyday_word_the_articles_never_use_reaches_theirs(everyday: str, formal: str) -> None:
    # general colloquial English, a word a knowledge base of formal articles does not use
    (term,), (wanted,) = content_terms(everyday), content_terms(formal)
    assert wanted in alternatives(term, lambda t: t == wanted)
    assert alternatives(term, lambda t: True) == {term}  # a word the articles use keeps its meaning
