"""Check digits of national identity numbers (:mod:`crewline.nodes.guards.pii_national` finds them).

Each function takes the number as written (separators allowed) in the shape its pattern matched and
says whether its check holds: Luhn, weighted sums mod 10 or 11, a mod-23 letter, mod 97, mod 31,
ISO 7064, Verhoeff, and the birth dates some numbers hold.
"""

from __future__ import annotations

import re
from datetime import date

from crewline.nodes.guards.pii_cards import luhn_valid

__all__ = [
    "aadhaar",
    "be_national",
    "bsn",
    "china",
    "cpf",
    "dni",
    "hetu",
    "il_id",
    "it_fiscal",
    "itin",
    "kr_rrn",
    "nino",
    "nir",
    "no_fnr",
    "nric",
    "personnummer",
    "pesel",
    "pt_nif",
    "sin",
    "tc_kimlik",
    "tfn",
    "za_id",
]


def _digits(value: str) -> str:
    return re.sub(r"[^0-9]", "", value)  # ASCII digits: int() reads others too


def _weighted(value: str, weights: tuple[int, ...]) -> int:
    return sum(int(ch) * weight for ch, weight in zip(value, weights, strict=False))


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


_NINO_PREFIX_NEVER = frozenset(["BG", "GB", "NK", "KN", "TN", "NT", "ZZ"])


def nino(value: str) -> bool:
    """HMRC's rules: no D, F, I, Q, U, V in the prefix, no O second, no reserved prefixes."""
    compact = value.replace(" ", "").upper()
    head = compact[:2]
    return head[0] not in "DFIQUV" and head[1] not in "DFIQUVO" and head not in _NINO_PREFIX_NEVER


def sin(value: str) -> bool:
    digits = _digits(value)
    return digits[0] not in "08" and luhn_valid(digits)


def bsn(value: str) -> bool:
    digits = _digits(value).zfill(9)
    return int(digits) > 0 and (_weighted(digits, (9, 8, 7, 6, 5, 4, 3, 2)) - int(digits[8])) % 11 == 0


def tfn(value: str) -> bool:
    return _weighted(_digits(value), (1, 4, 3, 7, 5, 8, 6, 9, 10)) % 11 == 0


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni(value: str) -> bool:
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


def aadhaar(value: str) -> bool:
    check = 0
    for position, ch in enumerate(reversed(_digits(value))):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][int(ch)]]
    return check == 0


def cpf(value: str) -> bool:
    digits = _digits(value)
    if len(set(digits)) == 1:
        return False  # "111.111.111-11" passes the sums and is no one's
    for size in (9, 10):
        rest = _weighted(digits, tuple(range(size + 1, 1, -1))) * 10 % 11
        if rest % 10 != int(digits[size]):
            return False
    return True


def pesel(value: str) -> bool:
    digits = _digits(value)
    check = (10 - _weighted(digits, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)) % 10) % 10
    month = int(digits[2:4]) % 20
    return check == int(digits[10]) and _real_date(2000, month or 13, int(digits[4:6]))


def personnummer(value: str) -> bool:
    digits = _digits(value)[-10:]
    day = int(digits[4:6]) % 60  # coordination numbers add 60 to the day
    return luhn_valid(digits) and _real_date(2000, int(digits[2:4]) or 13, day or 32)


def nir(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    body = compact[:13].replace("2A", "19").replace("2B", "18")
    if compact[0] not in "12378" or not body.isdigit() or not 1 <= int(compact[3:5]) <= 12:
        return False
    return 97 - int(body) % 97 == int(compact[13:])


_NRIC_LETTERS = {"ST": "JZIHGFEDCBA", "FG": "XWUTRQPNMLK", "M": "KLJNPQRTUWX"}
_NRIC_OFFSET = {"S": 0, "T": 4, "F": 0, "G": 4, "M": 3}


def nric(value: str) -> bool:
    """Singapore NRIC/FIN: weights 2765432 plus the series' offset, mod 11, read off the series'
    table; the M series (FINs from 2022) reads its table from the other end, KLJNPQRTUWX[10 - r]."""
    rest = (_weighted(value[1:8], (2, 7, 6, 5, 4, 3, 2)) + _NRIC_OFFSET[value[0]]) % 11
    table = next(letters for heads, letters in _NRIC_LETTERS.items() if value[0] in heads)
    return value[8] == table[10 - rest if value[0] == "M" else rest]


def china(value: str) -> bool:
    body = value[:17]
    if (
        not _real_date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
        or not 1900 <= int(body[6:10]) <= 2030
    ):
        return False
    check = _weighted(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)) % 11
    return value[17].upper() == "10X98765432"[check]


