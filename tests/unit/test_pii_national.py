"""National identity numbers: each country's check digit, the labels that weakly checked numbers need,
and the look-alikes that stay readable.

Every number's check digit was computed for a random body; none is a real person's.
"""

from __future__ import annotations

import pytest

from crewline.nodes.guards import detect_pii
from crewline.nodes.guards.pii_national import national_ids
from tests.support.scaling import assert_linear


def _found(text: str) -> list[tuple[str, str]]:
    return [(span.type, span.value) for span in detect_pii(text)]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("NI number: MW163996B", "NI number: MW163996B"),
        ("national insurance no. JR 22 27 42 C", "national insurance no. JR 22 27 42 C"),
        ("SIN 651 059 164 on the form", "SIN 651 059 164"),
        ("mon NAS est le 913-140-109", "NAS est le 913-140-109"),
        ("TFN: 208 776 177", "TFN: 208 776 177"),
        ("BSN 334696070", "BSN 334696070"),
        ("burgerservicenummer: 5924.23.724", "burgerservicenummer: 5924.23.724"),
        ("Aadhaar no - 6224-8067-4063", "Aadhaar no - 6224-8067-4063"),
        ("PESEL 53120457520", "PESEL 53120457520"),
        ("personnummer 950810-7084", "personnummer 950810-7084"),
        ("CPF 47939868624", "CPF 47939868624"),
        # shapes that count without a label
        ("it is 19197290H", "19197290H"),
        ("NIE: Z3443104D", "NIE: Z3443104D"),
        ("for the invoice 740.111.027-09 thanks", "740.111.027-09"),
        ("sécu 2 94 01 81 770 496 82", "2 94 01 81 770 496 82"),
        ("S0366876B is my NRIC", "S0366876B"),
        ("id 44030519850210718X", "44030519850210718X"),
        ("OG 20 44 72 A", "OG 20 44 72 A"),
        # countries added after the first fresh set; labels in brackets and "card number"
        ("numéro national 88.07.18-443.41", "numéro national 88.07.18-443.41"),
        ("NIF: 307443884", "NIF: 307443884"),
        ("fødselsnummer 06118603131", "fødselsnummer 06118603131"),
        ("hetu 210960-3054", "210960-3054"),
        ("ID number 8907215973098", "ID number 8907215973098"),
        ("T.C. kimlik no: 42159968824", "T.C. kimlik no: 42159968824"),
        ("teudat zehut 130401680", "teudat zehut 130401680"),
        ("RRN 980824-1167811", "RRN 980824-1167811"),
        ("cf RSSMRA94E21G229Y", "RSSMRA94E21G229Y"),
        ("ITIN 982-92-9509", "ITIN 982-92-9509"),
        ("BSN (burgerservicenummer): 334696070", "burgerservicenummer): 334696070"),
        ("aadhaar card number 6224 8067 4063", "aadhaar card number 6224 8067 4063"),
        # the mod-11 family and the rest added with it; acronyms naming a field
        ("CUIL 27-99356327-2", "CUIL 27-99356327-2"),
        ("RUT 9.327.928-K", "RUT 9.327.928-K"),
        ("マイナンバー 9065 2863 0374", "マイナンバー 9065 2863 0374"),
        ("CNP: 2691014111242", "CNP: 2691014111242"),
        ("OIB 97316932273", "OIB 97316932273"),
        ("rodné číslo 755816/1006", "rodné číslo 755816/1006"),
        ("AMKA 11017232916", "AMKA 11017232916"),
        ('{"sin": "933 778 094"}', '"sin": "933 778 094'),
        ("| PESEL | 53120457520 |", "PESEL | 53120457520"),
    ],
)
def test_national_ids_with_their_check_digits_are_found(text: str, span: str) -> None:
    assert _found(text) == [("NATIONAL_ID", span)]


@pytest.mark.parametrize(
    "text",
    [
        "SIN 651 059 165 was rejected",  # Luhn fails: no SIN (a phone detector may still take it)
        "TFN 208 776 178",
        "BSN 334696071 klopt niet",
        "Aadhaar 6224 8067 4064",
        "the DNI 19197290A has the wrong letter",
        "CPF 111.111.111-11",  # passes the sums; no one's
        "personnummer 951310-7084",  # month 13
        "NIF 307443885",
        "ID number 8907215973099",
        "kimlik no 42159968825",
        "RUT 9.327.928-5",
        "OIB 97316932274",
    ],
)
def test_labelled_numbers_failing_their_check_are_not_national_ids(text: str) -> None:
    # and claim nothing: what other detectors report of the number stays reported (a review found
    # "SIN 046 454 286" and "ID number 4026859952898" unredacted while the claim held them)
    assert [kind for kind, _ in _found(text) if kind == "NATIONAL_ID"] == []


@pytest.mark.parametrize(
    "text",
    [
        "order 6224 8067 4063 shipped",  # Verhoeff-valid, but no label: a 4-4-4 number is an order's
        "ref 334696070",  # passes the 11-test, no label
        "sin azúcar 651 059 164",  # Spanish "sin" is no label (labels in capitals only)
        "serial MW163996B",  # compact NINO shape without its label: a serial number
        "ticket 2 94 01 81 770 496 83",  # a NIR's shape whose key fails
        "the single file 12345678",
        "café sin 933 778 094",  # lower-case "sin" in prose is a word, not a label
    ],
)
def test_unlabelled_weakly_checked_numbers_are_not_national_ids(text: str) -> None:
    assert all(kind != "NATIONAL_ID" for kind, _ in _found(text))


def test_a_labelled_national_id_is_found_again_on_its_own() -> None:
    # the span holds its label: restored alone in another sentence, it is the same span
    for text in ("call me, my SIN 651 059 164", "BSN: 334696070."):
        span = next(s for s in detect_pii(text) if s.type == "NATIONAL_ID")
        again = detect_pii(f"again: {span.value} ok")
        assert [(s.type, s.value) for s in again] == [("NATIONAL_ID", span.value)]


@pytest.mark.parametrize(
    "unit",
    [
        "SIN 1",
        "sin 123 456 ",
        "DNI 1",
        "AB 12 34 56 ",
        "CPF 123.456.",
        "aadhaar no - ",
        "est le est le ",
        "身份证",
    ],
)
def test_national_id_rules_are_linear(unit: str) -> None:
    assert_linear(lambda text: list(national_ids(text)), unit)
