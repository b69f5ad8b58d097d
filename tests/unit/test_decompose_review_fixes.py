"""Regressions a review of the session's planning changes found: polite frames that ate a real
question, cuts inside an inverted question, follow-ups that swallowed a request of their own, and
"number" read as a list label."""

from __future__ import annotations

import pytest

from crewline.nodes.planning.courtesy import trim_courtesy
from crewline.nodes.planning.cuts import clean_part, find_cuts
from crewline.nodes.planning.decompose import split_request
from crewline.nodes.planning.router import Router
from tests.unit.test_decompose import ROUTES  # the same small crew as the decomposer's tests


@pytest.fixture(scope="module")
def router() -> Router:
    return Router().fit(ROUTES)


@pytest.mark.parametrize(
    "text",
    [
        "I was wondering if I should freeze my card",
        "I was wondering if my card was charged twice",
        "I'm hoping that's not a fraudulent charge",
        "I'm hoping to get my money back for O-1002",
        "If it's okay with you, freeze my card",  # (the comma cut sets the frame apart whole)
        "If it's ok to ask, what's my balance?",
        "If it's possible to get my money back for O-1001, please do",
        "If that's a problem, don't refund O-1001",  # a condition, not leave asked
    ],
)
def test_a_frame_that_carries_the_question_is_kept(text: str) -> None:
    assert trim_courtesy(text) == text


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("I was wondering if you could freeze my card", "freeze my card"),
        ("I'm hoping you can refund O-1002", "refund O-1002"),
        ("If it's not too much trouble, freeze my card", "freeze my card"),
        ("If it's ok, freeze my card", "freeze my card"),
    ],
)
def test_a_frame_that_only_asks_leave_is_still_trimmed(text: str, asked: str) -> None:
    assert trim_courtesy(text) == asked


@pytest.mark.parametrize(
    "text",
    [
        "how long do i need to wait for my refund for O-1001",
        "how often do i need to renew my card",
        "what does it look like i will be paying in federal taxes",
    ],
)
def test_an_inverted_question_is_not_cut_after_its_auxiliary(text: str) -> None:
    assert find_cuts(text) == []


@pytest.mark.parametrize(
    ("text", "second"),
    [
        ("what is my balance i need to freeze my card", "i need to freeze my card"),
        ("tell me where my branch is what is my balance", "what is my balance"),  # a clause's end
        ("what do you do how do i freeze my card", "how do i freeze my card"),  # a new wh-question
    ],
)
def test_a_run_on_question_after_a_complete_one_is_still_cut(text: str, second: str) -> None:
    assert [text[cut.end :] for cut in find_cuts(text)] == [second]


def test_that_with_also_is_one_clause() -> None:
    text = "Freeze my card. Will that also stop the pending charges?"
    assert [(text[cut.end :], cut.kind) for cut in find_cuts(text)] == [
        ("Will that also stop the pending charges?", "sentence")
    ]


@pytest.mark.parametrize(
    ("text", "routes"),
    [
        ("Freeze my card. What happens next with my balance?", ["cards", "billing"]),
        ("Freeze my card. Does that include a refund for O-1001?", ["cards", "billing"]),
        ("Freeze my card. What happens next?", ["cards"]),  # still a follow-up
    ],
)
def test_a_follow_up_with_a_request_of_its_own_stands_alone(
    text: str, routes: list[str], router: Router
) -> None:
    parts = split_request(text, router.route)
    assert len(parts) == len(routes)


@pytest.mark.parametrize(
    "text",
    [
        "number 5 on my statement is a charge I don't recognise",
        "Number 2 of my invoices, INV-20042, is wrong",
        "Number one priority: freeze my card",
    ],
)
def test_number_without_punctuation_is_no_list_label(text: str) -> None:
    assert clean_part(text) == text


def test_number_with_its_punctuation_is_a_list_label() -> None:
    assert clean_part("Number 1: freeze my card") == "freeze my card"


def test_a_repeated_wh_word_without_its_auxiliary_is_no_new_question() -> None:
    assert find_cuts("when is my payment due when I'm abroad") == []


def test_a_run_on_list_cuts_every_question_alike() -> None:
    text = "what is my balance what is my due date is my card active"
    assert [(text[cut.end :], cut.kind) for cut in find_cuts(text)] == [
        ("what is my due date is my card active", "parallel"),
        ("is my card active", "parallel"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "my card is frozen, how do I unfreeze it",
        "i lost my card, how do i report it",
        "i need a w2 form, how do i get one",
    ],
)
def test_a_question_that_points_back_across_a_comma_is_a_plain_comma(text: str) -> None:
    assert [cut.kind for cut in find_cuts(text)] == ["comma"]


def test_a_question_of_its_own_after_a_comma_is_still_a_clause() -> None:
    assert [cut.kind for cut in find_cuts("freeze my card, how do I check my balance")] == ["clause"]


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("Moving on to my account, is it active?", "Moving on to my account, is it active?"),
        ("Switching gears a bit, what's my balance", "what's my balance"),
        ("Moving on, what's my balance", "what's my balance"),
    ],
)
def test_a_change_of_subject_is_dropped_only_up_to_its_punctuation(text: str, cleaned: str) -> None:
    assert clean_part(text) == cleaned


def test_an_ampersand_between_two_records_joins_one_pair() -> None:
    assert find_cuts("C-1001 && C-1002: what email do you have?") == []
    text = "refund O-1001 & freeze my card"
    assert [text[cut.end :] for cut in find_cuts(text)] == ["freeze my card"]