def be_national(value: str) -> bool:
    """Belgian national number: 97 less the first nine digits mod 97 (with a 2 before them for
    people born since 2000), and a birth date (month 0 or day 0 when unknown)."""
    digits = _digits(value)
    check = int(digits[9:])
    return check in (97 - int(digits[:9]) % 97, 97 - int("2" + digits[:9]) % 97) and int(digits[2:4]) <= 12


def pt_nif(value: str) -> bool:
    """Portuguese NIF: weights 9 to 2, the check is 11 less the sum mod 11 (0 for 10 and 11)."""
    digits = _digits(value)
    check = 11 - _weighted(digits, (9, 8, 7, 6, 5, 4, 3, 2)) % 11
    return digits[0] in "1235689" and (0 if check >= 10 else check) == int(digits[8])


def _mod11_check(digits: str, weights: tuple[int, ...]) -> int:
    check = 11 - _weighted(digits, weights) % 11
    return 0 if check == 11 else check


def no_fnr(value: str) -> bool:
    """Norwegian fødselsnummer: two mod-11 check digits after a birth date (D-numbers add 40)."""
    digits = _digits(value)
    first = _mod11_check(digits, (3, 7, 6, 1, 8, 9, 4, 5, 2))
    second = _mod11_check(digits, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
    day = int(digits[:2]) % 40
    return (
        first == int(digits[9])
        and second == int(digits[10])
        and _real_date(2000, int(digits[2:4]) or 13, day or 32)
    )


_HETU_CHECKS = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def hetu(value: str) -> bool:
    """Finnish henkilötunnus DDMMYY-NNNC: the check character is the nine digits mod 31."""
    digits = value[:6] + value[7:10]
    return (
        digits.isdigit()
        and _real_date(2000, int(value[2:4]) or 13, int(value[:2]) or 32)
        and (value[10].upper() == _HETU_CHECKS[int(digits) % 31])
    )


def za_id(value: str) -> bool:
    """South African id: a birth date, a citizenship digit (0 citizen, 1 permanent resident: the
    eleventh), then Luhn over the thirteen digits. "ID number" is everyday English: without the
    citizenship digit one labelled number in twenty would pass (a 13-digit Visa card did)."""
    digits = _digits(value)
    dated = _real_date(2000, int(digits[2:4]) or 13, int(digits[4:6]) or 32)
    return digits[10] in "01" and luhn_valid(digits) and dated


def tc_kimlik(value: str) -> bool:
    """Turkish TC kimlik: the tenth digit from odd and even sums, the eleventh the sum of ten, mod 10."""
    d = [int(ch) for ch in _digits(value)]
    tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    return d[0] != 0 and d[9] == tenth and d[10] == sum(d[:10]) % 10


def il_id(value: str) -> bool:
    """Israeli teudat zehut: Luhn over nine digits (shorter ones are padded with zeros)."""
    return luhn_valid(_digits(value).zfill(9))


def kr_rrn(value: str) -> bool:
    """South Korean resident registration number: a birth date, then weights 2 to 9, mod 11."""
    digits = _digits(value)
    check = (11 - _weighted(digits, (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)) % 11) % 10
    return check == int(digits[12]) and _real_date(2000, int(digits[2:4]) or 13, int(digits[4:6]) or 32)


def itin(value: str) -> bool:
    """US ITIN: 9XX-GG-NNNN with the groups the IRS issues (50-65, 70-88, 90-92, 94-99)."""
    group = int(_digits(value)[3:5])
    return 50 <= group <= 65 or 70 <= group <= 88 or 90 <= group <= 92 or 94 <= group <= 99


# The values of characters in odd positions, as the Agenzia delle Entrate publishes them: digits 0-9
# take the same values as letters A-J.
_CF_ODD_LETTERS = (
    1,
    0,
    5,
    7,
    9,
    13,
    15,
    17,
    19,
    21,
    2,
    4,
    18,
    20,
    11,
    3,
    6,
    8,
    12,
    14,
    16,
    10,
    22,
    25,
    24,
    23,
)
_CF_ODD = {
    **{chr(48 + i): _CF_ODD_LETTERS[i] for i in range(10)},
    **{chr(65 + i): value for i, value in enumerate(_CF_ODD_LETTERS)},
}


def it_fiscal(value: str) -> bool:
    """Italian codice fiscale: the last letter from the fifteen characters before it (odd positions
    by a table, even ones by their value), mod 26."""
    code = value.upper()
    total = 0
    for position, ch in enumerate(code[:15]):
        total += _CF_ODD[ch] if position % 2 == 0 else (int(ch) if ch.isdigit() else ord(ch) - 65)
    return code[15] == chr(65 + total % 26)
