"""What counts as a courtesy (and so asks for nothing), and what is left of a message without them."""

from __future__ import annotations

import pytest

from crewline.nodes.planning.courtesy import courtesy_reply, is_courtesy, without_courtesies


@pytest.mark.parametrize(
    "text",
    [
        "Thanks a lot.",
        "Hi there!",
        "Thank you so much!!",
        "Many thanks in advance",
        "Thanks for your help",
        "Good morning team",
        "Have a great day",
        "ok",
        "Cheers",
        "Hello?",
    ],
)
def test_greetings_thanks_and_acknowledgements_are_courtesies(text: str) -> None:
    assert is_courtesy(text)


@pytest.mark.parametrize(
    "text",
    [
        "Can you call me back?",
        "Please call me back.",
        "Call me",
        "Not good.",
        "Who are you?",
        "Thanks for nothing.",
        "$50 please",
        "Please",
        "Hi, help",
        "Thanks, what is my balance?",
        "",
        "Hi, I am Ada",
        "thanks 4111",
    ],
)
def test_anything_that_could_be_a_request_is_not(text: str) -> None:
    assert not is_courtesy(text)


def test_without_courtesies_keeps_the_request_and_never_empties_a_message() -> None:
    assert (
        without_courtesies("Hi there! How long do refunds take? Thanks a lot.") == "How long do refunds take?"
    )
    assert without_courtesies("Thanks!") == "Thanks!"
    assert without_courtesies("How long do refunds take?") == "How long do refunds take?"


def test_the_reply_answers_in_kind() -> None:
    assert courtesy_reply("Thanks, bye").startswith("You're welcome")
    assert courtesy_reply("Bye!").startswith("Goodbye")
    assert courtesy_reply("Hello").startswith("Hello")
    assert courtesy_reply("ok").startswith("Is there anything else")
