"""Near-topic questions on the demo help centre (default, offline install): a question naming a topic
of the knowledge base (a section heading's word) that the answer's passage never mentions gets a
lower confidence (crewline.tools.answer_focus), and the default vocabulary prints by name."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from crewline.graphs.knowledge import build_knowledge_graph
from crewline.memory.knowledge.embeddings import make_embedder
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.vocabulary import ENGLISH, NO_VOCABULARY, Vocabulary
from crewline.tools.answer_focus import topic_words
from crewline.tools.answering import answer_question
from crewline.tools.knowledge import DOCS_DIR


@pytest.fixture(scope="module")
def help_centre(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    path: Path = tmp_path_factory.mktemp("kb") / "help"
    return KnowledgeBase.build(DOCS_DIR, path, make_embedder("hashing"))


def test_the_topics_are_the_section_headings_words(help_centre: KnowledgeBase) -> None:
    words = topic_words(help_centre)
    assert {"voyager", "hotel", "disput"} <= words  # "Kestrel Voyager", "Holds from hotels ...", "Disputing"
    assert "wilmington" not in words  # in a mailing address, heading nothing


@pytest.mark.parametrize(
    "question",
    [
        # a credit score is in "Will it affect my credit score?" (limit increases), Voyager elsewhere
        "what credit score do I need to get approved for Voyager?",
        # disputes are covered, a yearly cap on them is not
        "is there a limit on how many disputes I can file in a year?",
    ],
)
def test_a_question_joining_two_topics_is_not_answered_from_one(
    help_centre: KnowledgeBase, question: str
) -> None:
    result = answer_question(help_centre, question)
    assert result.get("answered") is False, result["summary"]
    assert result["data"]["features"]["topic_missing"] == 1.0


def test_a_question_on_one_topic_keeps_its_answer(help_centre: KnowledgeBase) -> None:
    result = answer_question(help_centre, "Does the Voyager card charge anything extra for purchases abroad?")
    assert result.get("answered", True)
    assert "no foreign transaction fee" in result["summary"]


def test_the_default_vocabulary_shows_by_name_in_help() -> None:
    default = inspect.signature(build_knowledge_graph).parameters["vocabulary"].default
    assert default is ENGLISH  # behaviour unchanged: the shipped English lists
    assert repr(default) == "<the English vocabulary>"
    assert len(str(inspect.signature(build_knowledge_graph))) < 300  # not every list of it
    assert repr(NO_VOCABULARY) == "<no vocabulary>"
    assert repr(Vocabulary(groups=("gym club",), rewrites=(), bridges=(), shorthand={})).startswith(
        "Vocabulary(shorthand={}, rewrites=(), groups=('gym club',)"
    )
