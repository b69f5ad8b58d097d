"""National identity numbers, told apart by their check digits and, where those are weak, a label.

Each country's number carries a check (:mod:`crewline.nodes.guards.pii_national_checks`): Luhn
(Canadian SIN, Swedish personnummer, South African and Israeli ids), a weighted sum (Dutch BSN's
11-test, Australian TFN, Polish PESEL, Brazilian CPF, Singapore NRIC, Portuguese NIF, Norwegian
fødselsnummer, Turkish kimlik, Korean RRN), a letter (Spanish DNI and NIE, mod 23; Finnish
henkilötunnus, mod 31; Italian codice fiscale, mod 26), mod 97 (French NIR, Belgian national number),
ISO 7064 (Chinese resident id) or Verhoeff (Aadhaar); a US ITIN has its issued groups.
A check that one random number in ten or eleven passes is no evidence alone: those numbers count
only after their label, in the languages people write them ("SIN", "NAS", "BSN", "burgerservicenummer",
"Aadhaar", "TFN", "PESEL", "personnummer"), and the span reported holds the label, so detection stays
context-free (:mod:`crewline.nodes.guards.pii`). Shapes no other number takes count bare: a DNI or NIE
with its letter, a CPF written "ddd.ddd.ddd-dd", a NIR with its key, an NRIC, an 18-character Chinese id
whose date is a date, a National Insurance number spaced as HMRC prints it ("QQ 12 34 56 C"), a
Belgian number written "yy.mm.dd-nnn.cc", a henkilötunnus, a codice fiscale, a Korean RRN with its
hyphen, an ITIN written as an SSN.

A labelled number whose check fails is claimed but not reported: "SIN 576 593 233" is a mistyped SIN,
not a phone number. Every quantifier is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from crewline.nodes.guards import pii_national_checks as checks

__all__ = ["national_ids"]


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
        checks.nino,
        r"[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]",
        r"national\s{1,2}insurance(?:\s{1,2}(?:number|no\.?|num\.?))?|(?-i:NI)\s{1,2}(?:number|no\.?)|(?-i:NINO)",
        ("insurance",),
        ("NI", "NINO"),
        bare=r"[A-Z]{2} \d{2} \d{2} \d{2} [A-D]",
        bare_needs=" ",
    ),
    _Kind(
        "ca_sin",
        checks.sin,
        r"\d{3}[ -]?\d{3}[ -]?\d{3}",
        r"social\s{1,2}insurance(?:\s{1,2}number)?|(?-i:SIN|NAS)|num[ée]ro\s{1,2}d.assurance\s{1,2}sociale",
        ("insurance", "assurance"),
        ("SIN", "NAS"),
    ),
    _Kind(
        "au_tfn",
        checks.tfn,
        r"\d{3}[ -]?\d{3}[ -]?\d{3}",
        r"tax\s{1,2}file\s{1,2}(?:number|no\.?)|(?-i:TFN)",
        ("tax file",),
        ("TFN",),
    ),
    _Kind(
        "nl_bsn",
        checks.bsn,
        r"\d{4}\.\d{2}\.\d{3}|\d{3}[ .-]?\d{3}[ .-]?\d{3}|\d{8}",
        r"bsn|burgerservicenummer|sofinummer|sofi-nummer",
        ("bsn", "burgerservice", "sofi"),
    ),
    _Kind(
        "es_dni",
        checks.dni,
        r"[XYZ]-?\d{7}-?[A-Z]|\d{8}-?[A-Z]",
        r"(?-i:DNI|NIE|NIF)|dni|nie",
        ("dni", "nie", "nif"),
        bare=r"[XYZ]\d{7}[A-Z]|\d{8}-?[A-Z]",
    ),
    _Kind(
        "in_aadhaar",
        checks.aadhaar,
        r"[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}",
        r"aadhaa?r|adhaar|aadhar|uidai|(?-i:UID)|आधार",
        ("aadha", "adhaar", "uidai", "आधार"),
        ("UID",),
    ),
    _Kind(
        "br_cpf",
        checks.cpf,
        r"\d{3}\.?\d{3}\.?\d{3}-?\d{2}",
        r"(?-i:CPF)|cpf",
        ("cpf",),
        bare=r"\d{3}\.\d{3}\.\d{3}-\d{2}",
        bare_needs=".-",
    ),
    _Kind("pl_pesel", checks.pesel, r"\d{11}", r"pesel", ("pesel",)),
    _Kind(
        "se_personnummer",
        checks.personnummer,
        r"(?:19|20)?\d{6}[-+]?\d{4}",
        r"personnummer|personnr\.?|person\s{1,2}nummer",
        ("person",),
    ),
    _Kind(
        "fr_nir",
        checks.nir,
        r"[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}",
        r"s[ée]curit[ée]\s{1,2}sociale|(?-i:NIR|INSEE)|num[ée]ro\s{1,2}de\s{1,2}s[ée]cu",
        ("curit", "écu", "secu"),
        ("NIR", "INSEE"),
        bare=r"[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}",
    ),
    _Kind(
        "sg_nric",
        checks.nric,
        r"[STFGM]\d{7}[A-Z]",
        r"(?-i:NRIC|FIN)",
        (),
        ("NRIC", "FIN"),
        bare=r"[STFGM]\d{7}[A-Z]",
    ),
    _Kind(
        "cn_resident_id",
        checks.china,
        r"\d{17}[\dXx]",
        r"身份证(?:号码?)?|resident\s{1,2}id(?:entity)?(?:\s{1,2}card)?",
        ("身份证", "resident"),
        bare=r"\d{17}[\dXx]",
    ),
    _Kind(
        "be_national_number",
        checks.be_national,
        r"\d{2}\.?\d{2}\.?\d{2}[-. ]?\d{3}\.?\d{2}",
        r"rijksregisternummer|num[ée]ro\s{1,2}national|registre\s{1,2}national|national\s{1,2}number|(?-i:INSZ|NISS)",
        ("rijksregister", "national"),
        ("INSZ", "NISS"),
        bare=r"\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}",
        bare_needs=".-",
    ),
    _Kind(
        "pt_nif",
        checks.pt_nif,
        r"\d{3} ?\d{3} ?\d{3}",
        r"(?-i:NIF|NIPC)|contribuinte",
        ("contribuinte",),
        ("NIF", "NIPC"),
    ),
    _Kind(
        "no_fodselsnummer",
        checks.no_fnr,
        r"\d{6} ?\d{5}",
        r"f[øo]dselsnummer|personnummer|f\.\s?nr\.?",
        ("dselsnummer", "personnummer", "f.nr", "f. nr"),
    ),
    _Kind(
        "fi_hetu",
        checks.hetu,
        r"\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]",
        r"henkil[öo]tunnus|(?-i:HETU)|personbeteckning",
        ("henkil", "hetu", "personbeteckning"),
        bare=r"\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]",
    ),
    _Kind(
        "za_id",
        checks.za_id,
        r"\d{13}",
        r"(?:(?-i:SA|RSA)|south\s{1,2}african)\s{1,2}id(?:\s{1,2}(?:number|no\.?))?|id\s{1,2}(?:number|no\.?)",
        ("id",),
    ),
    _Kind(
        "tr_tc_kimlik",
        checks.tc_kimlik,
        r"\d{11}",
        r"(?:t\.?c\.?\s{1,2})?kimlik(?:\s{1,2}(?:no|numaras[ıi]))?|(?-i:TCKN)",
        ("kimlik",),
        ("TCKN",),
    ),
    _Kind(
        "il_teudat_zehut",
        checks.il_id,
        r"\d{8,9}",
        r"teudat\s{1,2}zehut|ת\.?ז\.?|תעודת\s{1,2}זהות|israeli\s{1,2}id",
        ("teudat", "ת", "israeli"),
    ),
    _Kind(
        "kr_rrn",
        checks.kr_rrn,
        r"\d{6}-?[1-8]\d{6}",
        r"주민등록번호|resident\s{1,2}registration\s{1,2}number|(?-i:RRN)",
        ("주민등록번호", "resident registration"),
        ("RRN",),
        bare=r"\d{6}-[1-8]\d{6}",
        bare_needs="-",
    ),
    _Kind(
        "it_codice_fiscale",
        checks.it_fiscal,
        r"[A-Z]{6}\d{2}[A-EHLMPRST]\d{2}[A-Z]\d{3}[A-Z]",
        r"codice\s{1,2}fiscale|(?-i:CF)",
        ("codice fiscale",),
        ("CF",),
        bare=r"[A-Z]{6}\d{2}[A-EHLMPRST]\d{2}[A-Z]\d{3}[A-Z]",
    ),
    _Kind(
        "us_itin",
        checks.itin,
        r"9\d{2}[- ]?\d{2}[- ]?\d{4}",
        r"(?-i:ITIN)|individual\s{1,2}taxpayer\s{1,2}identification\s{1,2}number",
        ("individual taxpayer",),
        ("ITIN",),
        bare=r"9\d{2}-\d{2}-\d{4}",
        bare_needs="-",
    ),
)

# What may stand between a label and its number: punctuation and brackets ("BSN (burgerservicenummer):"),
# "no.", "number", "card", "is", "est le", "es".
_SEPARATOR = (
    r"[ \t:#=.–()-]{0,4}"
    r"(?:(?:no|nr|n°|nº|number|num|card|is|est|le|es|é|ist|era|de)\.?[ \t:#=–()-]{1,4}){0,3}"
)
_END = r"(?![\w-]|[.,]\d)"


def _compile(kind: _Kind) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    labelled = re.compile(rf"(?i)(?<!\w)(?:{kind.label})(?!\w){_SEPARATOR}(?P<v>(?-i:{kind.value})){_END}")
    bare = re.compile(rf"(?<![\w.-])(?:{kind.bare}){_END}") if kind.bare else None
    return labelled, bare


_PATTERNS = [(kind, *_compile(kind)) for kind in _KINDS]
# bare shapes with no letter in them, or none but an "X" the digits may end in
_DIGITS_ONLY = frozenset(
    ["cn_resident_id", "fr_nir", "br_cpf", "be_national_number", "fi_hetu", "kr_rrn", "us_itin"]
)


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
