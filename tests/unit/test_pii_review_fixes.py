"""Personal data and secrets a review found missed or over-redacted after this session's rules for
non-phones, spelled-out addresses, labelled data and digests: phones in CSV rows and next to postal
codes, after "#", in German and Indian national formats; weak passwords in real connection strings;
shop names spelled like addresses; paths under names that end in "PWD"; dates and batches that only
look labelled.

Every value here is made up.
"""

from __future__ import annotations

import pytest

from crewline.nodes.guards import detect_pii
from tests.support.scaling import assert_linear


def _found(text: str) -> list[tuple[str, str]]:
    return [(span.type, span.value) for span in detect_pii(text)]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        # a CSV row: the figure before the comma is a column, not a thousands head
        ("id,phone\n17,555-123-4567", ("PHONE_NUMBER", "555-123-4567")),
        ("42,212-555-0147,John", ("PHONE_NUMBER", "212-555-0147")),
        ("row 3,123-45-6789,Jane", ("US_SSN", "123-45-6789")),
        ("7,(555) 123-4567", ("PHONE_NUMBER", "(555) 123-4567")),
        ("1,+1 555 123 4567", ("PHONE_NUMBER", "+1 555 123 4567")),
        # upper-case words and postal codes before a phone number are no parcel code
        ("London SW1A 2AA 020 7946 0958", ("PHONE_NUMBER", "020 7946 0958")),
        ("Toronto ON M5V 3L9 416 555 0123", ("PHONE_NUMBER", "416 555 0123")),
        ("Flat 3B 07700 900123", ("PHONE_NUMBER", "07700 900123")),
        ("Apt 5C 555 123 4567", ("PHONE_NUMBER", "555 123 4567")),
        ("Booking ABC123 0161 496 0123", ("PHONE_NUMBER", "0161 496 0123")),
        ("CALL ME AT 555 123 4567 BEFORE 5PM", ("PHONE_NUMBER", "555 123 4567")),
        # a label glued with "#"
        ("ph#555-123-4567", ("PHONE_NUMBER", "555-123-4567")),
        ("cell#555-123-4567", ("PHONE_NUMBER", "555-123-4567")),
        ("Tel#0207 946 0958", ("PHONE_NUMBER", "0207 946 0958")),
        # national formats: German extensions, Indian mobiles, trunk-prefixed groups of three
        ("Tel.: 030 12345-67", ("PHONE_NUMBER", "030 12345-67")),
        ("Zentrale 0711 4567-23", ("PHONE_NUMBER", "0711 4567-23")),
        ("Büro 089 123456-78", ("PHONE_NUMBER", "089 123456-78")),
        ("mobile 098765 43210", ("PHONE_NUMBER", "098765 43210")),
        ("mobile 70432-81234", ("PHONE_NUMBER", "70432-81234")),
        ("call 63456-78901", ("PHONE_NUMBER", "63456-78901")),
        ("freephone 0 800 123 456", ("PHONE_NUMBER", "0 800 123 456")),
        ("Brussels 02 123 456 789", ("PHONE_NUMBER", "02 123 456 789")),
        ("Ref 12,020 7946 0958", ("PHONE_NUMBER", "020 7946 0958")),  # groups of four: no table figures
        ("Handy 0171 20190312", ("PHONE_NUMBER", "0171 20190312")),  # a date-like subscriber number
    ],
)
def test_phone_numbers_and_ssns_the_non_phone_rules_had_hidden_are_found(
    text: str, span: tuple[str, str]
) -> None:
    assert _found(text) == [span]


@pytest.mark.parametrize(
    "text",
    [
        "UPS 1Z 999 AA1 01 2345 6784 shipped",  # a parcel: no phone inside
        "dynamic ports 49152-65535",  # a port range
        "fee 49,273 400 1904 Andy",  # a table row after a thousands head
        "ticket #20250114-000183",  # a compact date after "#"
        "order #12345678 shipped",
        "allocated 1 048 576 bytes",
        "DPD parcel 0150 2345 6789 12",  # a trunk "0" does not make a short tail an extension
    ],
)
def test_digit_groups_that_are_not_phones_stay_unflagged(text: str) -> None:
    assert [kind for kind, _ in _found(text) if kind in ("PHONE_NUMBER", "US_SSN")] == []


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("redis://default:Qwerty123!@cache.prod:6379", "Qwerty123!"),
        ("postgres://u:Passw0rd!@h/db", "Passw0rd!"),
        ("postgres://svc:letmein2023@db/app", "letmein2023"),
        ("postgres://app:Welcome1@db.prod.internal", "Welcome1"),
    ],
)
def test_a_weak_password_in_a_real_connection_string_is_a_secret_and_no_address(
    text: str, password: str
) -> None:
    assert _found(text) == [("SECRET", password)]


