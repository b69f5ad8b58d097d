"""Enumeration and discourse markers as a class: ordinal words and numerals, keycap digits, "&&",
additive and topic-changing connectives, polite embeddings, announced lists, pairs that one "and"
joins, and questions about the request before them."""

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


def _parts(text: str, router: Router) -> list[tuple[str, str | None]]:
    """The parts' words (without the sentence's end mark) and routes."""
    return [(c.text.rstrip(".?!"), c.score.route) for c in split_request(text, router.route)]


@pytest.mark.parametrize(
    "text",
    [
        "For starters, freeze my card. Second of all, how much do I owe?",
        "First of all freeze my card, secondly how much do I owe",
        "To begin with, freeze my card. Then, to top it off, how much do I owe?",
        "1st: freeze my card. 2nd: how much do I owe?",
        "number one, freeze my card, number two, how much do I owe",
        "First question - freeze my card? Second question - how much do I owe?",
        "1\ufe0f\u20e3 freeze my card 2\ufe0f\u20e3 how much do I owe",
        "Before anything else, freeze my card. After you've done that, how much do I owe?",
    ],
)
def test_an_ordinal_or_numbered_marker_in_any_notation_opens_an_item_and_is_no_word_of_it(
    router: Router, text: str
) -> None:
    assert _parts(text, router) == [
        ("freeze my card", "cards"),
        ("how much do I owe", "billing"),
    ]


@pytest.mark.parametrize(
    "marker",
    [
        "What's more,",
        "Not to mention",
        "Changing the subject,",
        "Switching gears,",
        "Different topic -",
        "When you're done with that,",
        "Moving on,",
    ],
)
def test_an_additive_or_topic_changing_marker_links_the_next_request_and_is_no_word_of_it(
    router: Router, marker: str
) -> None:
    parts = _parts(f"Freeze my card. {marker} how much do I owe?", router)
    assert parts == [("Freeze my card", "cards"), ("how much do I owe", "billing")]


def test_a_double_ampersand_joins_two_requests_as_and_does(router: Router) -> None:
    text = "freeze my card && how much do I owe"
    # a cut as "and" is: before a new question, the strong kind
    assert [(text[cut.start : cut.end], cut.kind) for cut in find_cuts(text)] == [(" && ", "question")]
    assert [route for _, route in _parts(text, router)] == ["cards", "billing"]


def test_a_polite_embedding_frames_both_requests_and_is_no_word_of_the_first(router: Router) -> None:
    parts = _parts("I was wondering if you could freeze my card and tell me how much I owe", router)
    assert parts == [("freeze my card", "cards"), ("tell me how much I owe", "billing")]
    assert trim_courtesy("Sorry to bother you, but would you be able to freeze my card") == "freeze my card"
    assert trim_courtesy("I'm hoping you could list my open invoices") == "list my open invoices"


def test_also_after_a_contracted_subject_stays_inside_its_clause(router: Router) -> None:
    # "I'd also like ..." was cut between "I'd" and "also", leaving "... and I'd" and "like to know ..."
    text = "I'd like my card frozen and I'd also like to know how much I owe"
    assert not [cut for cut in find_cuts(text) if text[: cut.start].endswith("I'd")]
    parts = _parts(text, router)
    assert parts == [
        ("I'd like my card frozen", "cards"),
        ("I'd also like to know how much I owe", "billing"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "I have two requests. Firstly, freeze my card. Secondly, how much do I owe?",
        "Here's what I need: freeze my card, how much do I owe",
        "Can you help with the following - freeze my card - how much do I owe",
    ],
)
def test_an_announced_list_is_no_part_of_its_own(router: Router, text: str) -> None:
    assert _parts(text, router) == [("freeze my card", "cards"), ("how much do I owe", "billing")]


@pytest.mark.parametrize(
    "text",
    [
        "what are the fees for sending and receiving money",
        "there is a charge from Johnson & Johnson on my card",
    ],
)
def test_and_between_two_gerunds_or_two_names_joins_a_pair_not_two_requests(text: str) -> None:
    assert not [cut for cut in find_cuts(text) if cut.kind == "conjunction"]


@pytest.mark.parametrize(
    "follow_up",
    ["How soon does that take effect?", "Does it also stop the pending charges?", "What happens next?"],
)
def test_a_question_about_the_request_before_it_stays_with_it(router: Router, follow_up: str) -> None:
    assert [route for _, route in _parts(f"Freeze my card. {follow_up}", router)] == ["cards"]


def test_a_new_question_after_a_sentence_end_still_splits(router: Router) -> None:
    routes = [route for _, route in _parts("Freeze my card. How much do I owe?", router)]
    assert routes == ["cards", "billing"]


def test_a_run_on_list_may_repeat_need_to(router: Router) -> None:
    routes = [route for _, route in _parts("need my card frozen need to know how much I owe", router)]
    assert routes == ["cards", "billing"]


def test_a_date_range_is_no_list_of_ordinals() -> None:
    text = "book a hotel for May 15th - 17th"
    assert [cut.kind for cut in find_cuts(text)] == ["comma"]  # a bare dash, not a list marker
    assert clean_part("17th - the last night") == "17th - the last night"


def test_a_marker_word_that_opens_a_question_of_its_own_is_kept() -> None:
    # "what's more" links a request only before a comma or a dash; "to start" only as a marker
    question = "What's more important, my balance or my due date?"
    assert clean_part(question) == question
    assert clean_part("to start a dispute, call us") == "to start a dispute, call us"
