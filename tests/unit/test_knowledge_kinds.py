"""Answer kinds read from a question's shape (issue 16, seventh tuning): what is required, and the
customer's own phone. A small hand-written help centre (not the demo's articles), offline."""

from __future__ import annotations

import time

import pytest

from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document
from crewline.tools.answer_kinds import refine
from crewline.tools.answering import draft_answer
from crewline.tools.question_terms import question_of
from tests.support.knowledge import small_kb

ARTICLES = [
    Document(
        "members",
        "# Family members\n\n## Adding a member\n\nYou can add up to 5 family members to a membership "
        "in the app under Members. We need their full name and date of birth. Members must be at "
        "least 12 years old.\n",
    ),
    Document(
        "transfers",
        "# Membership transfers\n\n## Requesting a transfer\n\nRequest a transfer of your membership "
        "in the app under Membership, or at the front desk. You will need the new member's email "
        "address. Transfers take 3 days.\n",
    ),
    Document(
        "contact",
        "# Contact details\n\n## Phone and email\n\nYou can update your phone number or email address "
        "in the app under Profile. We send a code to the new phone number to confirm it.\n\n"
        "## Calling us\n\nThe front desk is at 1-555-010-3000, every day from 6 a.m. to 10 p.m.\n",
    ),
    Document(
        "app",
        "# The gym app\n\n## Devices\n\nThe gym app runs on iPhone with iOS 16 or later and on Android 10 "
        "or later. If your phone is lost, sign out of it under Profile → Devices.\n",
    ),
    Document(
        "cancelling",
        "# Cancelling\n\n## Cancelling a membership\n\nTo cancel your membership, call the front desk or "
        "send a message in the app under Help. A cancelled membership can be restarted within 30 days; "
        "after that you would need to sign up again. A locker key is needed for the pool area. We "
        "ask for your membership number and the reason for cancelling.\n",
    ),
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return small_kb(tmp_path_factory, ARTICLES)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # what is required: "we need ...", "you will need ...", not the sentence repeating the topic
        ("What info do you need to add a family member?", "We need their full name and date of birth"),
        ("what do I need to have ready to request a transfer", "You will need the new member's email"),
        # not a consequence ("you would need to sign up again") or what another task needs
        ("What information do you need to cancel my membership?", "We ask for your membership number"),
        # the customer's own number is a topic, not a number to call
        ("I have a new phone number, how do I update it?", "update your phone number or email address"),
        # a number to call is still asked for
        ("what's your phone number?", "1-555-010-3000"),
    ],
)
def test_the_sentence_of_the_kind_asked_for_answers(kb: KnowledgeBase, question: str, answer: str) -> None:
    best = draft_answer(kb, question).chosen[0].text  # the best sentence (the gate is tested elsewhere)
    assert answer in best, best


@pytest.mark.parametrize(
    ("question", "asks_for_a_number"),
    [
        ("I have a new phone number, how do I update it?", False),
        ("I lost my phone, what should I do?", False),
        ("which phones does the app work on?", False),
        ("what's your phone number?", True),
        ("I lost my phone, what number do I call?", True),
    ],
)
def test_the_customers_own_phone_is_a_topic_not_a_number_to_call(
    kb: KnowledgeBase, question: str, asks_for_a_number: bool
) -> None:
    # a phone number asked for makes "phone" a value word: only a sentence holding a number answers it
    refined = refine(question_of(kb, question), question)
    assert any(answer.search("1-555-010-3000") for answer, _ in refined.types) is asks_for_a_number
    assert ("phon" in refined.value_terms) is asks_for_a_number


@pytest.mark.parametrize(
    ("sentence", "says_what_is_needed"),
    [
        ("We need their full name and date of birth.", True),
        ("You will need the new member's email address.", True),
        ("We ask for your membership number.", True),
        ("You will need to provide a photo ID.", True),
        # a consequence, what another task needs, the customer asking: none says what this one needs
        ("After 30 days you would need to sign up again.", False),
        ("A card not activated in 60 days is cancelled, and you will need to request a new one.", False),
        ("A locker key is needed for the pool area.", False),
        ("If you ask for a new card within 10 days, we may call you.", False),
    ],
)
def test_only_a_sentence_saying_what_is_needed_answers_what_is_needed(
    kb: KnowledgeBase, sentence: str, says_what_is_needed: bool
) -> None:
    question = "What information do you need to cancel my membership?"
    refined = refine(question_of(kb, question), question)
    added = [answer for answer, _ in refined.types[len(question_of(kb, question).types) :]]
    assert added, "the question asks what is needed"
    assert any(answer.search(sentence) for answer in added) is says_what_is_needed


def test_the_question_shapes_read_hostile_text_in_linear_time(kb: KnowledgeBase) -> None:
    # a 20 KB question of one repeated token must not make the shape patterns backtrack
    start = time.perf_counter()
    for token in ("what ", "my ", "phone ", "what info ", "do you "):
        text = token * (20_000 // len(token))
        refine(question_of(kb, text[:300]), text)
    assert time.perf_counter() - start < 2.0
