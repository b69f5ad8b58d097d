"""Personal data and secrets with validation: cards (Luhn), IBANs (length + mod-97), US SSNs (issuance
rules), IPv4/IPv6 (``ipaddress``), emails, phone numbers (:mod:`crewline.nodes.guards.pii_phones`),
labelled dates of birth and passport numbers (:mod:`crewline.nodes.guards.pii_labelled`), national
identity numbers (:mod:`crewline.nodes.guards.pii_national`), and the
secrets of :mod:`crewline.nodes.guards.secrets`.

Detection is *context-free*: whether a span is reported depends on the span and the run of
non-space characters it sits in (up to 512 before it), never on words around it. The checkpoint
serializer re-detects values that a reply restored, in a different sentence, and finds exactly the
same ones, with one exception: a Luhn-valid digit run that the reply writes *into* an identifier (an
ARN's or URN's account field, a URL's path segment or a host's first label when no card brand issues
numbers of its prefix and length; see :mod:`crewline.nodes.guards.pii_identifiers` and
:mod:`crewline.nodes.guards.pii_cards`) is part of that identifier and is not found again there.
Anywhere else (after a label, before a full stop, an expiry or a word glued to it) it is a card, and
a card written in groups never belongs to one.

Two rules read a word before a number, as people tell references from personal data: a bare
national-id shape and a phone number written nationally, right after a reference number's word
("order", "SKU", "part no.", "invoice"), are that reference's (see
:mod:`crewline.nodes.guards.pii_national` and :mod:`crewline.nodes.guards.pii_phones`). They only
ever take a span away: the same digits elsewhere are reported, so a restored value is never missed.

Near misses claim their span: a 16-digit number that fails Luhn, an IBAN with a bad checksum, an SSN
with group 00 or an IPv4 with an octet of 256 is *not* reported, and no later detector (phone
numbers, the loosest) may report it either.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from crewline.nodes.guards.pii_cards import CARD, CARD_GLUED, card_branded, card_shaped, luhn_valid
from crewline.nodes.guards.pii_identifiers import embedded
from crewline.nodes.guards.pii_labelled import labelled_pii
from crewline.nodes.guards.pii_national import national_ids
from crewline.nodes.guards.pii_phones import (
    GROUPED_CODE,
    PHONE,
    after_thousands,
    grouped_code,
    phone_ok,
    reference_code,
)
from crewline.nodes.guards.pii_spelled import spelled_emails
from crewline.nodes.guards.secrets import find_secrets, longest_word, positions

__all__ = ["PII_TYPES", "PiiSpan", "detect_pii", "iban_valid", "luhn_valid", "ssn_valid"]

PII_TYPES = (
    "CREDIT_CARD",
    "IBAN_CODE",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "US_SSN",
    "IP_ADDRESS",
    "SECRET",
    "DATE_OF_BIRTH",
    "PASSPORT",
    "NATIONAL_ID",
)


class PiiSpan(NamedTuple):
    type: str
    start: int
    end: int
    value: str
    subtype: str = ""


# IBAN lengths by country (ISO 13616 registry).
_IBAN_LENGTH = dict(
    (code, int(length))
    for code, length in (
        item.split(":")
        for item in [
            "AD:24",
            "AE:23",
            "AL:28",
            "AT:20",
            "AZ:28",
            "BA:20",
            "BE:16",
            "BG:22",
            "BH:22",
            "BI:27",
            "BR:29",
            "BY:28",
            "CH:21",
            "CR:22",
            "CY:28",
            "CZ:24",
            "DE:22",
            "DJ:27",
            "DK:18",
            "DO:28",
            "EE:20",
            "EG:29",
            "ES:24",
            "FI:18",
            "FK:18",
            "FO:18",
            "FR:27",
            "GB:22",
            "GE:22",
            "GI:23",
            "GL:18",
            "GR:27",
            "GT:28",
            "HR:21",
            "HU:28",
            "IE:22",
            "IL:23",
            "IQ:23",
            "IS:26",
            "IT:27",
            "JO:30",
            "KW:30",
            "KZ:20",
            "LB:28",
            "LC:32",
            "LI:21",
            "LT:20",
            "LU:20",
            "LV:21",
            "LY:25",
            "MC:27",
            "MD:24",
            "ME:22",
            "MK:19",
            "MN:20",
            "MR:27",
            "MT:31",
            "MU:30",
            "NI:28",
            "NL:18",
            "NO:15",
            "OM:23",
            "PK:24",
            "PL:28",
            "PS:29",
            "PT:25",
            "QA:29",
            "RO:24",
            "RS:22",
            "RU:33",
            "SA:24",
            "SC:31",
            "SD:18",
            "SE:24",
            "SI:19",
            "SK:24",
            "SM:27",
            "SO:23",
            "ST:25",
            "SV:28",
            "TL:23",
            "TN:24",
            "TR:26",
            "UA:29",
            "VA:22",
            "VG:24",
            "XK:20",
            "YE:30",
        ]
    )
)

_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){11,30}\b")
# What comes before a URL's user name or password: the scheme's "://" and, before a password, "user:".
_URL_AUTHORITY = re.compile(r"://(?:[^\s:/@]{0,64}:)?$")
_SSN = re.compile(r"(?<![\w.+-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-]|\.\d)")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?![\w]|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?"
    r"(?:%[A-Za-z0-9]{1,16})?(?:/\d{1,3})?(?![\w:])"
)
_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}(?:@|\s?[\[(]at[\])]\s?)"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:(?:\.|\s?[\[(](?i:dot)[\])]\s?)[A-Za-z0-9-]{1,63}){1,8}\b"
)
# Crypto wallet addresses are public identifiers, not secrets: claimed so no secret rule reports them.
_WALLET = re.compile(r"\b(?:[13][a-km-zA-HJ-NP-Z1-9]{25,34}|bc1[a-z0-9]{25,59}|0x[0-9a-fA-F]{40})\b")
_WALLET_MIN_RUN = 26  # the shortest address, no white space in any
# Where an email's "@" (or "[at]", "(at)") can stand: every match holds one, at most this far from
# its start (64 characters of local part, a space and a bracket).
_EMAIL_ANCHORS = ("@", "at]", "at)")
_EMAIL_REACH = 66


def iban_valid(compact: str) -> bool:
    """Country length and the ISO 7064 mod-97 check of an IBAN without separators."""
    if _IBAN_LENGTH.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """SSA issuance rules: no area 000, 666 or 900-999, no group 00, no serial 0000."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _iban_spans(text: str) -> Iterable[tuple[int, int, bool]]:
    for match in _IBAN.finditer(text):
        raw = match.group(0)
        length = _IBAN_LENGTH.get(raw[:2])
        if length is None:
            yield match.start(), match.end(), False
            continue
        taken, end = 0, len(raw)  # cut the candidate at the country's length (a number may follow)
        for position, ch in enumerate(raw, start=1):
            taken += ch.isalnum()
            if taken == length:
                end = position
                break
        cut = raw[:end]
        compact = re.sub(r"[ -]", "", cut)
        ok = len(compact) == length and iban_valid(compact) and (end == len(raw) or raw[end] in " -")
        yield match.start(), match.start() + (end if ok else len(raw)), ok


