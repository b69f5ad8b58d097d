"""Fixes after the review of the stdnum and reference-number changes: phone numbers in a phone's own
shape stay phones after a reference's word or with a line's tag, Swedish coordination numbers and
Finnish temporary ids are ids, a bare 15-digit number is a NIR only with a month in it, and secret
rules that named too little.

Every id's check digit was computed for a random body and every key is random; none is real.
"""

from __future__ import annotations

import random
import string

import pytest

from crewline.nodes.guards import detect_pii
from crewline.nodes.guards.pii_national import national_ids
from crewline.nodes.guards.secrets import find_secrets
from tests.support.scaling import assert_linear


def _found(text: str) -> list[tuple[str, str]]:
    return [(span.type, span.value) for span in detect_pii(text)]


def _phones(text: str) -> list[str]:
    return [value for kind, value in _found(text) if kind == "PHONE_NUMBER"]


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        # a phone's own shape after a reference's word: a customer writing about an order, a booking
        ("questions about your order 212-555-0147", "212-555-0147"),
        ("Re your invoice: 0161 496 0321", "0161 496 0321"),
        ("Case 312 555 0188 - call me back", "312 555 0188"),
        ("booking 0113 496 0775, ask for Tom", "0113 496 0775"),
        ("Tracking - 646.555.0123 is my cell", "646.555.0123"),
        ("Ref: 029 2018 0934", "029 2018 0934"),
        ("Area code 718 555 0161", "718 555 0161"),
        ("PO 503-555-0110 (my mobile)", "503-555-0110"),
        ("Order 1-800-555-0175 to reorder", "1-800-555-0175"),
        ("ticket 04 72 18 93 56 pour le SAV", "04 72 18 93 56"),
        ("Parts: 0412 345 678", "0412 345 678"),
        # department headings in a signature: a plural before a colon
        ("Orders: 0117 496 0852", "0117 496 0852"),
        ("Bookings: 617-555-0190", "617-555-0190"),
        # "code", "case", "ref" alone, before a number in another shape
        ("Code: 612 771 306", "612 771 306"),
        ("in case 612 771 306 is busy", "612 771 306"),
        # an alternate last digits, a line's tag, an extension glued with "-"
        ("Tel: 0161 496 0321/2", "0161 496 0321"),
        ("Tel: 01632 960774/5", "01632 960774"),
        ("Call 303-555-0144/0145", "303-555-0144"),
        ("Tel 0478123456/0478654321", "0478123456"),
        ("Mobile 07700 900456-M", "07700 900456"),
        ("home 415-555-0162-H, work 415-555-0163-W", "415-555-0162"),
        ("home 415-555-0162-H, work 415-555-0163-W", "415-555-0163"),
        ("direct line 202-555-0139-x4471", "202-555-0139"),
        ("direct line 0118 496 0512-ext 22", "0118 496 0512"),
        # nine digits with "/" before a whole other number: an alternate number, not a sub-reference
        ("móvil 612 771 306/612 771 307", "612 771 306"),
    ],
)
def test_phone_numbers_in_a_phones_shape_stay_phones(text: str, phone: str) -> None:
    # before: the reference rule took any national number after these words or glued to "/"+digit,
    # "-" + a letter: a leak for a privacy guard
    assert phone in _phones(text)


@pytest.mark.parametrize(
    "text",
    [
        "Order 630-859-013 shipped",  # nine digits: no plan dials 3-3-3 after "order"
        "SKU 630-859-013-B back in stock",
        "SKU 630-859-013-M in medium",  # a size after a SKU, not a line's tag
        "part no. 412-907-331",
        "po #318 204 977 approved",
        "case no. 412-771-306 closed",
        "ref #227 530 816",
        "lot 118-442-907/2",
        "invoice 0417-2291-88 due",  # a trunk "0" but a check pair: an invoice's
        "Order 415-555-0132-A12",  # a phone's shape with a SKU's letter and number
        "orders 630-859-013 shipped",  # a plural without a colon: not a heading
        "Order #4155550132 confirmed",  # ten bare digits after "order"
    ],
)
def test_reference_numbers_stay_references(text: str) -> None:
    assert _phones(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "personnummer 811278-9873",  # a coordination number: born 18 December 1981, day + 60
        "personnummer: 19811278-9873",
        "samordningsnummer enligt personnummer 700463-2399",
    ],
)
def test_swedish_coordination_numbers_are_ids(text: str) -> None:
    assert any(kind == "se_personnummer" and ok for _, _, ok, kind in national_ids(text))


@pytest.mark.parametrize(
    "text",
    [
        "personnummer 811278-9874",  # the check digit is wrong
        "personnummer 810260-9875",  # day 60: a 0th of February (its Luhn digit holds)
        "personnummer 811292-9875",  # day 92 - 60: a 32nd of December (its Luhn digit holds)
    ],
)
def test_coordination_number_look_alikes_are_not_ids(text: str) -> None:
    assert not any(kind == "se_personnummer" and ok for _, _, ok, kind in national_ids(text))


