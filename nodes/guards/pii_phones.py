"""Phone numbers, and the digit groups that only look like one.

Phone numbers are the loosest PII shape: seven to fifteen digits in groups. What decides is how the
groups are written (the match itself and the run of characters it is glued to, never words around
it, so that detection stays context-free; see :mod:`crewline.nodes.guards.pii`). Dialled from
abroad ("+33 ...", "0033 ...") or with an area code in brackets, a number is a phone. Written
nationally, these are not:

* a number with thousands separators: "1 048 576", "1 234 567 890" (groups of three after a first
  group of one digit, or four groups and more; never after a trunk "0": "0 800 123 456" is dialled);
* a table of small numbers: six groups and more ("12 34 56 78 90 12");
* an id with a long head or a short tail: a group of six digits or more before the last one
  ("8801643-221-07") or a last group of two digits after one of four or more ("5060-2245-88"),
  unless the number starts with a trunk "0" (Indian mobiles "098765 43210") and, for the short tail,
  ends in an extension after "-" (German "030 12345-67");
* a range of port numbers, the first below the second ("49152-65535"; "70432-81234" is a mobile);
* a compact date at the head ("20250114-000183"), a head of three digits after a number written with thousands
  commas ("49,273 400 1904"; "17,555-123-4567" in a CSV row is a phone), ZIP+4 and CEP codes, year
  ranges, dates, decimals and dotted quads.

A number written nationally in a shape no phone plan dials (nine digits "630-859-013", a check pair
"0417-2291-88", ten bare digits after no trunk "0") is a reference, not a phone, where it is glued to a suffix
("630-859-013-B", "118-442-907/2") or follows a reference number's word ("Order 630-859-013", "part no.
412-907-331", "invoice 0417-2291-88", "po #318 204 977"): :func:`reference_code`. A number in a
phone's own shape stays a phone after any word ("Orders: 020 7946 0958" heads a signature's line,
"questions about your order 415-555-0132"), with an alternate ending ("020 7946 0958/9"), a line's
tag ("07700 900123-M") or an extension ("-x12"); only a SKU's letter takes it ("415-555-0132-A12").
Those shapes: North American 3-3-4 whose area and exchange codes start with 2-9, and a number with a
trunk "0" of ten or eleven digits not ending in a check pair (UK "020 7946 0958", "01632 960123",
French "06 12 34 56 78", Australian "0412 345 678"). Dialled from abroad or with brackets, a number
stays a phone after any word.

A UPS tracking number ("1Z 999 AA1 01 2345 6784") is a code: :data:`GROUPED_CODE` claims it before
phone numbers are read. Only that shape: other upper-case runs ("SW1A 2AA 020 7946 0958", "CALL ME
AT 555 123 4567") hold phone numbers.
"""

from __future__ import annotations

import re

__all__ = [
    "GROUPED_CODE",
    "PHONE",
    "after_thousands",
    "grouped_code",
    "phone_ok",
    "phone_shaped",
    "reference_code",
]

