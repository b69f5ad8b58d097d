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


def test_a_run_on_question_after_a_complete_one_is_still_cut() -> None:
    text = "what is my balance i need to freeze my card"
    assert [text[cut.end :] for cut in find_cuts(text)] == ["i need to freeze my card"]


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
