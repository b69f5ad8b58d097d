"""National identity numbers, told apart by their check digits and, where those are weak, a label.

Each country's number carries a check: Luhn (Canadian SIN, Swedish personnummer), a weighted sum
(Dutch BSN's 11-test, Australian TFN, Polish PESEL, Brazilian CPF, Singapore NRIC), a letter (Spanish
DNI and NIE, mod 23), mod 97 (French NIR), ISO 7064 (Chinese resident id) or Verhoeff (Aadhaar).
A check that one random number in ten or eleven passes is no evidence alone: those numbers count
only after their label, in the languages people write them ("SIN", "NAS", "BSN", "burgerservicenummer",
"Aadhaar", "TFN", "PESEL", "personnummer"), and the span reported holds the label, so detection stays
context-free (:mod:`crewline.nodes.guards.pii`). Shapes no other number takes count bare: a DNI or NIE
with its letter, a CPF written "ddd.ddd.ddd-dd", a NIR with its key, an NRIC, an 18-character Chinese id
whose date is a date, a National Insurance number spaced as HMRC prints it ("QQ 12 34 56 C").

A labelled number whose check fails is claimed but not reported: "SIN 576 593 233" is a mistyped SIN,
not a phone number. Every quantifier is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from crewline.nodes.guards.pii_cards import luhn_valid

__all__ = ["national_ids"]


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _weighted(value: str, weights: tuple[int, ...]) -> int:
    return sum(int(ch) * weight for ch, weight in zip(value, weights, strict=False))


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


_NINO_PREFIX_NEVER = frozenset(["BG", "GB", "NK", "KN", "TN", "NT", "ZZ"])


def _nino(value: str) -> bool:
    """HMRC's rules: no D, F, I, Q, U, V in the prefix, no O second, no reserved prefixes."""
    compact = value.replace(" ", "").upper()
    head = compact[:2]
    return head[0] not in "DFIQUV" and head[1] not in "DFIQUVO" and head not in _NINO_PREFIX_NEVER


def _sin(value: str) -> bool:
    digits = _digits(value)
    return digits[0] not in "08" and luhn_valid(digits)


def _bsn(value: str) -> bool:
    digits = _digits(value).zfill(9)
    return int(digits) > 0 and (_weighted(digits, (9, 8, 7, 6, 5, 4, 3, 2)) - int(digits[8])) % 11 == 0


def _tfn(value: str) -> bool:
    return _weighted(_digits(value), (1, 4, 3, 7, 5, 8, 6, 9, 10)) % 11 == 0


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def _dni(value: str) -> bool:
    """Spanish DNI ("12345678Z") or NIE ("X1234567L"): the letter is the number mod 23."""
    compact = value.replace("-", "").replace(" ", "").upper()
    number = compact[:-1]
    if number[0] in "XYZ":
        number = str("XYZ".index(number[0])) + number[1:]
    return compact[-1] == _DNI_LETTERS[int(number) % 23]


_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def _aadhaar(value: str) -> bool:
    check = 0
    for position, ch in enumerate(reversed(_digits(value))):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][int(ch)]]
    return check == 0


def _cpf(value: str) -> bool:
    digits = _digits(value)
    if len(set(digits)) == 1:
        return False  # "111.111.111-11" passes the sums and is no one's
    for size in (9, 10):
        rest = _weighted(digits, tuple(range(size + 1, 1, -1))) * 10 % 11
        if rest % 10 != int(digits[size]):
            return False
    return True


def _pesel(value: str) -> bool:
    digits = _digits(value)
    check = (10 - _weighted(digits, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)) % 10) % 10
    month = int(digits[2:4]) % 20
    return check == int(digits[10]) and _real_date(2000, month or 13, int(digits[4:6]))


def _personnummer(value: str) -> bool:
    digits = _digits(value)[-10:]
    day = int(digits[4:6]) % 60  # coordination numbers add 60 to the day
    return luhn_valid(digits) and _real_date(2000, int(digits[2:4]) or 13, day or 32)


def _nir(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    body = compact[:13].replace("2A", "19").replace("2B", "18")
    if compact[0] not in "12378" or not body.isdigit() or not 1 <= int(compact[3:5]) <= 12:
        return False
    return 97 - int(body) % 97 == int(compact[13:])


_NRIC_LETTERS = {"ST": "JZIHGFEDCBA", "FG": "XWUTRQPNMLK", "M": "KLJNPQRTUWX"}
_NRIC_OFFSET = {"S": 0, "T": 4, "F": 0, "G": 4, "M": 3}


def _nric(value: str) -> bool:
    total = _weighted(value[1:8], (2, 7, 6, 5, 4, 3, 2)) + _NRIC_OFFSET[value[0]]
    table = next(letters for heads, letters in _NRIC_LETTERS.items() if value[0] in heads)
    return value[8] == table[total % 11]


def _china(value: str) -> bool:
    body = value[:17]
    if (
        not _real_date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
        or not 1900 <= int(body[6:10]) <= 2030
    ):
        return False
    check = _weighted(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)) % 11
    return value[17].upper() == "10X98765432"[check]


@dataclass(frozen=True)
class _Kind:
    name: str
    valid: Callable[[str], bool]
    value: str  # the number's pattern (case-sensitive)
    label: str = ""  # the labels that make a weakly checked number count (case-insensitive)
    cues: tuple[str, ...] = ()  # literals one of which every label holds: lower case, of the lowered text
    acronyms: tuple[str, ...] = ()  # or labels written in capitals only, of the text as written
    bare: str = ""  # the shape that counts without a label ("" when none does)
    bare_needs: str = ""  # characters every bare match holds, one of each (a gate: most texts have none)


