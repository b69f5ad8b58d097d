"""Personal data that only its label tells apart: dates of birth and passport numbers.

A date is a date and nine digits are nine digits; "date of birth: 14/02/1988" and "passport number:
533480127" are personal data. The span reported holds the label as well as the value, so detection
stays context-free (:mod:`crewline.nodes.guards.pii`): the placeholder stands for "DOB 1984-07-19"
as a whole, and a restored reply holds the label again where the serializer looks for it.

Dates of birth: "date of birth", "birth date", "birthdate", "DOB", "D.O.B.", "born" (not after
"<a thing> was") and the German, French and Spanish labels ("née le" with its accent: "ne le"
is a negation; "the store was born 2021-03-01" is no person's), then a full date (day, month and
year: numeric, or with the month's name in any of the four languages: "3 June 1975", "Nov 30,
1979", "3. Juni 1975", "3 juin 1975", "3 de junio de 1975"). Passport numbers: "passport" with
"no.", "number", "#" or ":", then six to nine capital letters and digits, five of them digits at
least (eight or nine when all are digits: "the passport 202401 batch" is none). Street addresses
are not covered: without a gazetteer their shapes ("12 Main St", "Rákóczi út 13.") are as common in
other text as in addresses.
Every quantifier is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["labelled_pii"]

# Month names in English, German, French and Spanish, full or abbreviated.
_MONTH = (
    r"(?:jan(?:uary|uar|vier)?|feb(?:ruary|ruar|rero)?|f[ée]v(?:rier)?|mar(?:ch|s|zo)?|m[äa]r(?:z)?|"
    r"apr(?:il)?|avr(?:il)?|abr(?:il)?|may(?:o)?|mai|june?|juni|juin|jun(?:io)?|july?|juli|juillet|"
    r"jul(?:io)?|aug(?:ust)?|ao[ûu]t|ago(?:sto)?|sep(?:t(?:ember|embre|iembre)?)?|oct(?:ober|obre)?|"
    r"okt(?:ober)?|nov(?:ember|embre|iembre)?|dec(?:ember)?|d[ée]c(?:embre)?|dez(?:ember)?|dic(?:iembre)?|"
    r"ene(?:ro)?)\.?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th|er|\.)?"
_YEAR = r"(?:19|20)\d{2}"
_FULL_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:{_YEAR}|\d{{2}})|{_YEAR}[/.-]\d{{1,2}}[/.-]\d{{1,2}}|"
    rf"{_DAY}\s{{1,2}}(?:(?:of|de)\s{{1,2}})?{_MONTH},?\s{{1,2}}(?:de\s{{1,2}})?{_YEAR}|"
    rf"{_MONTH}\s{{1,2}}{_DAY},?\s{{1,2}}{_YEAR})"
)
_BIRTH_LABEL = (
    r"(?:date\s{1,2}of\s{1,2}birth|birth\s?date|d\.?o\.?b\.?|born(?:\s{1,2}on)?|geburtsdatum|"
    r"geboren(?:\s{1,2}am)?|date\s{1,2}de\s{1,2}naissance|née?\s{1,2}le|fecha\s{1,2}de\s{1,2}nacimiento)"
)
_SEPARATOR = r"\s{0,3}(?:[:=–-]|is\b|was\b)?\s{0,3}"
_DATE_OF_BIRTH = re.compile(rf"(?i)\b{_BIRTH_LABEL}{_SEPARATOR}{_FULL_DATE}(?![\d/.-]\d)")
# "passport" and a label that a number follows ("no.", "number", "#", ":"): "the passport 202401
# batch" is not one.
_PASSPORT = re.compile(
    r"(?i)\bpassport\s{0,3}(?:(?:no\.?|number|num\.?|nr\.?|#)\s{0,3}[:#]?|[:#])\s{0,3}([a-z0-9]{6,9})(?![\w-])"
)


# "born" without "on" or ":" after a thing rather than a person ("our store was born 2021-03-01"; not
# "I was born", "Jane was born", "née Trogneux, born 13 April 1953").
_BARE_BORN = re.compile(r"(?i)born(?!\s{1,2}on\b|\s{0,3}[:=])")
_SUBJECT_BEFORE = re.compile(r"\b([A-Za-z]{1,20})\s{1,2}(?:was|were|is|are)\s{1,2}\Z")
_PRONOUNS = frozenset(["i", "he", "she", "you", "we", "they", "who"])
_BIRTH_CUES = ("birth", "dob", "d.o.b", "born", "geb", "naissance", "né", "nacimiento")


def labelled_pii(text: str) -> Iterator[tuple[str, int, int]]:
    """``(type, start, end)`` of each labelled date of birth and passport number, label included."""
    lowered = text.lower()
    if any(cue in lowered for cue in _BIRTH_CUES):
        for match in _DATE_OF_BIRTH.finditer(text):
            if _BARE_BORN.match(match.group(0)) and _thing_born(text, match.start()):
                continue  # "our store was born 2021-03-01": things are born too
            yield "DATE_OF_BIRTH", match.start(), match.end()
    if "passport" in lowered:
        for match in _PASSPORT.finditer(text):
            value = match.group(1)
            if _passport_number(value):
                yield "PASSPORT", match.start(), match.end()


def _passport_number(value: str) -> bool:
    """Capital letters and digits, five digits at least: letters with the digits ("K4829173") or eight
    to nine characters ("533480127"); six or seven digits alone are a batch, a year and month."""
    if not (value.isupper() or value.isdigit()) or sum(ch.isdigit() for ch in value) < 5:
        return False
    return not value.isdigit() or len(value) >= 8


def _thing_born(text: str, start: int) -> bool:
    """Whether "born" at ``start`` follows "<a lower-case noun> was": a store, a company, an idea."""
    subject = _SUBJECT_BEFORE.search(text, max(0, start - 32), start)
    if subject is None:
        return False
    word = subject.group(1)
    return word.lower() not in _PRONOUNS and word[0].islower()
