"""A cost question is answered by an amount that is a price: on the demo help centre (offline), "The
daily ATM withdrawal limit is $500" held an amount and answered "is there a fee for taking cash out at
an ATM?"; an amount counts for a cost question only where its sentence or section speaks of a price,
and a value stitched in from a section about something else answers nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewline.memory.knowledge.embeddings import make_embedder
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.tools.answering import answer_question
from crewline.tools.knowledge import DOCS_DIR


@pytest.fixture(scope="module")
def help_centre(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    path: Path = tmp_path_factory.mktemp("kb") / "help"
    return KnowledgeBase.build(DOCS_DIR, path, make_embedder("hashing"))


def test_a_limit_is_no_fee(help_centre: KnowledgeBase) -> None:
    result = answer_question(help_centre, "is there a fee for taking cash out at an ATM?")
    assert result.get("answered", True), result["confidence"]
    assert "5% of the amount or $10" in result["summary"]


@pytest.mark.parametrize(
    "question",
    ["is there a fee to redeem points for gift cards?", "is there a fee to ask for a credit limit increase?"],
)
def test_an_amount_that_is_no_price_does_not_answer_a_fee_question(
    help_centre: KnowledgeBase, question: str
) -> None:
    assert answer_question(help_centre, question).get("answered") is False


@pytest.mark.parametrize(
    "question",
    ["is there a fee for removing an authorized user?", "is there a fee for adding my card to Google Pay?"],
)
def test_a_value_stitched_from_another_section_does_not_answer(
    help_centre: KnowledgeBase, question: str
) -> None:
    # "There is no fee for authorized user cards" (from "Adding an authorized user") says nothing of
    # removing one or of a wallet
    assert answer_question(help_centre, question).get("answered") is False


def test_a_limit_answers_how_much_when_no_price_is_named(help_centre: KnowledgeBase) -> None:
    result = answer_question(help_centre, "how much cash can I withdraw from an ATM in a day?")
    assert result.get("answered", True), result["confidence"]
    assert "$500" in result["summary"]


def test_a_fee_schedule_line_without_a_price_word_is_still_a_price(help_centre: KnowledgeBase) -> None:
    result = answer_question(help_centre, "how much is the returned payment fee?")
    assert result.get("answered", True), result["confidence"]
    assert "$29" in result["summary"]
