"""Birth dates inside national ids (python-stdnum's checks), and reference numbers that only look
like phone numbers or ids.

Every number's check digit was computed for a random body; none is a real person's.
"""

from __future__ import annotations

import time

import pytest

from crewline.nodes.guards import detect_pii


def _found(text: str) -> list[tuple[str, str]]:
    return [(span.type, span.value) for span in detect_pii(text)]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        # born on 29 February of a leap year: 2004 (PESEL's month plus 20), 1992, 1984
        ("PESEL 04222940696", "PESEL 04222940696"),
        ("personnummer 920229-0921", "personnummer 920229-0921"),
        ("fødselsnummer 29028457055", "fødselsnummer 29028457055"),
        # "is" as Swedish and Norwegian write it
        ("mitt personnummer är 920229-0921", "personnummer är 920229-0921"),
        ("fødselsnummer er 29028457055", "fødselsnummer er 29028457055"),
        # a Belgian number of someone born since 2000
        ("INSZ 01.12.24-985.78", "INSZ 01.12.24-985.78"),
        # an ITIN of the groups the IRS added in 2011 (50-65)
        ("ITIN 912-57-4410", "ITIN 912-57-4410"),
    ],
)
def test_ids_with_real_birth_dates_are_found(text: str, span: str) -> None:
    assert ("NATIONAL_ID", span) in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "PESEL 00022925967 odrzucony",  # 29 February 1900: 1900 was no leap year
        "personnummer 930229-2264 finns inte",  # 29 February 1993
        "INSZ 91.04.32-468.55 ongeldig",  # a 32nd of April
        "row 110105185004120007 imported",  # 18 digits whose "birth" was in 1850: no one living's
    ],
)
def test_ids_whose_check_passes_on_a_day_that_never_was_are_not_ids(text: str) -> None:
    # the hand-written checks read every 29 February as real and no Belgian day at all
    assert not [kind for kind, _ in _found(text) if kind == "NATIONAL_ID"]


@pytest.mark.parametrize(
    "text",
    [
        "Order 412-771-306 shipped",
        "SKU 412-771-306-C back in stock",
        "part no. 205-918-447-A",
        "po #318 204 977 approved",
        "lot 905-214-638, expiry 2028-01",
        "ref 227-530-816/3 (aisle 4)",
        "invoice 0519-3382-47 due",
    ],
)
def test_order_part_and_lot_numbers_are_not_phone_numbers(text: str) -> None:
    assert not [kind for kind, _ in _found(text) if kind == "PHONE_NUMBER"]


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("móvil 412 771 306", "412 771 306"),
        ("order questions: call +34 612 771 306", "+34 612 771 306"),
        ("ref (415) 555-0199", "(415) 555-0199"),
        ("085 175 7641-Office", "085 175 7641"),  # a label after "-", not a suffix
        ("Order placed. Call 415-555-0199 with questions", "415-555-0199"),
    ],
)
def test_phone_numbers_stay_phone_numbers_near_the_same_words(text: str, phone: str) -> None:
    assert ("PHONE_NUMBER", phone) in _found(text)


@pytest.mark.parametrize("unit", ["order 630-859-013-B ", "ref " * 8 + "630 859 013 ", "PESEL 0002292596 "])
def test_the_reference_rules_stay_linear_on_20_kb(unit: str) -> None:
    text = (unit * (20_000 // len(unit) + 1))[:20_000]
    began = time.perf_counter()
    detect_pii(text)
    assert time.perf_counter() - began < 1.0, unit
