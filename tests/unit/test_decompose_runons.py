"""Shapes the decomposer reads since session 14: run-on lists and questions typed without
punctuation, polite frames and thanks around the requests, longer follow-ups about the request
before them, and neighbours for one specialist merged with the words that joined them."""

from __future__ import annotations

import pytest

from crewline.nodes.planning.courtesy import message_body, trim_courtesy
from crewline.nodes.planning.cuts import find_cuts
from crewline.nodes.planning.decompose import Clause, split_request
from crewline.nodes.planning.one_per_route import Located, one_per_route, spans_in
from crewline.nodes.planning.router import Router, RouteScore
from tests.unit.test_decompose import ROUTES  # the same small crew as the decomposer's tests


@pytest.fixture(scope="module")
def router() -> Router:
    return Router().fit(ROUTES)


def _parts(text: str, router: Router) -> list[tuple[str, str | None]]:
    return [(c.text, c.score.route) for c in split_request(text, router.route)]


def test_a_run_on_list_whose_items_open_with_the_same_word_is_cut_before_each(router: Router) -> None:
    assert _parts("need my balance need my card frozen", router) == [
        ("need my balance", "billing"),
        ("need my card frozen", "cards"),
    ]


def test_a_question_typed_after_a_request_without_punctuation_starts_at_its_wh_word(
    router: Router,
) -> None:
    assert _parts("update my phone number what is my balance", router) == [
        ("update my phone number", "accounts"),
        ("what is my balance", "billing"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "freeze my card how much do I owe",
        "freeze my card whats my balance",
        "freeze my card i need to know my balance",
        "freeze my card please tell me my balance",
    ],
)
def test_a_request_typed_after_another_without_punctuation_starts_at_a_word_that_opens_requests(
    router: Router, text: str
) -> None:
    assert [route for _, route in _parts(text, router)] == ["cards", "billing"]


@pytest.mark.parametrize(
    "text",
    [
        "tell me how much do I owe",
        "how do I learn how to freeze my card",  # "how to": the same question
        "tell me what is my balance",  # an embedded question
        "can you tell me what's my balance",
        "my card and my card reader were stolen",  # "my" opens no request of its own
        "how much do I owe for what I bought",  # "what" after a preposition is its object
    ],
)
def test_a_single_request_with_a_wh_word_or_a_repeated_word_inside_stays_whole(
    router: Router, text: str
) -> None:
    assert len(split_request(text, router.route)) == 1


def test_a_longer_question_about_the_request_before_it_stays_with_that_request(router: Router) -> None:
    (clause,) = split_request("Freeze my card please. How long does it usually take?", router.route)
    assert clause.score.route == "cards"
    # "it" before an infinitive points ahead, "this" before a noun is a determiner: new questions
    for text in (
        "Freeze my card. How long does it take to update my phone number?",
        "Freeze my card. Is this account still active at all?",
    ):
        assert [route for _, route in _parts(text, router)] == ["cards", "accounts"]


def test_an_ordinal_before_a_verb_is_no_word_of_the_request_it_opens(router: Router) -> None:
    assert _parts("list my open invoices, next tell me if my account is active", router) == [
        ("list my open invoices", "billing"),
        ("tell me if my account is active", "accounts"),
    ]
    assert _parts("ok so first check if my account is active, then list my open invoices", router) == [
        ("check if my account is active", "accounts"),
        ("list my open invoices", "billing"),
    ]


@pytest.mark.parametrize(
    ("text", "trimmed"),
    [
        ("If it's not too much trouble, could you freeze my card", "could you freeze my card"),
        ("if that is no problem, list my open invoices", "list my open invoices"),
        ("If it's OK, freeze my card", "freeze my card"),
        ("if it is raining, freeze my card", "if it is raining, freeze my card"),  # a condition
    ],
)
def test_a_polite_frame_that_asks_leave_is_no_word_of_the_request(text: str, trimmed: str) -> None:
    assert trim_courtesy(text) == trimmed


def test_a_polite_frame_no_longer_hides_the_first_request_of_two(router: Router) -> None:
    text = "If it's not too much trouble, could you freeze my card and tell me how much I owe?"
    assert [route for _, route in _parts(text, router)] == ["cards", "billing"]


def test_thanks_for_earlier_help_opening_a_message_is_no_part_of_it() -> None:
    body = message_body("Hi, thanks for your help earlier. What email do you have for me?")
    assert body == "What email do you have for me?"
    assert message_body("Thank you so much for your help!") == "Thank you so much for your help!"


def test_an_announcement_with_please_do_is_no_part_of_the_first_item(router: Router) -> None:
    parts = _parts("Please do two things: freeze my card, list my open invoices", router)
    assert parts == [("freeze my card", "cards"), ("list my open invoices", "billing")]


def _clause(text: str, route: str) -> Clause:
    return Clause(text, RouteScore(route, 0.9, 0.5, ((route, 0.9),)))


def test_neighbours_for_one_specialist_are_merged_with_the_words_that_joined_them() -> None:
    request = "Freeze my card and also, will I still see my transactions? What is my balance"
    first, second, third = (
        _clause("Freeze my card", "cards"),
        _clause("will I still see my transactions?", "cards"),
        _clause("What is my balance", "billing"),
    )
    spans = spans_in(request, [first, second, third])
    clauses = (first, second, third)
    located = [Located(clause, span, linked=True) for clause, span in zip(clauses, spans, strict=True)]
    merged = one_per_route(request, located)
    assert [c.text for c in merged] == [
        "Freeze my card and also, will I still see my transactions?",
        "What is my balance",
    ]
    # across an aside that was dropped, the aside's words stay out
    located[1] = Located(second, spans[1], linked=False)
    assert one_per_route(request, located)[0].text == "Freeze my card will I still see my transactions?"


def test_a_comma_before_a_new_question_is_as_strong_a_cut_as_and_but_not_before_which() -> None:
    assert [c.kind for c in find_cuts("freeze my card, how much do I owe")] == ["clause"]
    assert [c.kind for c in find_cuts("where is the nearest branch, which is open now")] == ["comma"]