def _ip_ok(raw: str) -> bool:
    address = raw.split("%", 1)[0]
    try:
        if "/" in address:
            ipaddress.ip_network(address, strict=False)
        else:
            ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _emails(text: str) -> Iterable[re.Match[str]]:
    """``_EMAIL.finditer(text)``, searched from near each "@" rather than tried at every letter: the
    leftmost match after ``at`` holds an anchor, the first anchor after ``at`` or a later one, so it
    starts no earlier than that first anchor less ``_EMAIL_REACH`` (lookbehinds see before ``pos``)."""
    at = 0
    for anchor in positions(text, _EMAIL_ANCHORS):
        if anchor < at:
            continue
        match = _EMAIL.search(text, max(at, anchor - _EMAIL_REACH))
        if match is None:
            return
        yield match
        at = match.end()


_ALL_TYPES = frozenset(PII_TYPES)
_CACHED_CHARS = 4096  # longer texts (documents) are scanned each time rather than held in memory


def detect_pii(text: str, types: Iterable[str] | None = None) -> list[PiiSpan]:
    """Every personal-data or secret span in ``text``, sorted, without overlaps.

    A request's texts are looked at by several guards (the tool wrapper, a specialist's exit, the
    output guard): short texts are scanned once and the spans reused (they are immutable).
    """
    wanted = _ALL_TYPES if types is None else frozenset(types)
    if len(text) <= _CACHED_CHARS:
        return list(_detect_cached(text, wanted))
    return _detect(text, wanted)