@pytest.mark.parametrize("text", ["hetu 131052-9129", "henkilötunnus 160490D961S"])
def test_finnish_temporary_ids_are_ids(text: str) -> None:
    # individual numbers 900-999 are given to real people (foreigners, emergency registration)
    assert [kind for kind, _ in _found(text)] == ["NATIONAL_ID"]


def _nir_key(body: str) -> str:
    return f"{97 - int(body) % 97:02d}"


def test_a_bare_fifteen_digit_number_is_a_nir_only_with_a_month() -> None:
    # stdnum's NIR reads only the length and the key: one 15-digit order or tracking number in a
    # hundred passed; its month (the 4th and 5th digits, 01-12) is what tells a bare one apart
    rng = random.Random(7)
    for _ in range(200):
        body = rng.choice("12") + "".join(rng.choice(string.digits) for _ in range(12))
        number = body + _nir_key(body)
        bare = any(kind == "fr_nir" for _, _, _, kind in national_ids(f"Order {number} shipped"))
        assert bare == (1 <= int(body[3:5]) <= 12), number
        # with its label, a NIR of another month code (born abroad, month not known) counts
        assert any(kind == "fr_nir" and ok for _, _, ok, kind in national_ids(f"numéro de sécu {number}"))
    assert not [kind for kind, _ in _found("tracking 185139912345638")]


def test_a_bare_czech_number_with_an_added_month_needs_its_label() -> None:
    # +20/+70 months exist (since 2004, when a day's numbers ran out), but a bare "dddddd/dddd" with
    # one is more often some other reference; with its label it counts
    overflow = "057214/0008"  # a woman born 2005-02-14, from the overflow series (month 50 + 20 + 2)
    assert not [kind for kind, _ in _found(f"see {overflow}")]
    assert [kind for kind, _ in _found(f"rodné číslo {overflow}")] == ["NATIONAL_ID"]
    assert [kind for kind, _ in _found("see 055214/0006")] == ["NATIONAL_ID"]  # the same day, plain


@pytest.mark.parametrize(
    "text",
    [
        "r = binarysearch(arr, 'd41d8cd98f00b204e9800998ecf8427e')",
        'hits = doResearch("6be0576ff61c053d5f9a3225e2a90f76")',
        'websearch("9a0364b9e99bb480dd25e1f0284c8555")',
    ],
)
def test_a_hash_passed_to_any_search_function_is_not_a_secret(text: str) -> None:
    assert list(find_secrets(text)) == []


def test_a_key_passed_to_a_search_vendors_factory_is_a_secret() -> None:
    key = "f3b1c9e27a6d4058b2e19c7d3a5f8e60"
    for call in ("algoliasearch", "meilisearch", "Elasticsearch", "OpenSearch"):
        assert "client_argument" in [s for _, _, s in find_secrets(f"client = {call}('K3LWZ0QX1P', '{key}')")]


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def _legacy_pat(seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(_BASE32) for _ in range(50)) + "7q"


@pytest.mark.parametrize(
    "line",
    [
        "azure storage object {v}",
        "Azure Blob etag {v}",
        "see azure docs, digest {v} in the manifest",
    ],
)
def test_a_base32_run_near_azure_alone_is_not_a_devops_token(line: str) -> None:
    assert list(find_secrets(line.format(v=_legacy_pat(1)))) == []


@pytest.mark.parametrize(
    "line",
    [
        "AZURE_DEVOPS_EXT_PAT={v}",
        "git clone https://pat:{v}@dev.azure.com/contoso/app/_git/app",
        "echo {v} | az devops login --organization https://dev.azure.com/contoso",
        "azdo token {v}",
        "my PAT for contoso.visualstudio.com is {v}",
    ],
)
def test_a_legacy_devops_token_near_its_service_is_a_secret(line: str) -> None:
    value = _legacy_pat(2)
    text = line.format(v=value)
    assert value in [text[start:end] for start, end, _ in find_secrets(text)]


def test_a_clickhouse_prefix_before_one_repeated_character_or_hex_is_not_a_secret() -> None:
    assert list(find_secrets("id 4b1d" + "a" * 38)) == []
    assert list(find_secrets("x=4b1d" + "0" * 38 + " done")) == []
    assert list(find_secrets("commit 4b1d2f5e8a9c0b1d2e3f4a5b6c7d8e9f0a1b2c3d4e")) == []  # 42 hex digits
    rng = random.Random(3)
    key = "4b1d" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(38))
    assert "clickhouse_cloud_secret" in [s for _, _, s in find_secrets(f"secret {key}")]


@pytest.mark.parametrize(
    "unit",
    [
        "Order 415-555-0132-M ",
        "orders: 630-859-013/",
        "po # ref no. ",
        "0161 496 0321/2 ",
        "PAT " + "a2" * 26 + " ",
        "devops " * 3 + "b" * 52 + " ",
        "4b1d" + "a" * 38 + " ",
        "personnummer 811278-9873 ",
        "Order 171834170471874 ",
        "see 057214/0008 ",
    ],
)
def test_the_changed_rules_stay_linear(unit: str) -> None:
    assert_linear(detect_pii, unit)
