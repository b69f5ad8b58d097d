"""National identity numbers, told apart by their check digits and, where those are weak, a label.

Each country's number carries a check, python-stdnum's
(:mod:`crewline.nodes.guards.pii_national_checks`): Luhn, weighted sums, a letter, mod 97, ISO 7064,
Verhoeff, and the birth dates many numbers hold; which labels claim which number, and which shapes
count bare, are ours. The kinds are listed in :mod:`crewline.nodes.guards.pii_national_kinds`.
A check that one random number in ten or eleven passes is no evidence alone: those numbers count
only after their label, in the languages people write them ("SIN", "NAS", "BSN", "burgerservicenummer",
"Aadhaar", "TFN", "PESEL", "personnummer"; an acronym in any case where it names a field: '"sin":',
'name="nino" value='), and the span reported holds the label, so detection stays
context-free (:mod:`crewline.nodes.guards.pii`). Shapes no other number takes count bare: a DNI or NIE
with its letter, a CPF written "ddd.ddd.ddd-dd", a NIR with its key and a month of birth 01-12, an
NRIC, an 18-character Chinese id whose date is a date, a National Insurance number spaced as HMRC
prints it ("QQ 12 34 56 C"), a Belgian number written "yy.mm.dd-nnn.cc", a henkilötunnus, a codice
fiscale, a Korean RRN with its hyphen, an ITIN written as an SSN, a Czech birth number "dddddd/dddd"
with a plain month (a label lets the rarer forms count: ``Kind.bare_valid``).

A labelled number whose check fails is yielded with ``valid`` False and claims nothing: another
detector may still report it (a card after "ID number", a phone after "SIN"), as before these ids. A
bare shape right after a reference number's word ("order", "ticket", "batch") is that reference. A
number ends where its digits end. Patterns read ASCII digits only. Every quantifier is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from crewline.nodes.guards.pii_cards import card_branded
from crewline.nodes.guards.pii_national_kinds import KINDS, Kind

__all__ = ["national_ids", "reference_number"]


# What may stand between a label and its number: punctuation and brackets ("BSN (burgerservicenummer):"),
# "no.", "number", "card", and "is" as the covered languages write it ("est le", "es", "är", "er",
# "on", "jest").
_SEPARATOR = (
    r"[ \t:#=.–()|\"'-]{0,4}"
    r"(?:(?:no|nr|n°|nº|n\.[º°]|number|num|card|value|is|est|le|es|é|è|ist|era|de|är|er|on|jest)\.?"
    r"[ \t:#=–()|\"'-]{1,4}){0,3}"
)
# A number ends where its digits end: not before a letter, a digit or "-", "." or "," and a digit,
# and a value ending in a digit not before a space and another digit ("Aadhaar 4111 1111 1111 1111"
# is a card whose first twelve digits pass Verhoeff, not an Aadhaar number and " 1111" of text).
_END = r"(?![\w-]|[.,][0-9])(?:(?<![0-9])|(?![ \t][0-9]))"
# A reference number's word just before a bare shape: "order 100911-4111970", "Ticket 011207/6426",
# "batch 20240927F" are an order's, a ticket's and a batch's numbers (a bare shape's check passes
# one random value in ten to a hundred), unless the id's own label says otherwise.
_REFERENCE_BEFORE = re.compile(
    r"(?i)(?<![\w-])(?:order|ref|reference|ticket|batch|item|lot|transaction|txn|invoice|tracking|serial|"
    r"sku|case|booking|confirmation|receipt|shipment|part|po|code|total|amount)s?[ \t]{0,3}"
    r"(?:(?:no|nr|number|num|id|code)\.?[ \t]{0,3})?[#:=.-]{0,2}[ \t]{0,3}\Z"
)
_REFERENCE_REACH = 40
# the bare shapes a reference number takes (digits with one "/", "-" or letter); a NIR with its key,
# a CPF, a Belgian number or a NINO as printed, a henkilötunnus, are their own wherever they stand
_REFERENCE_SHAPED = frozenset(
    [
        "cz_rodne_cislo",
        "ar_cuil",
        "cl_rut",
        "kr_rrn",
        "es_dni",
        "sg_nric",
        "it_codice_fiscale",
        "cn_resident_id",
        "us_itin",
    ]
)


def _compile(kind: Kind) -> re.Pattern[str]:
    # an acronym is a label in any case where it names a field: a JSON key or an attribute's value
    # ('"sin": ...', 'name="nino" value=...'); in prose only in capitals ("sin" is Spanish for "without")
    field = "".join(f"|[\"']{re.escape(word)}[\"']" for word in kind.acronyms)
    return re.compile(rf"(?i)(?<!\w)(?:{kind.label}{field})(?!\w){_SEPARATOR}(?P<v>(?-i:{kind.value})){_END}")


_LABELLED = [(kind, _compile(kind)) for kind in KINDS]
_BARE = [(kind, re.compile(rf"(?:{kind.bare}){_END}")) for kind in KINDS if kind.bare]
# Every bare shape in one pattern: one scan of the text finds where any may start (thirteen scans
# cost a 1 KB passage 0.9 ms); each kind's own pattern is then tried there.
_ANY_BARE = re.compile(rf"(?<![\w.-])(?:{'|'.join(f'(?:{kind.bare})' for kind in KINDS if kind.bare)}){_END}")
# bare shapes with no letter in them, or none but an "X" or "K" the digits may end in
_DIGITS_ONLY = frozenset(
    [
        "cn_resident_id",
        "fr_nir",
        "br_cpf",
        "be_national_number",
        "fi_hetu",
        "kr_rrn",
        "us_itin",
        "ar_cuil",
        "cl_rut",
        "cz_rodne_cislo",
    ]
)


def _may_hold(text: str, kind: Kind, capitals: bool) -> bool:
    """Whether ``text`` has what every bare match of ``kind`` holds: a capital where the shape has a
    letter, and the characters of ``bare_needs``."""
    if kind.name not in _DIGITS_ONLY and not capitals:
        return False
    return all(ch in text for ch in kind.bare_needs)


# Every cue (in the lowered text) and acronym (as written, or in quotes as a field's name) is looked
# for once per text, not once per kind (29 kinds' generator checks cost a 1 KB passage 0.25 ms).
_CUE_WORDS = frozenset(cue for kind in KINDS for cue in kind.cues)
_ACRONYM_WORDS = frozenset(word for kind in KINDS for word in kind.acronyms)
_FIELD_FORMS = tuple((word, f'"{word.lower()}"', f"'{word.lower()}'") for word in _ACRONYM_WORDS)
_KIND_WORDS = [(kind.name, frozenset(kind.cues) | frozenset(kind.acronyms)) for kind in KINDS]


def _labelled_kinds(text: str, lowered: str) -> set[str]:
    """The names of the kinds whose labels ``text`` may hold: a cue, an acronym in capitals, or an
    acronym in quotes (a field's name)."""
    found = {cue for cue in _CUE_WORDS if cue in lowered} | {word for word in _ACRONYM_WORDS if word in text}
    if '"' in text or "'" in text:
        found |= {word for word, double, single in _FIELD_FORMS if double in lowered or single in lowered}
    return {name for name, words in _KIND_WORDS if not words.isdisjoint(found)} if found else set()


def national_ids(text: str) -> Iterator[tuple[int, int, bool, str]]:
    """``(start, end, valid, kind)`` of labelled national ids (label included) and of bare ones in a
    shape only they take; ``valid`` is False where a labelled number fails its check."""
    lowered = text.lower()
    wanted = _labelled_kinds(text, lowered)
    for kind, labelled in _LABELLED:
        if kind.name in wanted:
            for match in labelled.finditer(text):
                yield match.start(), match.end(), kind.valid(match.group("v")), kind.name
    capitals = any(ch.isupper() for ch in text)
    for candidate in _ANY_BARE.finditer(text):
        after_reference = reference_number(text, candidate.start())
        for kind, bare in _BARE:
            if after_reference and kind.name in _REFERENCE_SHAPED:
                continue
            found = bare.match(text, candidate.start())
            check = kind.bare_valid or kind.valid
            if found is not None and _may_hold(text, kind, capitals) and check(found.group(0)):
                if kind.name == "cn_resident_id" and card_branded(found.group(0)):
                    continue  # 18 digits in a card brand's range passing Luhn: a card's, as before
                yield found.start(), found.end(), True, kind.name


def reference_number(text: str, start: int) -> bool:
    """Whether a reference number's word ("order", "ref", "ticket no.") stands just before ``start``."""
    # every such word ends in a letter, before at most eight spaces and signs ("no. #"): most
    # numbers follow a digit or a space after one, and the pattern is not tried there
    at = start
    while at > 0 and start - at < 8 and text[at - 1] in " \t#:=.-":
        at -= 1
    if at == 0 or not text[at - 1].isalpha():
        return False
    return _REFERENCE_BEFORE.search(text, max(0, start - _REFERENCE_REACH), start) is not None