@lru_cache(maxsize=4096)
def _detect_cached(text: str, wanted: frozenset[str]) -> tuple[PiiSpan, ...]:
    return tuple(_detect(text, wanted))


def _detect(text: str, wanted: frozenset[str]) -> list[PiiSpan]:
    found: list[PiiSpan] = []
    starts: list[int] = []  # claimed spans, disjoint and sorted: overlap checks by bisection
    ends: list[int] = []

    def add(kind: str, start: int, end: int, subtype: str = "", report: bool = True) -> None:
        at = bisect.bisect_right(starts, start)
        if end <= start or (at and ends[at - 1] > start) or (at < len(starts) and starts[at] < end):
            return
        starts.insert(at, start)
        ends.insert(at, end)
        if report and kind in wanted:
            found.append(PiiSpan(kind, start, end, text[start:end], subtype))

    longest = longest_word(text)
    if longest >= _WALLET_MIN_RUN:
        for match in _WALLET.finditer(text):
            add("CRYPTO", match.start(), match.end(), report=False)
    for start, end, subtype in sorted(find_secrets(text, longest), key=lambda s: (s[0], -s[1])):
        add("SECRET", start, end, subtype)
    for match in _emails(text):
        # "postgres://app@db.internal", "postgres://app:Welcome1@db": a URL's user or password
        if _URL_AUTHORITY.search(text, max(0, match.start() - 70), match.start()) is None:
            add("EMAIL_ADDRESS", match.start(), match.end())
    for start, end in spelled_emails(text):
        add("EMAIL_ADDRESS", start, end)
    has_digit = any(ch.isdigit() for ch in text)
    if not has_digit:
        return sorted(found, key=lambda span: span.start)
    for kind, start, end in labelled_pii(text):  # "DOB 1984-07-19", "passport no. X1234567"
        add(kind, start, end)
    # "DNI 12345678Z"; a labelled number failing its check claims nothing: "SIN 046 454 286" may be a
    # phone, "ID number 4026859952898" a card, and what other detectors reported stays reported
    for start, end, ok, subtype in sorted(national_ids(text), key=lambda s: (s[0], -s[1])):
        if ok:
            add("NATIONAL_ID", start, end, subtype)
    for start, end, ok in _iban_spans(text):
        add("IBAN_CODE", start, end, report=ok)
    for match in _IPV4.finditer(text):
        add("IP_ADDRESS", match.start(), match.end(), report=_ip_ok(match.group(0)))
    if ":" in text:
        for match in _IPV6.finditer(text):
            raw = match.group(0)
            if raw.count(":") >= 2 and _ip_ok(raw):
                add("IP_ADDRESS", match.start(), match.end())
    for match in _SSN.finditer(text):
        valid = ssn_valid(match[1], match[3], match[4]) and not after_thousands(text, *match.span())
        add("US_SSN", match.start(), match.end(), report=valid)
    for match in CARD.finditer(text):
        raw = match.group(0)
        shaped = card_shaped(raw)
        if shaped or len(re.sub(r"\D", "", raw)) > 15:  # a long near miss is no phone number either
            ok = shaped and not embedded(text, match.start(), match.end())
            add("CREDIT_CARD", match.start(), match.end(), report=ok)
    for match in CARD_GLUED.finditer(text):  # "<card>_0928": a brand's number, or digits of an id
        if card_branded(match.group(0)):
            add("CREDIT_CARD", match.start(), match.end())
    if any(ch.isupper() for ch in text):
        for match in GROUPED_CODE.finditer(text):  # "1Z 999 AA1 01 2345 6784": a UPS parcel, no phone
            if grouped_code(match.group(0)):
                add("CODE", match.start(), match.end(), report=False)
    for match in PHONE.finditer(text):
        raw = match.group(0).rstrip(" .-(")
        end = match.start() + len(raw)
        if phone_ok(raw) and not after_thousands(text, match.start(), end):
            add("PHONE_NUMBER", match.start(), end, report=not reference_code(text, match.start(), end))
    return sorted(found, key=lambda span: span.start)
