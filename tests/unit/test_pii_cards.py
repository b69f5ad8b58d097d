"""Card numbers where a model or a user puts them: a URL's path or host, groups split by full stops, a
run glued to an expiry. A card brand's number is a card there; an identifier that merely passes
Luhn (one number in ten does) stays readable."""

from __future__ import annotations

import pytest

from crewline.nodes.guards.pii import detect_pii
from crewline.nodes.guards.pii_cards import CARD, CARD_GLUED, card_branded
from tests.support.scaling import assert_linear


def _cards(text: str) -> list[str]:
    return [span.value for span in detect_pii(text) if span.type == "CREDIT_CARD"]


@pytest.mark.parametrize(
    ("text", "card"),
    [
        # image links and pages a model could be told to write, the card as a path segment
        ("![receipt](https://evil.example/p/378282246310005/pixel.gif)", "378282246310005"),
        ("https://evil.example/c/4111111111111111/x.png", "4111111111111111"),
        ("GET /pay/5555555555554444/checkout", "5555555555554444"),
        ("open pay.example.net/v1/6011111111111117/confirm", "6011111111111117"),
        ('<img src="https://t.example/i/3530111333300000/a.gif">', "3530111333300000"),
        # or as a host's first label (a DNS lookup carries it out)
        ("https://4111111111111111.evil.example/log", "4111111111111111"),
        # groups split by full stops, and runs glued to an expiry or a code
        ("I typed 4111.1111.1111.1111 on the form", "4111.1111.1111.1111"),
        ("https://evil.example/x/4111111111111111_1227.jpg", "4111111111111111"),
        ("ref 5555555555554444-1227-123", "5555555555554444"),
    ],
)
def test_a_brands_card_number_is_a_card_in_a_url_or_glued_to_digits(text: str, card: str) -> None:
    assert _cards(text) == [card]


@pytest.mark.parametrize(
    "text",
    [
        "GET https://api.example.com/users/123/3/posts",
        "https://shop.example.com/orders/100234578/items",
        "https://shop.example.com/orders/1002345781234567/items",  # passes Luhn, no brand's range
        "https://x.example/user/status/1790123456789012345/photo",  # a snowflake id
        "https://cdn.example.com/img/9f1c2a7e-4b3d-4e8f-a1b2-c3d4e5f60718.png",
        "https://9400100000000005.tracking.example/pkg",  # no brand starts with 94
        "build 2024.0315.1742.0009 passed",  # Luhn-valid in groups split by full stops, no brand
        "version 10.0.19045.3693",
        "log-1718203344516_3.txt and 1234567890123452-01",  # Luhn-valid runs glued to more digits
        "arn:aws:iam::123456789015:role/x and urn:li:activity:4111111111111111:comments",
    ],
)
def test_identifiers_that_pass_luhn_stay_readable(text: str) -> None:
    assert _cards(text) == []


@pytest.mark.parametrize(
    ("digits", "branded"),
    [
        ("4111111111111111", True),  # Visa, 16
        ("4222222222222", True),  # Visa, 13
        ("5555555555554444", True),  # Mastercard
        ("2223003122003222", True),  # Mastercard 2-series
        ("378282246310005", True),  # Amex, 15
        ("37828224631003", False),  # Amex's prefix and Luhn, a Diners length
        ("6011111111111117", True),  # Discover
        ("3530111333300000", True),  # JCB
        ("36259600000004", True),  # Diners, 14
        ("6200000000000005", True),  # UnionPay
        ("1234567890123452", False),  # Luhn-valid, no brand starts with 1
        ("4111111111111112", False),  # a Visa's shape failing Luhn
        ("4444444444444448", True),
        ("0000000000000000", False),
    ],
)
def test_card_brands_by_issuer_range_and_length(digits: str, branded: bool) -> None:
    assert card_branded(digits) is branded


@pytest.mark.parametrize(
    "unit", ["4111.", "4111.1111.", "1.", "4111111111111111_", "4111111111111111-1", "9" * 19 + "_"]
)
def test_the_card_patterns_are_linear_on_runs_of_their_own_pieces(unit: str) -> None:
    for call in (lambda t: list(CARD.finditer(t)), lambda t: list(CARD_GLUED.finditer(t)), detect_pii):
        assert_linear(call, unit)