PHONE = re.compile(
    r"(?<![\w+/.-])(?:\+|\b00)?\(?\d[\d() .-]{5,22}\d(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?!\w|[.-]\d)"
)
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}")
# Shapes that are not phone numbers: postal codes (ZIP+4, CEP), year ranges.
_NOT_PHONE = re.compile(r"\d{5}-\d{3,4}|(?:1[89]|2[01])\d{2} ?- ?(?:1[89]|2[01])\d{2}")
_COMPACT_DATE = re.compile(r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
# A UPS tracking number: "1Z" and sixteen capital letters and digits, in groups or not.
GROUPED_CODE = re.compile(r"(?<![\w+-])1Z(?: ?[A-Z0-9]){16}(?![\w-])")


# A number's head written with thousands commas right before the match: "49,273 400 1904" in a table
# is 49,273 and two more figures, not a phone number (nor "69,215 40 1905" a social security number).
_THOUSANDS_HEAD = re.compile(r"(?:^|[^\d,])\d{1,3},$|\d,\d{3},$")
# What continues such a number: a group of exactly three digits, then a space and figures of a table
# ("400 1904", "40 1905"). A CSV row's phone ("17,555-123-4567", "7,(555) 123-4567", "1,+1 555 ...",
# "12,020 7946 0958") is written with "-", "(", "+" or groups of four.
_THOUSANDS_TAIL = re.compile(r"\d{3} (?:\d{1,3} )?\d{1,4}")


def after_thousands(text: str, start: int, end: int) -> bool:
    """Whether the digits ``text[start:end]`` continue a number written with thousands commas."""
    if _THOUSANDS_TAIL.fullmatch(text, start, end) is None:
        return False
    return _THOUSANDS_HEAD.search(text, max(0, start - 6), start) is not None


# a suffix glued to the digits: "-B" of a SKU, "/2" of a sub-reference (a phone's extension is
# inside the match, after a space, "x" or "ext"); a word after "-" is a label ("085 175 7641-Office"),
# and "/" before a whole number is an alternate one ("612 771 306/612 771 307")
_GLUED_SUFFIX = re.compile(r"[-/][A-Za-z](?![A-Za-z])|-[0-9]|/(?![0-9 ().-]{7})[0-9]")
# what follows a number in a phone's own shape and is a SKU's: a letter, not a line's tag (Mobile,
# Work, Home, Office, Cell, Fax: "07700 900123-M") nor an extension ("-x12", "-ext 12"); "/" and digits
# there are an alternate number ("020 7946 0958/9", "415-555-0132/0133")
_SKU_SUFFIX = re.compile(r"-(?![MWHOCFmwhocf](?![A-Za-z0-9])|(?:x|ext\.?)[ \t]?[0-9])[A-Za-z](?![A-Za-z])")
_DIALLED = re.compile(r"\+|\(|00[1-9]")
# a phone's own shape, written nationally: North American 3-3-4 in groups (after a "1"), area and
# exchange codes starting with 2-9 ("415-555-0132"; "630-859-0137" has them too, and reads as a
# phone; ten bare digits are as often an order's)
_NANP = re.compile(r"(?:1[ .-]?)?[2-9][0-9]{2}[ .-][2-9][0-9]{2}[ .-][0-9]{4}")
_EXTENSION = re.compile(r"\s?(?:x|ext\.?)\s?(?=\d)")
# A number's word before a number in another shape: the words a reference's number follows, singular
# (a plural before a colon heads a list of departments: "Orders: ..., Returns: ..."); or any
# reference's word with a number's sign ("po #318 204 977", "case no. 412-771-306", "ref #...").
# "code", "case", "po", "ref", "total" and "amount" alone are too common before a phone ("Area code",
# "in case", "Ref: 020 ..."), and name one only with the sign.
_PHONE_REFERENCE_BEFORE = re.compile(
    r"(?i)(?<![\w-])(?:"
    r"(?:order|reference|ticket|batch|item|lot|transaction|txn|invoice|tracking|serial|sku|booking|"
    r"confirmation|receipt|shipment|part)(?:s(?![ \t]{0,3}:))?[ \t]{0,3}"
    r"(?:(?:no|nr|number|num|id|code)\.?[ \t]{0,3})?[#:=.-]{0,2}"
    r"|(?:order|ref|reference|ticket|batch|item|lot|transaction|txn|invoice|tracking|serial|sku|case|"
    r"booking|confirmation|receipt|shipment|part|po|code|total|amount)s?[ \t]{0,3}"
    r"(?:(?:no|nr|number|num|id)\.?[ \t]{0,3}[#:=.-]{0,2}|[#:=.-]{0,2}#)"
    r")[ \t]{0,3}\Z"
)
_REFERENCE_REACH = 40


def phone_shaped(raw: str) -> bool:
    """Whether ``raw``, a phone number written nationally, is in a shape phone plans dial and reference
    numbers seldom take: North American 3-3-4, or a trunk "0" and ten or eleven digits not ending in
    a check pair after four digits or more ("0417-2291-88" is an invoice's)."""
    core = _EXTENSION.split(raw)[0]
    if _NANP.fullmatch(core) is not None:
        return True
    digits = re.sub(r"\D", "", core)
    if not (core.startswith("0") and digits[1:2] not in ("", "0") and 10 <= len(digits) <= 11):
        return False
    groups = [g for g in re.split(r"[ .-]+", core) if g]
    return not (len(groups) >= 2 and len(groups[-1]) == 2 and len(groups[-2]) >= 4)


def _after_reference_word(text: str, start: int) -> bool:
    # every such word ends in a letter, before at most eight spaces and signs ("no. #"): most
    # numbers follow a digit or a space after one, and the pattern is not tried there
    at = start
    while at > 0 and start - at < 8 and text[at - 1] in " \t#:=.-":
        at -= 1
    if at == 0 or not text[at - 1].isalpha():
        return False
    return _PHONE_REFERENCE_BEFORE.search(text, max(0, start - _REFERENCE_REACH), start) is not None


def reference_code(text: str, start: int, end: int) -> bool:
    """Whether the phone-shaped ``text[start:end]``, written nationally, is a reference number: glued
    to a SKU's suffix, or, in a shape no phone plan dials, glued to a sub-reference ("/2") or right
    after a reference's word ("order", "SKU", "part no.", "lot", "invoice")."""
    if _DIALLED.match(text, start) is not None:
        return False
    if phone_shaped(text[start:end]):
        return _SKU_SUFFIX.match(text, end) is not None
    return _GLUED_SUFFIX.match(text, end) is not None or _after_reference_word(text, start)


def grouped_code(raw: str) -> bool:
    """A match of :data:`GROUPED_CODE` with a digit after "1Z" (a UPS number is mostly digits)."""
    return any(ch.isdigit() for ch in raw[2:])


def _national_non_phone(core: str, groups: list[str]) -> bool:
    """Shapes of digit groups, written without a country code or brackets, that are not phones."""
    if len(groups) >= 6:
        return True  # "12 34 56 78 90 12": a row of a table
    trunk = core.startswith("0")  # a national number's trunk prefix: "030 ...", "0 800 ...", "098765 ..."
    thousands = " " in core and not re.search(r"[.-]", core) and all(len(g) == 3 for g in groups[1:])
    if thousands and not trunk and (len(groups[0]) == 1 or len(groups) >= 4):
        return True  # "1 048 576", "1 234 567 890": thousands separators ("78 651 450" is dialled)
    long_head = any(len(g) >= 6 for g in groups[:-1])
    short_tail = len(groups[-1]) == 2 and len(groups[-2]) >= 4
    # a trunk-prefixed number with an extension after "-": "030 12345-67", "0711 4567-23"
    extension = trunk and len(groups) == 3 and core.rfind("-") > core.rfind(" ")
    if (long_head and not trunk) or (short_tail and not extension):
        return True  # "8801643-221-07", "5060-2245-88": a part or order number
    if len(groups) == 2 and "-" in core and len(groups[0]) == len(groups[1]) >= 5:
        return _port_range(groups[0], groups[1]) if len(groups[0]) == 5 else groups[0] < groups[1]
    return _COMPACT_DATE.fullmatch(groups[0]) is not None  # "20250114-000183" ("0171 20190312" is dialled)


def _port_range(first: str, second: str) -> bool:
    """ "49152-65535": two port numbers, ascending. Indian mobiles ("70432-81234") start with 6-9."""
    return first < second and int(second) <= 65535 and first[0] not in "6789"


def phone_ok(raw: str) -> bool:
    """Whether ``raw`` (a match of :data:`PHONE`, trailing separators stripped) is a phone number."""
    if _NOT_PHONE.fullmatch(raw):
        return False
    core = re.split(r"\s?(?:x|ext\.?)\s?(?=\d)", raw)[0]
    digits = re.sub(r"\D", "", core)
    if not 7 <= len(digits) <= 15 or core.count("(") != core.count(")") or _DATE.search(core):
        return False
    if re.search(r"[ .-]{2,}|\(\)|\d\(", core) and not re.search(r"\) \(|\) ", core):
        return False
    # dialled from abroad: "+33 ..." or, as Europe writes it, "0033 ..."
    international = core.startswith("+") or re.match(r"00[1-9]", core) is not None
    if len(set(re.findall(r"[.-]", core))) > 1 and "(" not in core and not international:
        return False  # 12.34-56.78: mixed separators, not a phone number
    if "( " in core or " )" in core:
        return False  # a table of figures, not a number someone dials
    groups = [g for g in re.split(r"[ .()-]+", core) if g]
    if len(groups) == 1:
        # ten bare digits: a North American number, whose area code never starts with 1 (an epoch
        # second of 2001-2033 does)
        return raw.startswith("+") or (len(digits) == 10 and digits[0] != "1")
    if "." in core and (len(groups) == 2 or (all(len(g) <= 3 for g in groups) and len(groups) == 4)):
        return False  # a decimal number or a dotted quad
    if international or "(" in core:
        return True
    if len(groups) >= 3 and all(len(g) == 4 for g in groups):
        return False  # "7946 1234 5678": a tracking, gift card or account number; no plan dials 4-4-4
    if _national_non_phone(core, groups):
        return False
    return not any(len(g) == 1 or set(g) == {"0"} for g in groups[1:])  # "606 0 1914": a table row
