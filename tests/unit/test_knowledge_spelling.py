"""A misspelt question word finds the word the articles use (issue 16: questions in users' words)."""

from __future__ import annotations

import pytest

from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document
from crewline.memory.knowledge.spelling import SpellingIndex
from crewline.tools.answering import answer_question
from tests.support.knowledge import small_kb


def test_one_edit_away_is_a_typo_and_short_words_and_first_letters_are_left_alone() -> None:
    index = SpellingIndex(["interest", "authoriz", "receiv", "point", "phone", "load", "address"])
    assert index.close("interst") == {"interest"}  # a letter dropped
    assert index.close("authoris") == {"authoriz"}  # a letter replaced
    assert index.close("reciev") == {"receiv"}  # two neighbours swapped
    assert index.close("adddress") == {"address"}  # a letter added
    assert index.close("joint") == frozenset()  # a real word one letter from "point"
    assert index.close("photo") == frozenset()  # two edits from "phone"
    assert index.close("loan") == frozenset()  # too short to tell a typo from another word
    assert index.close("interest") == frozenset()  # itself is no alternative


ARTICLES = [
    Document("rates", "# Rates\n\nThe interest rate on cash withdrawals is 24.9% a year.\n"),
    Document("cards", "# Extra cards\n\nYou can add an authorized user to your account in the app.\n"),
    Document("points", "# Points\n\nPoints never expire while your account is open.\n"),
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return small_kb(tmp_path_factory, ARTICLES)


def test_a_misspelt_topic_word_is_answered_like_the_right_spelling(kb: KnowledgeBase) -> None:
    result = answer_question(kb, "whats the interst rate on cash withdrawals")
    assert result.get("answered", True), result["data"]["features"]
    assert "24.9%" in result["summary"]


def test_a_real_word_is_not_taken_for_a_typo_of_another(kb: KnowledgeBase) -> None:
    assert answer_question(kb, "Can I open a joint account?").get("answered") is False
