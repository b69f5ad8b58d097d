"""Check digits of national identity numbers (:mod:`crewline.nodes.guards.pii_national` finds them).

The checks are python-stdnum's (https://arthurdejong.org/python-stdnum/, LGPL-2.1, imported and
unmodified): a maintained library that follows each country's published rules, birth dates with
their centuries included (29 February only in a leap year, a Belgian number's day, a Romanian
county, a Chinese region). This module only hands each number to stdnum in the form it reads:
the digits where separators mean nothing, the value as written where they do (the century sign
of a henkilötunnus, the "-" or "+" of a personnummer, the "K" of a RUT). Two numbers stdnum does
not know stay ours: a National Insurance number (HMRC's prefix rules: it has no check digit) and a
Singapore NRIC/FIN. Rules added to stdnum's: a CPF of one repeated digit passes its sums and is no
one's; the ITIN groups 50-65, which the IRS issues and stdnum 2.2 does not know; Swedish
coordination numbers (day + 60), which it does not read; a living person's birth year for a Chinese
id, whose shape counts bare; and, for a NIR and a Czech number without their label, a plain month.

Each function takes the number as its pattern matched it and says whether its check holds.
"""

from __future__ import annotations

import re

from stdnum import luhn as _luhn
from stdnum.ar import cuit as _cuit
from stdnum.au import tfn as _tfn
from stdnum.be import nn as _be_nn
from stdnum.br import cpf as _cpf
from stdnum.ca import sin as _sin
from stdnum.cl import rut as _rut
from stdnum.cn import ric as _ric
from stdnum.cz import rc as _rc
from stdnum.es import dni as _dni
from stdnum.es import nie as _nie
from stdnum.fi import hetu as _hetu
from stdnum.fr import nir as _nir
from stdnum.gr import amka as _amka
from stdnum.hr import oib as _oib
from stdnum.il import idnr as _il_idnr
from stdnum.in_ import aadhaar as _aadhaar
from stdnum.it import codicefiscale as _codicefiscale
from stdnum.jp import in_ as _jp_in
from stdnum.kr import rrn as _rrn
from stdnum.nl import bsn as _bsn
from stdnum.no import fodselsnummer as _fodselsnummer
from stdnum.pl import pesel as _pesel
from stdnum.pt import nif as _pt_nif
from stdnum.ro import cnp as _cnp
from stdnum.se import personnummer as _personnummer
from stdnum.tr import tckimlik as _tckimlik
from stdnum.us import itin as _itin
from stdnum.za import idnr as _za_idnr

__all__ = [
    "aadhaar",
    "amka",
    "be_national",
    "bsn",
    "china",
    "cnp",
    "cpf",
    "cuil",
    "dni",
    "hetu",
    "il_id",
    "it_fiscal",
    "itin",
    "kr_rrn",
    "my_number",
    "nino",
    "nir",
    "nir_bare",
    "no_fnr",
    "nric",
    "oib",
    "personnummer",
    "pesel",
    "pt_nif",
    "rodne_cislo",
    "rodne_cislo_bare",
    "rut",
    "sin",
    "tc_kimlik",
    "tfn",
    "za_id",
]


def _digits(value: str) -> str:
    return re.sub(r"[^0-9]", "", value)  # ASCII digits: stdnum's int() would read others too


def sin(value: str) -> bool:
    return bool(_sin.is_valid(_digits(value)))


def tfn(value: str) -> bool:
    return bool(_tfn.is_valid(_digits(value)))


def bsn(value: str) -> bool:
    return bool(_bsn.is_valid(_digits(value)))


def dni(value: str) -> bool:
    """Spanish DNI ("12345678Z") or NIE ("X1234567L")."""
    compact = value.replace("-", "").replace(" ", "").upper()
    return bool((_nie if compact[:1] in ("X", "Y", "Z") else _dni).is_valid(compact))


def aadhaar(value: str) -> bool:
    return bool(_aadhaar.is_valid(_digits(value)))


def cpf(value: str) -> bool:
    digits = _digits(value)
    # "111.111.111-11" passes the sums (stdnum accepts it) and the Receita never issues it
    return len(set(digits)) > 1 and bool(_cpf.is_valid(digits))


def pesel(value: str) -> bool:
    return bool(_pesel.is_valid(_digits(value)))


def personnummer(value: str) -> bool:
    """The "+" of a personnummer says its holder is a hundred or older, so it is kept; a number
    written without a separator gets stdnum's "-". A coordination number (samordningsnummer, given
    to people not registered in Sweden) adds 60 to the day, which stdnum (2.2) does not read: its
    date is checked with the day as born, its Luhn digit over the digits as written."""
    compact = value.replace(" ", "")
    if compact[-5:-4] not in ("-", "+"):
        compact = compact[:-4] + "-" + compact[-4:]
    day = compact[-7:-5]  # YYMMDD-NNNN or YYYYMMDD-NNNN
    if day.isdigit() and int(day) > 60:
        born = compact[:-7] + f"{int(day) - 60:02d}" + compact[-5:-1]
        # the birth date's number with its own Luhn digit, so that stdnum reads the date and the form
        dated = born + _luhn.calc_check_digit(_digits(born)[-9:])
        return bool(_luhn.is_valid(_digits(compact)[-10:])) and bool(_personnummer.is_valid(dated))
    return bool(_personnummer.is_valid(compact))


