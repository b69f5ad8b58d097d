"""Customers' informal wording on the demo help centre (default, offline install): shorthand typed
without apostrophes ("dont", "whats", "im") and a country named instead of "abroad" get the sentence
that answers, where each had looked like a question about a word the articles never use."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewline.memory.knowledge.embeddings import make_embedder
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.informal import plain
from crewline.tools.answering import answer_question
from crewline.tools.knowledge import DOCS_DIR


@pytest.fixture(scope="module")
def help_centre(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    path: Path = tmp_path_factory.mktemp("kb") / "help"
    return KnowledgeBase.build(DOCS_DIR, path, make_embedder("hashing"))


def test_shorthand_is_written_out_and_abbreviations_are_not() -> None:
    assert plain("whats up, I dont know, im thru") == "what is up, I do not know, I am through"
    assert plain("my U.S. card and Face ID") == "my U.S. card and Face ID"
    assert plain("can u help") == "can you help"


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("I dont want paper statements, are they free anyway?", "Paper statements are free"),
        ("im locked out of the app, whats the number for digital support?", "1-800-555-0123"),
        ("do I pay extra when I use my classic card in Germany?", "3%"),
    ],
)
def test_informal_question_gets_its_answer(help_centre: KnowledgeBase, question: str, answer: str) -> None:
    result = answer_question(help_centre, question)
    assert result.get("answered", True), result["confidence"]
    assert answer in result["summary"]


@pytest.mark.parametrize(
    "question", ["can I open a savings account in Germany?", "is there a Kestrel ATM network in Mexico?"]
)
def test_a_country_does_not_make_an_off_topic_question_answerable(
    help_centre: KnowledgeBase, question: str
) -> None:
    assert answer_question(help_centre, question).get("answered") is False
