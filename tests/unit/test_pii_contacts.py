"""Phone numbers and e-mail addresses in the shapes people write them, and look-alikes that stay."""

from __future__ import annotations

import pytest

from crewline.nodes.guards.pii import detect_pii
from tests.support.scaling import assert_linear


def _found(text: str) -> list[tuple[str, str]]:
    return [(span.type, span.value) for span in detect_pii(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "00" is how most of the world dials out: the groups after it are the number's own
        ("from abroad dial 0033 1 23 45 67 89", [("PHONE_NUMBER", "0033 1 23 45 67 89")]),
        ("ring 0044 20 7946 0958 tomorrow", [("PHONE_NUMBER", "0044 20 7946 0958")]),
        # spelled out so that scrapers miss them
        ("It's jane dot doe at example dot com", [("EMAIL_ADDRESS", "jane dot doe at example dot com")]),
        ("mail ops AT acme DOT co DOT uk", [("EMAIL_ADDRESS", "ops AT acme DOT co DOT uk")]),
        (
            "write to j.smith at mail dot example dot org",
            [("EMAIL_ADDRESS", "j.smith at mail dot example dot org")],
        ),
    ],
)
def test_contacts_written_the_way_people_write_them_are_found(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "epoch 1718203344 in seconds",  # ten bare digits starting with 1: no North American number
        "FedEx tracking number 7946 1234 5678",  # groups of four: no numbering plan dials 4-4-4
        "gift card code 1234 5678 9012 3456 7890",  # (not Luhn-valid either)
        "postgres://orders_app@db.internal:5432/orders",  # a URL's user name, no address
        "ssh://deploy@build.example.com/srv/app",
        "look at the logs at noon, dot the i's",  # "at" and "dot" in prose
        "meet at example.com, dot com boom",
    ],
)
def test_look_alikes_are_not_contacts(text: str) -> None:
    assert _found(text) == []


def test_phones_that_were_found_still_are() -> None:
    for phone in ("+1-202-555-0143", "(555) 010-4477", "4155550132", "+44 20 7946 0958", "020 7946 0321"):
        assert _found(f"call {phone} today") == [("PHONE_NUMBER", phone)], phone


@pytest.mark.parametrize(
    "unit",
    [
        " at ",
        "a at b dot com ",
        "a dot a dot a dot a at b dot ",
        "a" * 63 + " dot ",
        "at dot ",
        "a dot a at ",
        "0033 1 ",
    ],
)
def test_spelled_addresses_and_phones_are_linear_on_runs_of_their_pieces(unit: str) -> None:
    assert_linear(detect_pii, unit)
