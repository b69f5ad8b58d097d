"""Check digits of national identity numbers in the mod-11 family and the rest added with them:
Argentine CUIL/CUIT, Chilean RUT, Japanese My Number, Romanian CNP, Croatian OIB (ISO 7064 mod 11,10),
Czech and Slovak birth numbers, Greek AMKA (Luhn after a birth date). Each takes the number as its
pattern matched it (separators allowed).
"""

from __future__ import annotations

import re
from datetime import date

from crewline.nodes.guards.pii_cards import luhn_valid

__all__ = ["amka", "cnp", "cuil", "my_number", "oib", "rodne_cislo", "rut"]


def _digits(value: str) -> str:
    return re.sub(r"[^0-9]", "", value)  # ASCII digits: int() reads others too


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def cuil(value: str) -> bool:
    """CUIL/CUIT: a type (20, 23, 24, 27, 30, 33, 34), eight digits, and a mod-11 check."""
    digits = _digits(value)
    total = sum(int(ch) * weight for ch, weight in zip(digits, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=False))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return digits[:2] in ("20", "23", "24", "27", "30", "33", "34") and check == int(digits[10])


def rut(value: str) -> bool:
    """Chilean RUT: weights 2 to 7 from the right, mod 11; 10 is written K."""
    body, check = re.sub(r"[.\s]", "", value).upper().split("-")
    total, weight = 0, 2
    for ch in reversed(body):
        total += int(ch) * weight
        weight = 2 if weight == 7 else weight + 1
    expected = {11: "0", 10: "K"}.get(11 - total % 11, str(11 - total % 11))
    return check == expected


def my_number(value: str) -> bool:
    """Japanese individual number: weights 2 to 7 from the right, then 2 to 6, mod 11."""
    digits = _digits(value)
    total = sum(int(digits[10 - n]) * (n + 2 if n <= 5 else n - 4) for n in range(11))
    rest = total % 11
    return (0 if rest <= 1 else 11 - rest) == int(digits[11])


def cnp(value: str) -> bool:
    """Romanian CNP: sex and century, a birth date, then weights 279146358279 mod 11 (10 is 1)."""
    digits = _digits(value)
    rest = sum(int(ch) * int(w) for ch, w in zip(digits, "279146358279", strict=False)) % 11
    dated = _real_date(2000, int(digits[3:5]) or 13, int(digits[5:7]) or 32)
    return digits[0] != "0" and dated and (1 if rest == 10 else rest) == int(digits[12])


def oib(value: str) -> bool:
    """Croatian OIB: ISO 7064 mod 11,10."""
    digits = _digits(value)
    carry = 10
    for ch in digits[:10]:
        carry = (carry + int(ch)) % 10 or 10
        carry = carry * 2 % 11
    check = 11 - carry
    return (0 if check == 10 else check) == int(digits[10])


def rodne_cislo(value: str) -> bool:
    """Czech or Slovak birth number YYMMDD/NNNC: a birth date (women's months plus 50) and the ten
    digits divisible by 11 (or the first nine mod 11 is 10 and the check is 0)."""
    digits = _digits(value)
    month = int(digits[2:4]) % 50
    if not _real_date(2000, month or 13, int(digits[4:6]) or 32):
        return False
    return int(digits) % 11 == 0 or (int(digits[:9]) % 11 == 10 and digits[9] == "0")


def amka(value: str) -> bool:
    """Greek AMKA: a birth date DDMMYY, then Luhn over the eleven digits."""
    digits = _digits(value)
    return luhn_valid(digits) and _real_date(2000, int(digits[2:4]) or 13, int(digits[:2]) or 32)
