"""Which sentences an extractive answer picks (issue 16): what the question asks decides among the
sentences of the articles it retrieved, and an answer never leaves out what its sentence points to.

A small hand-written help centre (not the demo's articles), offline (hashing embedder).
"""

from __future__ import annotations

import re

import pytest

from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document
from crewline.tools.answer_sentences import Sentence, select
from crewline.tools.answering import answer_question, draft_answer
from crewline.tools.knowledge import DOCS_DIR
from crewline.tools.question_terms import GENERIC_WEIGHT, Question, question_of
from tests.support.knowledge import first_chosen as _first
from tests.support.knowledge import small_kb

ARTICLES = [
    Document(
        "penalty",
        "# Membership penalties\n\n## Late penalty\n\nIf a membership payment is more than 30 days late, a "
        "penalty surcharge of 4% applies to your dues. The penalty surcharge ends after three payments "
        "in a row arrive on time.\n",
    ),
    Document(
        "summary",
        "# Tax documents\n\n## Annual summary\n\nEvery February we prepare an annual summary of the "
        "donations you made. It appears in your dashboard under Documents → Tax summary.\n",
    ),
    Document(
        "lost",
        "# Lost membership cards\n\n## A lost card\n\nWhen you report a lost membership card, we cancel "
        "the lost membership card's barcode and print a new card with a new barcode. If your card is "
        "lost, freeze it first in the app under Cards → Freeze card.\n",
    ),
    Document(
        "codes",
        "# Sign-in codes\n\nWe email a sign-in code to the address on file. The sign-in code expires "
        "after 15 minutes.\n",
    ),
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return small_kb(tmp_path_factory, ARTICLES)


def test_when_something_goes_away_is_answered_by_the_sentence_saying_when_it_ends(kb: KnowledgeBase) -> None:
    # both name the penalty; the one naming more of the question's words says when it starts
    assert _first(kb, "When does the membership penalty surcharge go away?").startswith(
        "The penalty surcharge ends"
    )


def test_what_should_i_do_is_answered_by_the_sentence_that_says_what_to_do(kb: KnowledgeBase) -> None:
    # the sentence naming more of the question's words says what the company does, not what to do
    assert _first(kb, "I lost my membership card, what should I do?").startswith("If your card is lost")


def test_a_sentence_that_points_back_comes_with_the_sentence_it_points_to(kb: KnowledgeBase) -> None:
    # "It appears in your dashboard" alone does not say what "it" is
    result = answer_question(kb, "Where does the annual summary appear in the dashboard?")
    assert result.get("answered", True), result["data"]["features"]
    summary = result["summary"]
    assert "It appears in your dashboard under Documents → Tax summary." in summary
    assert summary.index("annual summary of the donations") < summary.index("It appears")


def test_everyday_words_that_qualify_a_question_weigh_like_generic_words(kb: KnowledgeBase) -> None:
    # "good" is rare in these articles (so its IDF is high) but names no topic
    question = question_of(kb, "How long is the sign-in code still good for?")
    assert question.weights["good"] <= GENERIC_WEIGHT
    result = answer_question(kb, "How long is the sign-in code still good for?")
    assert result.get("answered", True) and "expires after 15 minutes" in result["summary"]


def test_a_topic_the_articles_never_mention_still_abstains(kb: KnowledgeBase) -> None:
    for question in ("Do you sell life insurance?", "Can I get a mortgage on my house from you?"):
        assert answer_question(kb, question).get("answered") is False, question


def test_a_sentence_opening_with_then_is_never_an_answer_without_the_sentence_before_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # "Then show your pass ..." opens its section: what comes first is not there to give, so another
    # sentence answers (or none); "Then ..." after its predecessor comes with it
    base = small_kb(
        tmp_path_factory,
        [
            Document(
                "visits",
                "# Visiting the pool\n\n## At the entrance\n\nThen show your pool pass at the desk, which is "
                "open from 6 a.m. to 10 p.m. every day.\n\n## Lockers\n\nBring a padlock for the lockers. "
                "Then leave the key at the pool desk, which is open until 9 p.m.\n",
            ),
            Document("hours", "# Pool times\n\nLanes are reserved for clubs on Tuesdays.\n"),
        ],
    )
    for question in ("When is the pool desk open?", "Until when is the pool desk open for the locker key?"):
        chosen = [s.text for s in draft_answer(base, question).chosen]
        assert not any(text.startswith("Then show") for text in chosen), chosen
        for i, text in enumerate(chosen):
            if text.startswith("Then leave"):
                assert i > 0 and chosen[i - 1] == "Bring a padlock for the lockers.", chosen


def test_opening_hours_are_not_answered_from_mid_thought(tmp_path_factory: pytest.TempPathFactory) -> None:
    # issue 16's demo help centre: "Then report the loss ... open 24 hours a day" alone answered it
    base = KnowledgeBase.build(DOCS_DIR, tmp_path_factory.mktemp("demo") / "kb")
    summary = answer_question(base, "what are your opening hours?")["summary"]
    parts = [p.strip() for p in re.split(r"\s*\[\d+\]\s*", summary) if p.strip()]
    assert not parts[0].startswith(("Then", "This", "It ", "They", "That")), summary


def test_a_pseudonymised_value_in_the_question_changes_nothing(kb: KnowledgeBase) -> None:
    # the server's guards replace an e-mail address by "[EMAIL_<hex>]": the hex was an unknown word,
    # the heaviest of the question, and the knowledge graph abstained
    plain = answer_question(kb, "How long is the sign-in code valid?")
    assert plain.get("answered", True), plain["data"]["features"]
    named = answer_question(kb, "How long is the sign-in code valid for [EMAIL_3fa2b9c1]?")
    assert named.get("answered", True) and named["summary"] == plain["summary"]


def test_an_extra_sentence_pointing_back_does_not_push_out_one_that_stands_alone() -> None:
    # "who do I call when I lose my job": the hardship line's number was pushed out by "Then call the
    # lost-card line ..." arriving with its predecessor; an extra without room for its predecessor goes
    terms = frozenset({"call", "payment", "team", "line"})
    question = Question(terms, dict.fromkeys(terms, 1.0), ())

    def sentence(rank: int, start: int, text: str, covered: set[str]) -> Sentence:
        return Sentence(rank, start, start + len(text), text, frozenset(covered), frozenset(), False)

    sentences = [
        sentence(0, 0, "Call us before you miss a payment.", {"call", "payment"}),
        sentence(0, 35, "The help team is at 555-0163.", {"team"}),
        sentence(1, 0, "Lock the card in the app.", set()),
        sentence(1, 26, "Then call the line at 555-0199.", {"line"}),
    ]
    chosen = [s.text for s in select(question, sentences, [1.0, 0.9, 0.3, 0.85])]
    assert chosen == ["Call us before you miss a payment.", "The help team is at 555-0163."]
    # the best sentence pointing back keeps its predecessor, whatever it pushes out
    best = [s.text for s in select(question, sentences, [0.5, 0.45, 0.3, 1.0])]
    assert best[:2] == ["Lock the card in the app.", "Then call the line at 555-0199."]