@pytest.mark.parametrize(
    "text",
    [
        "postgres://user:password@localhost:5432/mydb",
        "postgres://u:pass@example.com/db",
        "mysql://root:changeme@db/x",
    ],
)
def test_example_connection_strings_hold_no_secret_nor_address(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "order it at amazon dot com please",
        "what is the price of airpods at walmart dot com",
        "Visit us at www dot example dot com",
        "you can buy shoes at zappos dot com",
        "look at amazon dot com",
        "he is at home dot com",
        "sign up at netflix dot com",
        "find me flights at expedia dot com",
    ],
)
def test_shops_spelled_out_are_no_email_address(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("write to jane dot doe at example dot com", "jane dot doe at example dot com"),
        ("mail jdoe42 at gmail dot com", "jdoe42 at gmail dot com"),
        ("email priya at fastmail dot co dot uk", "priya at fastmail dot co dot uk"),
        ("ops AT acme DOT co DOT uk", "ops AT acme DOT co DOT uk"),
        ("my e-mail is tomasz at onet dot pl", "tomasz at onet dot pl"),
    ],
)
def test_addresses_spelled_out_are_still_found(text: str, span: str) -> None:
    assert _found(text) == [("EMAIL_ADDRESS", span)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("OLDPWD=/home/alice/projects/app", []),  # a path under a name ending in PWD
        ("MYSQLPWD=/run/secrets/db", []),
        ("ADMINPWD=Zq8vX2mK9pLw", [("SECRET", "Zq8vX2mK9pLw")]),  # a value is still a secret
        ("hashtag_session: Zq8vX2mK9pLwQ7rTx5YzAb12Cd", [("SECRET", "Zq8vX2mK9pLwQ7rTx5YzAb12Cd")]),
        ("HASH_SALT=Zq8vX2mK9pLwQ7rTx5YzAb12Cd", [("SECRET", "Zq8vX2mK9pLwQ7rTx5YzAb12Cd")]),
        ("file_checksum: Zq8vX2mK9pLwQ7rTx5YzAb12Cd", []),  # a digest is published
        ("Content-MD5: Zq8vX2mK9pLwQ7rTx5YzAb12Cd", []),
    ],
)
def test_names_that_contain_a_digest_or_secret_word_decide_by_their_parts(
    text: str, found: list[tuple[str, str]]
) -> None:
    assert _found(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "Our store was born 2021-03-01",
        "The passport 202401 batch",
        "Je ne le 12/12/2020",
        "passport no. 202401",  # six digits alone: a batch or a year and month
    ],
)
def test_dates_and_batches_without_a_birth_or_passport_label_are_not_labelled_pii(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("née le 3 juin 1975 à Lyon", ("DATE_OF_BIRTH", "née le 3 juin 1975")),
        ("Born: 1975-06-03", ("DATE_OF_BIRTH", "Born: 1975-06-03")),
        ("and I was born March 3, 1990", ("DATE_OF_BIRTH", "born March 3, 1990")),
        ("née Trogneux, born 13 April 1953", ("DATE_OF_BIRTH", "born 13 April 1953")),
        ("passport: X1234567", ("PASSPORT", "passport: X1234567")),
        ("passport no 53348012", ("PASSPORT", "passport no 53348012")),
    ],
)
def test_labelled_dates_of_birth_and_passports_are_still_found(text: str, span: tuple[str, str]) -> None:
    assert _found(text) == [span]


@pytest.mark.parametrize(
    "unit",
    ["7,", "1Z 9", "#555-", "0 800 ", "70432-", "a at b dot ", "p://u:Qwerty1@", "OLDPWD=/", "hash_salt: "],
)
def test_the_changed_rules_stay_linear_on_20_kb_of_their_own_shapes(unit: str) -> None:
    assert_linear(detect_pii, unit)
