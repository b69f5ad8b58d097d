"""Questions in customers' words find the article that says it otherwise (issue 16).

"Shut down", "overseas", "stole": the offline retrieval matches words, so a question using a word the
articles never use looked unanswerable. A word the knowledge base never uses is searched and matched
by its everyday alternatives; a word it does use keeps its own meaning.
"""

from __future__ import annotations

import pytest

from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document
from crewline.memory.knowledge.synonyms import alternatives, expansion
from crewline.tools.answering import answer_question, draft_answer, search_text
from tests.support.knowledge import small_kb

ARTICLES = [
    Document(
        "closing",
        "# Closing your account\n\nTo close your account, call 1-800-555-0100. Closing an "
        "account does not cancel what you owe.\n",
    ),
    Document(
        "travel",
        "# Travel\n\n## Do I need a travel notice?\n\nYou do not need to tell us before you "
        "travel. You can add a travel notice in the app if you like.\n\n## Fees abroad\n\n"
        "The Classic card charges 3% on purchases made abroad.\n",
    ),
    Document("theft", "# Lost or stolen cards\n\nIf your card is stolen, lock it in the app right away.\n"),
    Document("rewards", "# Rewards\n\nEach point is worth 1 cent. Points never expire.\n"),
    # distractors sharing the other words of the questions
    Document("opening", "# Opening an account\n\nYou can open an account online in 5 minutes.\n"),
    Document("cards", "# Your card\n\nYour card has a chip. What you do with your card is up to you.\n"),
    Document(
        "shopping",
        "# Shopping with the Classic card\n\nThe Classic card has no fee when you shop "
        "in the United States.\n",
    ),
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return small_kb(tmp_path_factory, ARTICLES)


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("How do I shut down my account?", "To close your account, call 1-800-555-0100."),
        ("Someone stole my card, what do I do?", "lock it in the app right away"),
        ("Is there a fee when I shop overseas with the Classic card?", "3% on purchases made abroad"),
    ],
)
def test_a_word_the_articles_never_use_finds_the_one_they_use(
    kb: KnowledgeBase, question: str, fact: str
) -> None:
    # what the answer says (the gate on the demo help centre: tests/integration/test_knowledge_graph.py)
    draft = draft_answer(kb, question)
    assert any(fact in s.text for s in draft.chosen), [s.text for s in draft.chosen]


def test_a_yes_no_question_is_answered_by_the_sentence_that_uses_its_verb(kb: KnowledgeBase) -> None:
    draft = draft_answer(kb, "Do I need a travel notice before going abroad?")
    assert draft.chosen[0].text == "You do not need to tell us before you travel."


def test_words_the_knowledge_base_uses_keep_their_meaning(kb: KnowledgeBase) -> None:
    known = kb.lexical.vocabulary.__contains__
    assert expansion("What do I owe when I close my account?", known) == []  # every word is its own
    assert search_text(kb, "shut my account") != "shut my account"
    assert alternatives("clos", known) == frozenset({"clos"})
    assert "clos" in alternatives("shut", known)
    assert alternatives("mortgag", known) == frozenset({"mortgag"})  # no alternative: still unknown


def test_a_topic_the_articles_do_not_cover_still_abstains(kb: KnowledgeBase) -> None:
    for question in ("Do you offer mortgages?", "What is your routing number for wire transfers?"):
        assert answer_question(kb, question).get("answered") is False, question
