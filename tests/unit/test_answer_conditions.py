"""A value the answer states, not one it is conditioned on (issue 16): "How long does a refund take?"
is answered by the sentence saying how long it takes ("within 3–10 business days"), not by one that
starts from that time having passed ("If a refund has not appeared after 10 business days, ask ...").
A question asking how long one has (a deadline) is still answered by the condition that sets it; one
asking how long something takes whose only durations are conditions is not answered at all.

The demo help centre and a small hand-written one, offline (hashing embedder).
"""

from __future__ import annotations

import pytest

from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document
from crewline.tools.answering import answer_question
from crewline.tools.knowledge import DOCS_DIR
from tests.support.knowledge import first_chosen as _first
from tests.support.knowledge import small_kb

ARTICLES = [
    Document(
        "parcels",
        "# Parcel delivery\n\n## Missing parcels\n\nIf a parcel has not arrived after 12 business days, "
        "ask the courier for the parcel tracking code.\n\n## Delivery\n\nParcels usually arrive within "
        "4–6 business days of dispatch.\n",
    ),
    Document(
        "returns",
        "# Returning a parcel\n\nA parcel that is not returned within 30 days is yours to keep. Returned "
        "parcels are checked at the depot every morning.\n",
    ),
    Document(
        "moving",
        "# Moving house\n\nIf you ask for a new wallet card within 10 days of an address change, we may "
        "call you before it is posted. You can change your address in the app under Profile.\n",
    ),
    Document(
        "wallet",
        "# Wallet top-ups\n\nIf your wallet balance is less than $20, the top-up is the full amount due. "
        "The smallest top-up is $50 or 2% of your plan, whichever is greater.\n",
    ),
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return small_kb(tmp_path_factory, ARTICLES)


def test_how_long_a_refund_takes_is_the_sentence_stating_it(tmp_path_factory: pytest.TempPathFactory) -> None:
    # issue 16's own example, on the demo help centre as shipped
    demo = KnowledgeBase.build(DOCS_DIR, tmp_path_factory.mktemp("demo") / "kb")
    first = _first(demo, "How long does a refund take?")
    assert "3–10 business days" in first, first


def test_a_time_that_sets_off_a_fallback_does_not_answer_how_long(kb: KnowledgeBase) -> None:
    assert _first(kb, "How long does a parcel take to arrive?").startswith("Parcels usually arrive within")


def test_an_amount_under_a_condition_does_not_answer_what_it_is(kb: KnowledgeBase) -> None:
    assert _first(kb, "What is the smallest wallet top-up?").startswith("The smallest top-up is $50")


def test_how_long_one_has_is_still_answered_by_the_condition_setting_the_deadline(kb: KnowledgeBase) -> None:
    assert "within 30 days" in _first(kb, "How long do I have to return a parcel?")


def test_how_long_something_takes_is_not_answered_by_a_condition_alone(kb: KnowledgeBase) -> None:
    # the article says when we call, not how long an address change takes
    result = answer_question(kb, "How long does an address change take to go through?")
    assert result.get("answered") is False, result["summary"]