_KINDS = (
    _Kind(
        "uk_nino",
        _nino,
        r"[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]",
        r"national\s{1,2}insurance(?:\s{1,2}(?:number|no\.?|num\.?))?|(?-i:NI)\s{1,2}(?:number|no\.?)|(?-i:NINO)",
        ("insurance",),
        ("NI", "NINO"),
        bare=r"[A-Z]{2} \d{2} \d{2} \d{2} [A-D]",
        bare_needs=" ",
    ),
    _Kind(
        "ca_sin",
        _sin,
        r"\d{3}[ -]?\d{3}[ -]?\d{3}",
        r"social\s{1,2}insurance(?:\s{1,2}number)?|(?-i:SIN|NAS)|num[ée]ro\s{1,2}d.assurance\s{1,2}sociale",
        ("insurance", "assurance"),
        ("SIN", "NAS"),
    ),
    _Kind(
        "au_tfn",
        _tfn,
        r"\d{3}[ -]?\d{3}[ -]?\d{3}",
        r"tax\s{1,2}file\s{1,2}(?:number|no\.?)|(?-i:TFN)",
        ("tax file",),
        ("TFN",),
    ),
    _Kind(
        "nl_bsn",
        _bsn,
        r"\d{4}\.\d{2}\.\d{3}|\d{3}[ .-]?\d{3}[ .-]?\d{3}|\d{8}",
        r"bsn|burgerservicenummer|sofinummer|sofi-nummer",
        ("bsn", "burgerservice", "sofi"),
    ),
    _Kind(
        "es_dni",
        _dni,
        r"[XYZ]-?\d{7}-?[A-Z]|\d{8}-?[A-Z]",
        r"(?-i:DNI|NIE|NIF)|dni|nie",
        ("dni", "nie", "nif"),
        bare=r"[XYZ]\d{7}[A-Z]|\d{8}-?[A-Z]",
    ),
    _Kind(
        "in_aadhaar",
        _aadhaar,
        r"[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}",
        r"aadhaa?r|adhaar|aadhar|uidai|(?-i:UID)|आधार",
        ("aadha", "adhaar", "uidai", "आधार"),
        ("UID",),
    ),
    _Kind(
        "br_cpf",
        _cpf,
        r"\d{3}\.?\d{3}\.?\d{3}-?\d{2}",
        r"(?-i:CPF)|cpf",
        ("cpf",),
        bare=r"\d{3}\.\d{3}\.\d{3}-\d{2}",
        bare_needs=".-",
    ),
    _Kind("pl_pesel", _pesel, r"\d{11}", r"pesel", ("pesel",)),
    _Kind(
        "se_personnummer",
        _personnummer,
        r"(?:19|20)?\d{6}[-+]?\d{4}",
        r"personnummer|personnr\.?|person\s{1,2}nummer",
        ("person",),
    ),
    _Kind(
        "fr_nir",
        _nir,
        r"[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}",
        r"s[ée]curit[ée]\s{1,2}sociale|(?-i:NIR|INSEE)|num[ée]ro\s{1,2}de\s{1,2}s[ée]cu",
        ("curit", "écu", "secu"),
        ("NIR", "INSEE"),
        bare=r"[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}",
    ),
    _Kind(
        "sg_nric",
        _nric,
        r"[STFGM]\d{7}[A-Z]",
        r"(?-i:NRIC|FIN)",
        (),
        ("NRIC", "FIN"),
        bare=r"[STFGM]\d{7}[A-Z]",
    ),
    _Kind(
        "cn_resident_id",
        _china,
        r"\d{17}[\dXx]",
        r"身份证(?:号码?)?|resident\s{1,2}id(?:entity)?(?:\s{1,2}card)?",
        ("身份证", "resident"),
        bare=r"\d{17}[\dXx]",
    ),
)

# What may stand between a label and its number: punctuation, "no.", "number", "is", "est le", "es".
_SEPARATOR = r"[ \t:#=.–-]{0,4}(?:(?:no|nr|n°|nº|number|num|is|est|le|es|é|ist|era)\.?[ \t:#=–-]{1,4}){0,3}"
_END = r"(?![\w-]|[.,]\d)"


def _compile(kind: _Kind) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    labelled = re.compile(rf"(?i)(?<!\w)(?:{kind.label})(?!\w){_SEPARATOR}(?P<v>(?-i:{kind.value})){_END}")
    bare = re.compile(rf"(?<![\w.-])(?:{kind.bare}){_END}") if kind.bare else None
    return labelled, bare


_PATTERNS = [(kind, *_compile(kind)) for kind in _KINDS]
# bare shapes with no letter in them, or none but an "X" the digits may end in
_DIGITS_ONLY = frozenset(["cn_resident_id", "fr_nir", "br_cpf"])


def _may_hold(text: str, kind: _Kind, capitals: bool) -> bool:
    """Whether ``text`` has what every bare match of ``kind`` holds: a capital where the shape has a
    letter, and the characters of ``bare_needs``."""
    if kind.name not in _DIGITS_ONLY and not capitals:
        return False
    return all(ch in text for ch in kind.bare_needs)


def national_ids(text: str) -> Iterator[tuple[int, int, bool, str]]:
    """``(start, end, valid, kind)`` of labelled national ids (label included) and of bare ones in a
    shape only they take; ``valid`` is False where a labelled number fails its check."""
    lowered = text.lower()
    capitals = any(ch.isupper() for ch in text)
    for kind, labelled, bare in _PATTERNS:
        if any(cue in lowered for cue in kind.cues) or any(word in text for word in kind.acronyms):
            for match in labelled.finditer(text):
                yield match.start(), match.end(), kind.valid(match.group("v")), kind.name
        if bare is not None and _may_hold(text, kind, capitals):
            for match in bare.finditer(text):
                if kind.valid(match.group(0)):
                    yield match.start(), match.end(), True, kind.name