def nir(value: str) -> bool:
    return bool(_nir.is_valid(value.replace(" ", "").upper()))


def nir_bare(value: str) -> bool:
    """A NIR without its label: stdnum reads only its length and key, which one 15-digit order or
    tracking number in a hundred passes; a month of birth 01-12 (its fourth and fifth digits) lets
    one in eight of those through. Labelled, the other month codes (20, 30-42, 50-99: born abroad or
    month not known) count too."""
    return 1 <= int(_digits(value)[3:5]) <= 12 and nir(value)


_NRIC_LETTERS = {"ST": "JZIHGFEDCBA", "FG": "XWUTRQPNMLK", "M": "KLJNPQRTUWX"}
_NRIC_OFFSET = {"S": 0, "T": 4, "F": 0, "G": 4, "M": 3}


def nric(value: str) -> bool:
    """Singapore NRIC/FIN (not in stdnum): weights 2765432 plus the series' offset, mod 11, read off
    the series' table; the M series (FINs from 2022) reads its table from the other end."""
    rest = (
        sum(int(ch) * w for ch, w in zip(value[1:8], (2, 7, 6, 5, 4, 3, 2), strict=True))
        + _NRIC_OFFSET[value[0]]
    ) % 11
    table = next(letters for heads, letters in _NRIC_LETTERS.items() if value[0] in heads)
    return value[8] == table[10 - rest if value[0] == "M" else rest]


_NINO_PREFIX_NEVER = frozenset(["BG", "GB", "NK", "KN", "TN", "NT", "ZZ"])


def nino(value: str) -> bool:
    """National Insurance number (not in stdnum; it has no check digit): HMRC's rules, no D, F, I,
    Q, U, V in the prefix, no O second, no reserved prefixes."""
    compact = value.replace(" ", "").upper()
    head = compact[:2]
    return head[0] not in "DFIQUV" and head[1] not in "DFIQUVO" and head not in _NINO_PREFIX_NEVER


def china(value: str) -> bool:
    """Chinese resident id. Its eighteen characters count bare, so a birth year is asked to be a
    living person's (1900-2030), which stdnum, reading any date, does not ask: 18 random digits
    with a region's code pass its check one time in eleven."""
    return 1900 <= int(value[6:10]) <= 2030 and bool(_ric.is_valid(value.upper()))


def be_national(value: str) -> bool:
    return bool(_be_nn.is_valid(_digits(value)))


def pt_nif(value: str) -> bool:
    return bool(_pt_nif.is_valid(_digits(value)))


def no_fnr(value: str) -> bool:
    return bool(_fodselsnummer.is_valid(_digits(value)))


def hetu(value: str) -> bool:
    # individual numbers 900-999 ("temporary") are given to real people too: foreigners, emergency
    # registrations
    return bool(_hetu.is_valid(value.upper(), allow_temporary=True))


def za_id(value: str) -> bool:
    return bool(_za_idnr.is_valid(_digits(value)))


def tc_kimlik(value: str) -> bool:
    return bool(_tckimlik.is_valid(_digits(value)))


def il_id(value: str) -> bool:
    return bool(_il_idnr.is_valid(_digits(value)))


def kr_rrn(value: str) -> bool:
    return bool(_rrn.is_valid(_digits(value)))


def itin(value: str) -> bool:
    """US ITIN. stdnum (2.2) knows the groups of 2011 (70-88, 90-92, 94-99); the IRS has since issued
    50-65 too ("9NN-5N-NNNN"), which are added here."""
    digits = _digits(value)
    issued_since = len(digits) == 9 and digits[0] == "9" and 50 <= int(digits[3:5]) <= 65
    return issued_since or bool(_itin.is_valid(digits))


def it_fiscal(value: str) -> bool:
    return bool(_codicefiscale.is_valid(value.upper()))


def cuil(value: str) -> bool:
    return bool(_cuit.is_valid(_digits(value)))


def rut(value: str) -> bool:
    return bool(_rut.is_valid(value.upper()))


def my_number(value: str) -> bool:
    return bool(_jp_in.is_valid(_digits(value)))


def cnp(value: str) -> bool:
    return bool(_cnp.is_valid(_digits(value)))


def oib(value: str) -> bool:
    return bool(_oib.is_valid(_digits(value)))


def rodne_cislo(value: str) -> bool:
    """Czech or Slovak birth number (stdnum's Slovak module is its Czech one)."""
    return bool(_rc.is_valid(_digits(value)))


def rodne_cislo_bare(value: str) -> bool:
    """A birth number without its label: a month as most are written, 01-12 or 51-62 for women. The
    months +20 (since 2004, when a day's numbers ran out) are law too, but they nearly triple the
    share of random "dddddd/dddd" references that pass, so only a label makes them count."""
    month = int(_digits(value)[2:4])
    return (1 <= month <= 12 or 51 <= month <= 62) and rodne_cislo(value)


def amka(value: str) -> bool:
    return bool(_amka.is_valid(_digits(value)))
