"""A question asking for an amount, a rate or an age is answered only by a sentence stating one about
what it asks (issue 16's near-topic questions): "is there a fee to lock my card?" is not answered by
"You can lock your card in the app" nor by "Expedited delivery costs $15"; "is there a fee for
expedited delivery?" is. A question about a fee that asks for no amount ("can I get the late fee
waived?") is answered as before.

A small hand-written help centre and the demo one, offline (hashing embedder).
"""

from __future__ import annotations

import pytest

from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document
from crewline.tools.answering import answer_question
from crewline.tools.knowledge import DOCS_DIR
from tests.support.knowledge import small_kb

ARTICLES = [
    Document(
        "locking",
        "# Locking your card\n\nYou can lock your card in the app at any time, and unlock it again "
        "instantly. A locked card declines new purchases.\n",
    ),
    Document(
        "delivery",
        "# Card delivery\n\nNew cards arrive within 7 business days by standard mail. Expedited delivery "
        "takes 2 business days and costs $15.\n",
    ),
    Document(
        "late",
        "# Late payments\n\nA late payment costs $30. We can waive one late fee per year if your account "
        "is otherwise in good standing.\n",
    ),
    Document(
        "rates",
        "# Interest rates\n\nPurchases have an APR of 21.99%. The APR moves with the Prime Rate.\n",
    ),
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return small_kb(tmp_path_factory, ARTICLES)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return KnowledgeBase.build(DOCS_DIR, tmp_path_factory.mktemp("demo") / "kb")


def _answered(kb: KnowledgeBase, question: str) -> str | None:
    result = answer_question(kb, question)
    return None if result.get("answered") is False else str(result["summary"])


@pytest.mark.parametrize(
    "question",
    [
        "Is there a fee to lock my card?",
        "How much does it cost to unlock my card?",
        "What's the APR on a locked card?",
    ],
)
def test_a_fee_or_rate_question_without_one_on_its_topic_abstains(kb: KnowledgeBase, question: str) -> None:
    assert _answered(kb, question) is None


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("Is there a fee for expedited delivery?", "$15"),
        ("How much does a late payment cost?", "$30"),
        ("What APR do purchases have?", "21.99%"),
    ],
)
def test_a_fee_or_rate_stated_on_its_topic_answers(kb: KnowledgeBase, question: str, value: str) -> None:
    answer = _answered(kb, question)
    assert answer is not None and value in answer, answer


def test_a_question_about_a_fee_that_asks_no_amount_is_answered(kb: KnowledgeBase) -> None:
    answer = _answered(kb, "Can I get the late fee waived?")
    assert answer is not None and "waive one late fee" in answer, answer


def test_the_demo_help_centre_abstains_on_fees_it_does_not_state(demo: KnowledgeBase) -> None:
    for question in ("is there a fee for virtual card numbers?", "is there a fee to dispute a charge?"):
        assert _answered(demo, question) is None, question
    answer = _answered(demo, "is there a fee to add an authorized user?")
    assert answer is not None and "no fee for authorized user cards" in answer, answer
