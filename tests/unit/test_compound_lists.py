"""Compound requests written as lists, tickets and emails: list markers in many notations, bullets on
one line, "|", "//" and "+", a postscript, a parenthesis, a salutation and a sign-off, a question
typed without punctuation; and single requests whose "and" stays ("between X and Y", "invoices A
and B")."""

from __future__ import annotations

import re
import time

import pytest

from crewline.nodes.planning.courtesy import message_body, trim_courtesy
from crewline.nodes.planning.cuts import clean_part, find_cuts
from crewline.nodes.planning.list_markers import item_separators
from crewline.nodes.planning.planner import Planner
from crewline.nodes.planning.router import Router
from tests.unit.test_compound_shapes import _parts  # the parts and routes a user sees
from tests.unit.test_decompose import ROUTES  # the same small crew as the decomposer's tests


@pytest.fixture(scope="module")
def router() -> Router:
    return Router().fit(ROUTES)


@pytest.mark.parametrize(
    "text",
    [
        "a) freeze my card b) how much do I owe",
        "(a) freeze my card (b) how much do I owe",
        "i. freeze my card\nii. how much do I owe",
        "#1 freeze my card #2 how much do I owe",
        "1/ freeze my card 2/ how much do I owe",
        "1:freeze my card 2:how much do I owe",
        "Q1: freeze my card Q2: how much do I owe",
        "Item 1: freeze my card. Item 2: how much do I owe",
        "Step one, freeze my card. Step two, how much do I owe",
        "A. freeze my card\nB. how much do I owe",
        "• freeze my card • how much do I owe",
        "- freeze my card - how much do I owe",
        "✓ freeze my card\n✓ how much do I owe",
        "> freeze my card\n> how much do I owe",
        "👉 freeze my card\n👉 how much do I owe",
        "✅ freeze my card ✅ how much do I owe",
        "freeze my card | how much do I owe",
        "freeze my card // how much do I owe",
        "freeze my card + how much do I owe",
        "freeze my card. p.s. how much do I owe",
        "freeze my card\n\nPS how much do I owe",
        "freeze my card (and how much do I owe?)",
        "freeze my card oh and how much do I owe",
        "freeze my card. On another note, how much do I owe",
        "freeze my card. Totally different question: how much do I owe",
    ],
)
def test_every_list_notation_and_aside_yields_the_two_requests_without_their_markers(
    router: Router, text: str
) -> None:
    parts = [(part.rstrip(".?!"), route) for part, route in _parts(text, router)]  # a sentence's end stays
    assert parts == [("freeze my card", "cards"), ("how much do I owe", "billing")]


def test_inline_labels_count_only_as_a_sequence_from_the_first() -> None:
    assert item_separators("plan b) is fine, order #2 arrived, it costs 1/2") == []
    for text, separators in [
        ("a) this b) that c) the other", [" b) ", " c) "]),
        ("Two questions: (1) this, (2) that", [" (1) ", " (2) "]),
    ]:
        assert [text[start:end] for start, end, _ in item_separators(text)] == separators


def test_an_email_keeps_only_its_body(router: Router) -> None:
    email = (
        "Hi team,\n\nI lost my card last night, please freeze it. Also, how much do I owe?\n\n"
        "Kind regards,\nAnna Berg\nSent from my iPhone"
    )
    assert _parts(email, router) == [
        ("I lost my card last night, please freeze it.", "cards"),
        ("how much do I owe?", "billing"),
    ]
    assert message_body("Hi, hope you're well and having a good week! Is my account active?") == (
        "Is my account active?"
    )
    assert message_body("Hey can you freeze my card") == "Hey can you freeze my card"  # no name: a request
    assert message_body("Thanks,\nPriya") == "Thanks,\nPriya"  # nothing else: left to the courtesy rules
    assert message_body("freeze it. Thank you so much, have a great day!") == "freeze it."
    assert message_body("freeze it. Thanks in advance for your help!") == "freeze it."
    ticket = "Subject: card + balance\n\nfreeze my card. Also, how much do I owe?"
    assert message_body(ticket) == "freeze my card. Also, how much do I owe?"  # the subject sums up the body


def test_a_question_about_the_request_before_it_stays_with_it(router: Router) -> None:
    def routes(text: str) -> list[str | None]:
        return [route for _, route in _parts(text, router)]

    assert routes("Freeze my card. How long will that take?") == ["cards"]
    assert routes("Freeze my card. How much do I owe?") == ["cards", "billing"]


def test_a_question_typed_without_punctuation_starts_at_its_auxiliary(router: Router) -> None:
    assert _parts("how much do I owe is my account active", router) == [
        ("how much do I owe", "billing"),
        ("is my account active", "accounts"),
    ]
    # the auxiliary of a question already asked, or after its subject, is no new question
    for text in [
        "when is my payment due",
        "tell me if my card is frozen",
        "what day, month and year did I get my card",
        "I want to do my taxes",
    ]:
        assert "run_on" not in [cut.kind for cut in find_cuts(text)]


def test_a_subject_that_adds_itself_after_a_bare_space_starts_a_request(router: Router) -> None:
    assert _parts("freeze my card i also want to know how much I owe", router) == [
        ("freeze my card", "cards"),
        ("i also want to know how much I owe", "billing"),
    ]


def test_an_and_inside_a_pair_or_before_an_identifier_is_no_cut(router: Router) -> None:
    assert find_cuts("what's the difference between freezing and reporting a card") == []
    assert find_cuts("both the balance and the due date") == []
    planner = Planner(router=router, descriptions={}, entity_patterns={"invoice": re.compile(r"INV-\d+")})
    plan = planner.plan("show me invoices INV-20041 and INV-20042", turn=1, context={})
    assert [s["task"] for s in plan.subtasks] == ["show me invoices INV-20041 and INV-20042"]


def test_a_lead_in_and_a_label_are_no_part(router: Router) -> None:
    assert _parts("I need two things — freeze my card and how much do I owe", router) == [
        ("freeze my card", "cards"),
        ("how much do I owe", "billing"),
    ]
    assert clean_part("Issue: my card was stolen") == "my card was stolen"
    assert clean_part("(also need my balance)") == "need my balance"
    assert clean_part("what is my balance oh") == "what is my balance"


def test_a_long_run_of_sign_off_words_is_read_in_linear_time() -> None:
    # Tried from every punctuation mark, the sign-off pattern read each one's rest: 2.6 s on 20 KB.
    for hostile in (". regards" * 2_200 + " x", ".best" * 4_000 + " x", "\nthanks" * 2_800 + " x"):
        began = time.perf_counter()
        message_body(hostile)
        assert time.perf_counter() - began < 1.0


def test_a_long_blank_message_is_cut_and_trimmed_in_linear_time() -> None:
    # Two free runs of the same whitespace (the announcement's lead-in, the thanks pattern searched
    # from every position) made 20,000 newlines cost 15 s and 11 s.
    blank = "\n" * 20_000 + "x"
    began = time.perf_counter()
    find_cuts(blank)
    trim_courtesy(blank)
    assert time.perf_counter() - began < 1.0
