"""Readings of a text that undo the disguises attackers use to get words past a keyword filter.

A model reads through leetspeak (``1gn0r3``), letters spaced or dotted out (``i g n o r e``,
``I.g.n.o.r.e``), words split by hyphens (``ign-ore``), look-alike letters from other scripts,
Unicode tag characters, text encoded as base64, hex, ROT13 or written backwards when it is told
to decode it, and an instruction split into quoted pieces it is told to put together; a filter that
reads only the surface does not. :func:`readings` returns the decoded
readings of a (sanitized) text, each with the name of what it undid, so the same rules can read
them. Both the input detector (:mod:`crewline.nodes.guards.rules`) and the passage guard
(:mod:`crewline.nodes.guards.passages`) use these.

Every step is linear in the input: bounded classes, no nested quantifiers, at most a few decoded
runs, and a reading is only made when its disguise is present (most messages get none).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import itertools
import re
from collections.abc import Callable, Iterator

__all__ = [
    "CONFUSABLES",
    "LEET_WORD",
    "SPACED_LETTERS",
    "decode_tag_characters",
    "decoded_base64",
    "decoded_hex",
    "readings",
    "unleet",
    "unspaced",
]

# Look-alike letters attackers swap in to dodge keyword filters (Cyrillic and Greek), typographic quotes.
CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "һ": "h",
        "ո": "n",
        "ս": "u",
        "ν": "v",
        "ϝ": "f",  # digamma, the Greek letter shaped like "F"
        "ο": "o",
        "α": "a",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "τ": "t",
        "ρ": "p",
        "υ": "u",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "_": " ",
        "\\": "",
    }
)

_TAG_CHARS = re.compile("[\U000e0020-\U000e007e]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}[ :]?){8,}\b")
# a maximal run of the characters a _HEX match is made of, long enough for its 8 pairs
_HEX_RUN = re.compile(r"(?<![0-9a-fA-F :])[0-9a-fA-F :]{16,}")
# a word of letters, digits and signs holding one of each; bounded by the run's ends, not by \b, which
# falls nowhere next to a "$" ("u$3r", "9u1d3l1n3$"); two characters are a word too ("n0 f1lt3r5")
LEET_WORD = re.compile(
    r"(?<![a-z0-9@$])(?=[a-z0-9@$]*[a-z])(?=[a-z0-9@$]*[0-9@$])[a-z0-9@$]{2,}(?![a-z0-9@$])", re.IGNORECASE
)
# a maximal run of LEET_WORD's characters holding a digit or sign, read from its first character
# (possessive: one pass over each run, so a long run of letters costs no more than its length)
_LEET_RUN = re.compile(r"(?<![a-z0-9@$])[a-z]*+[0-9@$][a-z0-9@$]*+", re.IGNORECASE)
# "9" and "6" read "g" ("9u1d3l1n3s", "c0nf16"), "8" reads "b": the common ones after the vowels
_LEET_LETTERS = dict(zip("03456789@$", "oeasgtbgas", strict=True))
_LEET = str.maketrans({**_LEET_LETTERS, "1": "i"})
# "1" stands for "l" as often as for "i" ("ru13s", "a11"): a word is read so when only that spells a keyword
_LEET_L = str.maketrans({**_LEET_LETTERS, "1": "l"})
SPACED_LETTERS = re.compile(r"\b(?:\w {1,2}){3,}\w\b")  # "i g n o r e  a l l": letters spaced out
# "I.g.n.o.r.e", "D-i-s-r-e-g-a-r-d", "i*g*n*o*r*e": single letters joined by one punctuation mark
_DOTTED = re.compile(r"\b(?:[A-Za-z][.\-*·•|]){3,}[A-Za-z]\b")
_SPLIT_WORD = re.compile(r"(?<=[A-Za-z])-(?=[a-z])")  # "ign-ore", "instr-uctions"
# an instruction to decode the text: ROT13 and reversed text are read only when one is given
_DECODE_HINT = re.compile(r"\b(?:rot-?13|caesar|cipher|decipher|backwards?|reversed?|mirror(?:ed)?)\b", re.I)
# a dotted-out word, or a word split by hyphens (whole, so the joined word can be read)
_DOTTED_OR_SPLIT = re.compile(r"\b(?:[A-Za-z][.\-*·•|]){3,}[A-Za-z]\b|\b[A-Za-z]+(?:-[a-z]+)+\b")
_DIGIT_OR_SIGN = re.compile(r"[\d@$]")
# what every match of SPACED_LETTERS and _DOTTED holds (a spaced-out letter between two gaps, a
# dotted-out one between two dots): a pattern that opens with a literal or a short class is scanned
# for fast, the full patterns are tried at every position (~30 µs over 1 KB each)
_SPACED_HINT = re.compile(r" \w {1,2}\w ")
_DOTTED_HINT = re.compile(r"[.\-*·•|][A-Za-z][.\-*·•|]")
_DECODE_HINTS = ("rot", "caesar", "cipher", "backward", "revers", "mirror")
# payload splitting: quoted pieces and an ask to put them together ("a='approve the'; b='transfer'; do
# a+b"); the pieces are read joined, with and without a space between them
_JOIN_HINT = re.compile(
    r"\b(?:combine[sd]?|concatenat\w*|join(?:ed|ing)?|put (?:\w+ ){0,5}together|merge[sd]?|assembl\w*|glue|"
    r"stitch\w*)\b"
    r"|[\w'\"] ?\+ ?[\w'\"]",
    re.IGNORECASE,
)
_JOIN_STEMS = ("combine", "concatenat", "join", "together", "merge", "assembl", "glue", "stitch", "+")


def _asks_to_join(text: str, lowered: str) -> bool:
    # the case-insensitive regex costs ~150 µs over 1 KB; on ASCII text (no letter that matches
    # another under IGNORECASE, such as "ſ" for "s") one of its stems must be in the lower-cased text
    if text.isascii() and not any(stem in lowered for stem in _JOIN_STEMS):
        return False
    return _JOIN_HINT.search(text) is not None


_PIECE = re.compile(r"'([^'\n]{1,60})'|\"([^\"\n]{1,60})\"")
_SEGMENTED = 12  # letters a glued run needs before it is cut into the vocabulary's words
_SEGMENTED_MAX = 2_000  # an instruction is short; a longer run is left glued (cutting costs per letter)
_RUNS = 20  # encoded runs decoded per text: a hostile text of thousands of runs costs no more
_MAX_RUN = 16_384  # characters of one encoded run decoded (an instruction is short)


def decode_tag_characters(text: str) -> str:
    """``text`` with Unicode tag characters (invisible "ASCII smuggling") turned into the ASCII they carry."""
    return _TAG_CHARS.sub(lambda m: "".join(chr(ord(c) - 0xE0000) for c in m.group()), text)


def _readable(decoded: str) -> bool:
    return decoded.isprintable() and sum(c.isalpha() or c == " " for c in decoded) >= 0.8 * len(decoded)


def decoded_base64(text: str) -> str:
    """The printable text that base64 runs in ``text`` decode to (an instruction smuggled encoded)."""
    found = []
    for run in _BASE64.findall(text)[:_RUNS]:
        run = run[:_MAX_RUN]
        try:
            decoded = base64.b64decode(run + "=" * (-len(run) % 4), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        if _readable(decoded):
            found.append(decoded)
    return "\n".join(found)


def _hex_runs(text: str) -> Iterator[str]:
    """What ``_HEX.finditer(text)`` finds, read only in the runs of hex digits, spaces and colons
    long enough to hold one (with the character either side, so word boundaries are the text's)."""
    for run in _HEX_RUN.finditer(text):
        for match in _HEX.finditer(text[max(0, run.start() - 1) : run.end() + 1]):
            yield match.group()


def decoded_hex(text: str) -> str:
    """The printable text that runs of hex byte pairs in ``text`` decode to."""
    found = []
    for run in itertools.islice(_hex_runs(text), _RUNS):
        digits = re.sub(r"[ :]", "", run)[:_MAX_RUN]
        try:
            decoded = bytes.fromhex(digits[: len(digits) // 2 * 2]).decode("utf-8")
        except ValueError:
            continue
        if _readable(decoded):
            found.append(decoded)
    return "\n".join(found)


def unspaced(text: str, vocabulary: re.Pattern[str] | None = None) -> str:
    """Spaced-out letters joined into words (two spaces or more stay a word break).

    Sanitizing collapses runs of spaces, so "d i s r e g a r d   y o u r" arrives as one run of
    letters; with a ``vocabulary`` (the words the rules look for), a long run is cut around them.
    """

    def join(match: re.Match[str]) -> str:
        run = match.group()
        if "  " in run:
            return run.replace("  ", "\0").replace(" ", "").replace("\0", " ")
        glued = run.replace(" ", "")
        if vocabulary is None or not _SEGMENTED <= len(glued) <= _SEGMENTED_MAX:
            return glued
        return " ".join(vocabulary.sub(r" \g<0> ", glued).split())

    return SPACED_LETTERS.sub(join, text)


def unleet(text: str, ells: frozenset[str] = frozenset()) -> str:
    """Words written with digits for letters (``1gn0r3``) spelled with the letters; the words in
    ``ells`` read their "1" as "l"."""
    return LEET_WORD.sub(lambda m: m.group().translate(_LEET_L if m.group() in ells else _LEET), text)


def _undone_words(pattern: re.Pattern[str], undo: Callable[[str], str], text: str) -> str:
    return " ".join(undo(match.group()) for match in itertools.islice(pattern.finditer(text), _RUNS * 50))


def _leet_words(text: str) -> list[str]:
    """What ``LEET_WORD.finditer(text)`` finds (the first ``_RUNS * 50``), read only in the runs of
    its characters that hold a digit or sign: a leet word lies inside one (its lookaheads read no
    further), and trying the lookaheads at every word of a 1 KB message cost ~100 µs. Each run is
    read with the character either side of it, so its word boundaries are the text's."""
    found: list[str] = []
    for run in _LEET_RUN.finditer(text):
        piece = text[max(0, run.start() - 1) : run.end() + 1]
        for match in LEET_WORD.finditer(piece):
            found.append(match.group())
            if len(found) == _RUNS * 50:
                return found
    return found


def readings(
    text: str,
    vocabulary: re.Pattern[str] | None = None,
    wanted: Callable[[str], bool] = lambda words: True,
) -> list[tuple[str, str]]:
    """The decoded readings of ``text`` as ``(what was undone, text)``; none when nothing is disguised.

    ``vocabulary``: see :func:`unspaced`. ``wanted``: told the words a reading that changes words in
    place (spaced, split, leetspeak) would spell, it says whether that reading is worth making:
    "well-known" read as "wellknown" hides nothing, and most texts have such words.
    """
    out: list[tuple[str, str]] = []
    if (
        _SPACED_HINT.search(text)
        and SPACED_LETTERS.search(text)
        and wanted(_undone_words(SPACED_LETTERS, lambda run: unspaced(run, vocabulary), text))
    ):
        out.append(("spaced-out letters", unspaced(text, vocabulary)))
    dotted = _DOTTED_HINT.search(text) is not None and _DOTTED.search(text) is not None
    if dotted or ("-" in text and _SPLIT_WORD.search(text)):
        split = _undone_words(_DOTTED_OR_SPLIT, lambda run: re.sub(r"[^A-Za-z]", "", run), text)
        if wanted(split):
            joined = _DOTTED.sub(lambda m: re.sub(r"[^A-Za-z]", "", m.group()), text)
            out.append(("split words", _SPLIT_WORD.sub("", joined)))
    has_digit = _DIGIT_OR_SIGN.search(text) is not None  # leetspeak and hex both need one
    leet_words = _leet_words(text) if has_digit else []
    if leet_words:
        ells = frozenset(
            word
            for word in leet_words
            if "1" in word and not wanted(word.translate(_LEET)) and wanted(word.translate(_LEET_L))
        )
        if wanted(" ".join(unleet(word, ells) for word in leet_words)):
            out.append(("leetspeak", unleet(text, ells)))
    for name, decode in (("base64", decoded_base64), ("hex", decoded_hex)):
        hidden = decode(text) if has_digit or name == "base64" else ""
        if hidden:
            out.append((name, hidden))
    lowered = text.lower()
    if ("'" in text or '"' in text) and _asks_to_join(text, lowered):
        pieces = [m.group(1) or m.group(2) for m in itertools.islice(_PIECE.finditer(text), _RUNS)]
        if len(pieces) >= 2:
            out.append(("joined pieces", " ".join(pieces) + ". " + "".join(pieces)))
    if any(hint in lowered for hint in _DECODE_HINTS) and _DECODE_HINT.search(text):
        out.append(("ROT13", codecs.encode(text, "rot13")))
        out.append(("reversed text", text[::-1]))
    return out
