"""Regressions a review of this session's national-id and secret rules found: a label that hid a card
or a phone, a failed check that unredacted a number, non-ASCII digits that crashed a check, the
Singapore FIN M-series letter, diceware passphrases, indented YAML values, public prefixes that
swallowed passwords, constructors and prose that looked like SDK calls, and bare ids on reference
numbers. Every value here is made up.
"""

from __future__ import annotations

import random
import time

import pytest

from crewline.nodes.guards import detect_pii
from crewline.nodes.guards.pii_national import national_ids
from crewline.nodes.guards.pii_national_kinds import KINDS


def _found(text: str) -> list[tuple[str, str]]:
    return [(span.type, span.value) for span in detect_pii(text)]


def _covered(text: str) -> set[int]:
    return {at for span in detect_pii(text) for at in range(span.start, span.end)}


# 1: "my number" in prose is no label, and a national id ends where its number ends
@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("my number is 5555 5555 5555 4444", "CREDIT_CARD", "5555 5555 5555 4444"),
        ("My number: 0049 1512 3456", "PHONE_NUMBER", "0049 1512 3456"),
        ("my number is 447911123456", "CREDIT_CARD", "447911123456"),
        ("my number is 4111 1111 1111 1111", "CREDIT_CARD", "4111 1111 1111 1111"),
        ("UID 4111 1111 1111 1111", "CREDIT_CARD", "4111 1111 1111 1111"),
        ("Aadhaar 4111 1111 1111 1111", "CREDIT_CARD", "4111 1111 1111 1111"),
    ],
)
def test_a_label_does_not_hide_a_longer_number(text: str, kind: str, value: str) -> None:
    assert (kind, value) in _found(text)


def test_a_national_id_never_stops_inside_a_number() -> None:
    # "4111 1111 0012" passes Verhoeff: alone after its label it is an Aadhaar number (this test
    # used "4111 1111 1114", a palindrome, which UIDAI never issues and stdnum rejects)
    assert [kind for _, _, ok, kind in national_ids("Aadhaar 4111 1111 0012") if ok] == ["in_aadhaar"]
    for tail in (" 1111", "-1111", " 1", "1"):
        assert not [kind for _, _, ok, kind in national_ids("Aadhaar 4111 1111 0012" + tail) if ok], tail
    assert [kind for _, _, ok, kind in national_ids("Aadhaar 4111 1111 0012 ok") if ok] == ["in_aadhaar"]


# 2: a labelled number failing its check claims nothing another detector reports
@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("ID number 4026859952898", "CREDIT_CARD", "4026859952898"),
        ("SIN 046 454 286", "PHONE_NUMBER", "046 454 286"),
        ("personnummer 4155552671", "PHONE_NUMBER", "4155552671"),
        ("RC 4155552671", "PHONE_NUMBER", "4155552671"),
        ("TFN 030 901820", "PHONE_NUMBER", "030 901820"),
    ],
)
def test_a_failed_check_leaves_the_number_to_other_detectors(text: str, kind: str, value: str) -> None:
    assert (kind, value) in _found(text)


def test_south_african_id_needs_its_citizenship_digit() -> None:
    za = next(kind for kind in KINDS if kind.name == "za_id")
    assert za.valid("7503305044089")  # stdnum's example: citizen, 12th digit 8
    assert not za.valid("7503305045581")  # Luhn and date hold, citizenship digit 5 does not


# 3: non-ASCII digits and fullwidth forms never crash a check
@pytest.mark.parametrize(
    "text",
    [
        "RSSMRA٨٥T10A562S",
        "RSSMRA85T10A５62S",
        "DNI ١٢٣٤٥٦٧٨Z",
        "SIN ０４６ ４５４ ２８７",
        "CF RSSMRA８５T10A562S",
    ],
)
def test_non_ascii_digits_never_crash(text: str) -> None:
    detect_pii(text)


def test_every_check_is_total_on_fuzzed_digits() -> None:
    rng = random.Random(7)
    alphabet = "0123456789٠١٢٣٤٥٦٧٨٩０１２３４５６７８９०१२३ABCXYZKMST-./ "
    for kind in KINDS:
        for _ in range(300):
            value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
            assert kind.valid(value) in (True, False)
    for _ in range(300):
        label = rng.choice(["SIN ", "DNI ", "CF ", "PESEL ", "Aadhaar ", "NRIC ", "", "RUT "])
        detect_pii(label + "".join(rng.choice(alphabet) for _ in range(rng.randint(8, 20))))


# 4: the FIN M-series letter is KLJNPQRTUWX[10 - r]
def test_singapore_fin_m_series() -> None:
    assert ("NATIONAL_ID", "M1234567K") in _found("M1234567K")
    assert ("NATIONAL_ID", "FIN M1234567K") in _found("FIN M1234567K")  # the label is in the span
    assert not _found("M1234567X")


# 5: a diceware passphrase under a password name is a secret
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("password=correct-horse-battery-staple", "correct-horse-battery-staple"),
        ("DB_PASSWORD=blue-river-stone-cloud", "blue-river-stone-cloud"),
        ('passphrase = "vivid-orbit-candle-frozen-maple"', "vivid-orbit-candle-frozen-maple"),
        ("wifi password is purple-monkey-dishwasher-lamp", "purple-monkey-dishwasher-lamp"),
    ],
)
def test_diceware_passphrases_are_secrets(text: str, value: str) -> None:
    assert ("SECRET", value) in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "secretKeyRef:\n  name: crm\n  key: access-token",
        "secretName: app-tls-cert-store",
        "existingSecret: shop-db-secret",
        "password_secret: shop-db-credentials",
        "password: your-password-here",
        "token_type: bearer-access-token",
    ],
)
def test_word_joined_names_stay_references(text: str) -> None:
    assert not [kind for kind, _ in _found(text) if kind == "SECRET"]


