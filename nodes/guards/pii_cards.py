"""Card numbers: the shapes people write them in, the Luhn check, and the card brands' number ranges.

A run of digits that passes Luhn is a card when it is written like one (bare, or in groups of four,
or Amex's 4-6-5). Where digits that pass Luhn are also common for other reasons - a URL's path
segment or host label, groups split by full stops, a run glued to more digits by "_" or "-" - they
must also fall in a card brand's issuer range with that brand's length (:func:`card_branded`): an
order number, a snowflake id or a millisecond timestamp passes Luhn one time in ten but rarely
starts like a Visa, a Mastercard or an Amex *and* has its length.
"""

from __future__ import annotations

import re

__all__ = ["CARD", "CARD_GLUED", "card_branded", "card_shaped", "luhn_valid"]

# Bare or grouped (" ", "-" or "."): "no.4111..." is a card typed without a space; "1.4111..." (a
# decimal, a dotted number) is not, nor the digits of a longer run.
CARD = re.compile(r"(?<![\w+-])(?<!\d\.)\d(?:[ .-]?\d){11,18}(?![\w.-]?\d)")
# A bare run glued to more digits by "_" or "-" ("<card>_0928", "<card>-1227-123"): ``CARD`` stops
# before a digit follows, so it never matches these.
CARD_GLUED = re.compile(r"(?<![\w+.-])\d{13,19}(?=[_-]\d)")

# (lowest prefix, highest prefix, lengths): the issuer ranges of the card brands in wide use
# (ISO/IEC 7812 IINs as the networks publish them).
_BRANDS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("4", "4", (13, 16, 19)),  # Visa
    ("51", "55", (16,)),  # Mastercard
    ("2221", "2720", (16,)),  # Mastercard 2-series
    ("34", "34", (15,)),  # American Express
    ("37", "37", (15,)),
    ("6011", "6011", (16, 19)),  # Discover
    ("644", "649", (16, 19)),
    ("65", "65", (16, 19)),
    ("3528", "3589", (16, 17, 18, 19)),  # JCB
    ("300", "305", (14, 16)),  # Diners Club
    ("36", "36", (14, 16)),
    ("38", "39", (14, 16)),
    ("62", "62", (16, 17, 18, 19)),  # UnionPay
    ("2200", "2204", (16, 17, 18, 19)),  # Mir
    ("5018", "5018", (16, 17, 18, 19)),  # Maestro
    ("5020", "5020", (16, 17, 18, 19)),
    ("5038", "5038", (16, 17, 18, 19)),
    ("5893", "5893", (16, 17, 18, 19)),
    ("6304", "6304", (16, 17, 18, 19)),
    ("6759", "6759", (16, 17, 18, 19)),
    ("6761", "6763", (16, 17, 18, 19)),
    ("5019", "5019", (16,)),  # Dankort
    ("9792", "9792", (16,)),  # Troy
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_branded(digits: str) -> bool:
    """Digits in a card brand's issuer range with one of that brand's lengths, passing Luhn."""
    if not digits.isdigit() or len(set(digits)) == 1 or not luhn_valid(digits):
        return False
    return any(low <= digits[: len(low)] <= high and len(digits) in lengths for low, high, lengths in _BRANDS)


def card_shaped(raw: str) -> bool:
    """A ``CARD`` match written like a card: 12 to 19 digits passing Luhn, bare or in groups of four
    (the last shorter) or Amex's and Diners' 4-6-5 and 4-6-4, with one kind of separator. Groups
    split by full stops are also how versions and OIDs are written: those must be a brand's."""
    digits = re.sub(r"\D", "", raw)
    if not 12 <= len(digits) <= 19 or len(set(digits)) == 1 or not luhn_valid(digits):
        return False
    groups = re.split(r"[ .-]", raw)
    if len(groups) == 1:
        return True
    separators = set(re.findall(r"[ .-]", raw))
    shaped = [len(g) for g in groups]
    four = all(n == 4 for n in shaped[:-1]) and 1 <= shaped[-1] <= 4
    if len(separators) != 1 or not (four or shaped in ([4, 6, 5], [4, 6, 4])):
        return False
    return separators != {"."} or card_branded(digits)
