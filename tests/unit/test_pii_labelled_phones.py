"""Dates of birth and passport numbers after their label; digit groups that are not phone numbers
(thousands separators, tables, part numbers, ranges, ticket ids, parcel codes) while phone numbers
written the same ways stay found.

Every value here is made up.
"""

from __future__ import annotations

import pytest

from crewline.evals.pii import evaluate
from crewline.nodes.guards import detect_pii
from tests.support.scaling import assert_linear


def _found(text: str) -> list[tuple[str, str]]:
    return [(span.type, span.value) for span in detect_pii(text)]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Date of birth: 02/11/1986", "Date of birth: 02/11/1986"),
        ("DOB 1971-04-23, blood type A", "DOB 1971-04-23"),
        ("D.O.B. - 23 April 1971", "D.O.B. - 23 April 1971"),
        ("he was born on Apr. 23rd, 1971 in Cork", "born on Apr. 23rd, 1971"),
        ("birthdate is 23.04.1971", "birthdate is 23.04.1971"),
        ("Geburtsdatum: 23.04.1971", "Geburtsdatum: 23.04.1971"),
        ("geboren am 23. April 1971 in Graz", "geboren am 23. April 1971"),
        ("née le 23 avril 1971 à Lyon", "née le 23 avril 1971"),
        ("fecha de nacimiento: 23 de abril de 1971", "fecha de nacimiento: 23 de abril de 1971"),
    ],
)
def test_a_labelled_date_of_birth_is_found_with_its_label(text: str, span: str) -> None:
    assert _found(text) == [("DATE_OF_BIRTH", span)]


def test_a_date_of_birth_on_a_span_a_data_set_labels_date_time_counts_neither_way() -> None:
    text = "She was born on 7/30/1964. Card 4111 1111 1111 1111"
    rows = [
        {
            "text": text,
            "pii": [
                {"type": "DATE_TIME", "start": 16, "end": 25},
                {"type": "CREDIT_CARD", "start": 32, "end": 51},
            ],
        }
    ]
    figures = evaluate(rows)
    assert (figures["recall"], figures["precision"]) == (1.0, 1.0)
    assert "DATE_OF_BIRTH" not in figures["by_type"]


@pytest.mark.parametrize(
    ("text", "span"),
    [("Passport No. K4829173", "Passport No. K4829173"), ("passport #: 708215594", "passport #: 708215594")],
)
def test_a_labelled_passport_number_is_found(text: str, span: str) -> None:
    assert _found(text) == [("PASSPORT", span)]


@pytest.mark.parametrize(
    "text",
    [
        "the meeting is on 02/11/2026",  # a date with no birth label
        "born in 1971",  # a year is not a date of birth
        "passport photos must be 35x45 mm",
        "passport number format: 9 digits",
    ],
)
def test_dates_and_passport_words_without_a_value_are_not_personal_data(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "1Z 4X7 9B2 03 1844 2290 is the parcel",  # a tracking code in groups
        "dynamic ports 32768-60999",  # a range
        "allocated 2 097 152 bytes",  # thousands separators
        "population 3 402 118 907",
        "ticket #20240611-004417",
        "batch 20240611-004417",  # a compact date heads the number
        "row 11 22 33 44 55 66",  # a table
        "article 4471193-118-02",  # a long head, a short tail
        "part 7720-3318-41",
        "fee 49,273 400 1904 Andy McCombie",  # a table row: 49,273, then 400 and a year
        "1,465,238 111 1949 Johnny Morris",
        "69,215 40 1905 Alf Common",  # nor a social security number
    ],
)
def test_digit_groups_that_are_not_phone_numbers_are_not_reported(text: str) -> None:
    assert [kind for kind, _ in _found(text)] == []


@pytest.mark.parametrize(
    "phone",
    [
        "78 651 450",
        "912 345 678",
        "06 12 34 56 78",
        "1 800 555 0199",
        "+33 6 12 34 56 78",
        "0044 161 496 0000",
    ],
)
def test_phone_numbers_written_in_the_same_groups_are_still_found(phone: str) -> None:
    assert _found(f"call {phone} today") == [("PHONE_NUMBER", phone)]


def test_phone_numbers_listed_with_commas_are_each_found() -> None:
    assert _found("call 555-0143,555-0199 or 1234,555-0188") == [
        ("PHONE_NUMBER", "555-0143"),
        ("PHONE_NUMBER", "555-0199"),
        ("PHONE_NUMBER", "555-0188"),
    ]


@pytest.mark.parametrize(
    "unit",
    ["DOB: 1/1/", "born on 3 June ", "date of birth ", "passport no. ", "1Z 999 AA1 ", "#2025 ", "1 048 "],
)
def test_the_new_rules_stay_linear_on_20_kb_of_their_own_shapes(unit: str) -> None:
    assert_linear(detect_pii, unit)