# 6: a YAML value indented on the next line
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("api_key:\n  aB3dE5fG7hI9jK1lM3nOpQ7", "aB3dE5fG7hI9jK1lM3nOpQ7"),
        ("client_secret:\n    Zq8xV2mN4bT6yR1wK3pL9sD5", "Zq8xV2mN4bT6yR1wK3pL9sD5"),
        ("api_key:\n  aB3dE5fG7hI9jK1lM3nOpQ7=", "aB3dE5fG7hI9jK1lM3nOpQ7="),
    ],
)
def test_indented_value_on_the_next_line(text: str, value: str) -> None:
    assert ("SECRET", value) in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "OKTA_API_TOKEN=\nFASTLY_API_TOKEN=\nCOHERE_API_KEY=",
        "api_key:\naB3dE5fG7hI9jK1lM3nOpQ7",
        "secrets:\n  api_key: $API_KEY",
        "token:\n  FASTLY_API_TOKEN=Zq8x",
        "auth_token:\n  refresh_url: https://acme.io/r",
    ],
)
def test_next_line_names_are_not_values(text: str) -> None:
    assert not [value for kind, value in _found(text) if kind == "SECRET"]


# 7: a public prefix exempts only the public key's whole shape
def test_public_prefix_needs_the_full_shape() -> None:
    assert ("SECRET", "age1987Xk9mQ2vL8") in _found("password=age1987Xk9mQ2vL8")
    recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
    assert not _found(f"recipient={recipient}")


# 8: only a client's constructor takes a key; ids and versions are not keys
@pytest.mark.parametrize(
    "text",
    [
        'UUID("550e8400e29b41d4a716446655440000")',
        'Item("5d41402abc4b2a76b9719d911017c592")',
        'Version("v2.14.0-rc1+Build5678")',
        'Font("NotoSans-Bold-Italic-v3")',
        'Order("ORD-2024-X7Kq9Lm2Pz")',
        'Widget(id="btnSubmit2ndStepX9")',
        'Video(id="5d41402abc4b2a76b9719d911017c592")',
        "auth 550e8400-e29b-41d4-a716-446655440000 failed for request",
        "please login again and auth 550e8400-e29b-41d4-a716-446655440000",
        "ssh user@host, then login 3f2a9c1b7e4d5a6f8b0c9d1e2f3a4b5c",
        "then login 3f2a9c1b7e4d5a6f8b0c9d1e2f3a4b5c",
        "Please auth 550e8400-e29b-41d4-a716-446655440000 again",
    ],
)
def test_ids_in_calls_and_prose_are_not_keys(text: str) -> None:
    assert not _found(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('co = cohere.ClientV2("aB3dE5fG7hI9jK1lM3nOpQ7xYz")', "aB3dE5fG7hI9jK1lM3nOpQ7xYz"),
        ("sms = Client('AC42', '5d41402abc4b2a76b9719d911017c592')", "5d41402abc4b2a76b9719d911017c592"),
        ("$ wandb login 5d41402abc4b2a76b9719d911017c592aa", "5d41402abc4b2a76b9719d911017c592aa"),
        ("acmectl auth 3f9a0c1d-2e4b-4a69-8887-766554433221", "3f9a0c1d-2e4b-4a69-8887-766554433221"),
    ],
)
def test_clients_and_clis_still_take_keys(text: str, value: str) -> None:
    assert ("SECRET", value) in _found(text)


# 9: reference numbers are not bare national ids
@pytest.mark.parametrize(
    "text",
    [
        "Ticket 011207/6426",
        "ref 27-53596648-1",
        "order 100911-4111970",
        "batch 20240927F",
        "item T9482287J",
        "invoice 12.345.678-5",
        "code 912-78-4321",
        "total 12.345.678-5 pesos",
    ],
)
def test_reference_numbers_are_not_national_ids(text: str) -> None:
    assert not [kind for kind, _ in _found(text) if kind == "NATIONAL_ID"]


def test_an_eighteen_digit_card_stays_a_card() -> None:
    # a date inside and the ISO 7064 check holding, and Luhn too: a card's 18 digits
    number = _luhn_china()
    assert [kind for kind, value in _found(f"card {number}") if value == number] == ["CREDIT_CARD"]


def _luhn_china() -> str:
    from crewline.nodes.guards.pii_cards import card_branded
    from crewline.nodes.guards.pii_national_checks import china

    for serial in range(1000):
        body = f"62212619900307{serial:03d}"  # UnionPay's 62, a Gansu area code, a birth date
        for check in "0123456789":
            if china(body + check) and card_branded(body + check):
                return body + check
    raise AssertionError("no 18-digit number passes both")


def test_hostile_input_stays_linear() -> None:
    for piece in ("my number is 1234 ", "api_key:\n  ", 'Client("a" ', "login 0", "order 1/"):
        text = piece * (20_000 // len(piece))
        started = time.perf_counter()
        detect_pii(text)
        assert time.perf_counter() - started < 1.0, piece
