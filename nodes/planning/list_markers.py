"""List markers and item separators: where a message lists its requests rather than joining them.

People number and bullet their asks in many notations: "1.", "2)", "(3)", "a)", "(b)", "ii.", "#1",
"1/", "1:", "1 -", "[2]", "Q1:", "Item 2:", "Question 3 -", "Step one,", and bullets "-", "*", "•",
">", "→", "✓", "+". At the start of a line (or of a part) any of them opens an item. Inside a line a
label is an ordinary word as often as a marker ("plan b) ...", "order #2", "1/2 of it", "10:30"), so
there a label counts only as one of a *sequence* that starts at the first label of its kind: "a) ...
b) ...", "#1 ... #2 ...", "1:... 2:...". A typed bullet other than "-", "*", "+" and ">" is no word
at all, so it separates wherever it stands; those four do only in a message that opens with the same
one ("- refund O-1002 - what email ..."), and an emoji or other symbol only at the start of a line
or set off twice ("📌 A 📌 B"): once mid-line it is tone ("freeze my card ⚠️ it's gone"), a pause as
weak as a comma. A spaced "|" or "//" separates items too.
"""

from __future__ import annotations

import re

__all__ = ["LINE_MARKER", "item_separators"]

_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_LABEL = r"(?:\d{1,2}|[a-h]|i{1,3}|iv|vi{0,3}|ix|x)"
_WORD_LABEL = r"(?:\d{1,2}|" + "|".join(_WORD_NUMBERS) + r")"
# Words that name an item before its number: "Q1:", "Item 2:", "Question 3 -", "Step one,".
_NAMED = r"(?:q|question|item|step|part|point|task|request|issue)"
# ... and "number", a word of requests too ("number 5 on my statement is ...", "Number one priority:
# freeze ..."): a label only with its punctuation ("Number 1: ...", "No. 2 - ...").
_NUMBER_WORD = r"(?:number|no\.)"
# A digit with an ordinal's ending ("1st:", "2nd -") or a keycap emoji ("1️⃣": digit, variation
# selector, combining keycap) numbers an item as "1." does.
_ORDINAL = r"(?:1st|2nd|3rd|[4-9]th)\s*[:.)–—-]"  # not a date's "15th - 17th"
_KEYCAP = r"\d\ufe0f?\u20e3"
# never part of a request's words (chat's emoji bullets too: "👉", "✅", "🔹", "➡️"): the bullets
# people type, and enclosed and circled numbers and letters ("①", "⑴", "❶", "🅰"), separate items
# wherever they stand ...
_TYPED_BULLETS = (
    "•·‣»›▪◦➤➢→⇒✓✔☑☐■□●○▶►◆◇★☆✅➡👉🔹🔸①⑴❶🅰"
    "\u2460-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf\U0001f130-\U0001f189"
)
# ... and, as a class rather than a list, the Unicode blocks of symbols that are no letter, digit or
# punctuation of a sentence: arrows, box drawing and geometric shapes, dingbats and miscellaneous
# symbols ("✨", "⚠️"), pictographs and emoji ("📌", "😢"). In chat one of them mid-line is tone more
# often than a marker ("freeze my card ⚠️ it's gone", "hi there 👋 what's my balance"), so it opens
# an item only at the start of a line or when the same symbol is set off by spaces at least twice
# ("📌 A 📌 B"); anywhere else it is a cut as weak as a comma. Currency, "°", "©", "™", "×" and quotes
# are none of them: "5 × 3", "20 °C" keep their words.
_SYMBOL_BLOCKS = (
    "\u2190-\u21ff\u2300-\u23ff\u2500-\u2775\u2794-\u27bf\u27f0-\u27ff\u2900-\u297f\u2b00-\u2bff"
    "\U0001f100-\U0001f12f\U0001f18a-\U0001f1ff\U0001f300-\U0001f6ff\U0001f780-\U0001faff"
)
_BULLET_CHARS = _TYPED_BULLETS + _SYMBOL_BLOCKS
_BULLET = rf"(?:[{_BULLET_CHARS}]\ufe0f?|[-*+>~]|[—–](?!\s*\d))"
# An item's opening at the start of a line or of a part (a space or a letter must follow: "3.5% fee"
# and "10:30 tomorrow" open with no marker).
LINE_MARKER = (
    rf"(?:{_BULLET}+\s*|(?:{_ORDINAL}|{_KEYCAP})\s*"
    rf"|(?:\(\s*{_LABEL}\s*\)|\[\s*{_LABEL}\s*\]|\#\s?\d{{1,2}}|\d{{1,2}}\s+[–—-]"
    rf"|{_NAMED}\s*{_WORD_LABEL}\s*[:.)/,–—-]?|{_NUMBER_WORD}\s*{_WORD_LABEL}\s*[:.),–—-]"
    r"|(?:q|question)\s*:)(?=\s|[^\W\d_])\s*"
    r"|\d{1,2}\s*[.):/](?=\s|[^\W\d_])\s*"  # "1:how much": a digit's marker may touch its word
    r"|(?:[a-h]|i{1,3}|iv|vi{0,3}|ix|x)\s*[.)]\s+)"  # "a.m.", "e.g." are no markers
)
# An inline label with its decoration; group ``label`` holds the label itself.
_INLINE = re.compile(
    r"(?<![\w#/.:'-])(?:\(\s*(?P<p>" + _LABEL + r")\s*\)"
    r"|\[\s*(?P<b>" + _LABEL + r")\s*\]"
    r"|\#\s?(?P<h>\d{1,2})"
    r"|" + _NAMED + r"\s*(?P<n>" + _WORD_LABEL + r")\s*+[:.)/,–—-]?"
    r"|" + _NUMBER_WORD + r"\s*(?P<w>" + _WORD_LABEL + r")\s*+[:.),–—-]"
    r"|(?P<d>\d{1,2})\s*(?:[.):/]|\s[–—-])"
    r"|(?P<o>[1-9])(?:st|nd|rd|th)\s*[:.)–—-]|(?P<k>\d)\ufe0f?\u20e3"
    r"|(?P<l>[a-h]|i{1,3}|iv|vi{0,3}|ix|x)\s*[.)])"
    r"(?=\s*[^\W\d_])\s*",
    re.IGNORECASE,
)
_SECOND = re.compile(r"2|(?<![\w'])(?:b|ii)\s*[.)]|\btwo\b", re.IGNORECASE)
_BULLET_CHAR = re.compile(f"[{_BULLET_CHARS}]")
# Separators that open with spaces are tried only where the run of spaces starts ((?<!\s)): tried
# from every space of a long run, each read the rest of the run (quadratic).
_OWN_BULLET = re.compile(rf"(?<!\s)\s++([{_BULLET_CHARS}])\ufe0f?\s*")
_TYPED = re.compile(f"[{_TYPED_BULLETS}]")
_OPENING_SYMBOL = re.compile(rf"\s*([{_SYMBOL_BLOCKS}])")
_PIPE = re.compile(r"(?<!\s)\s++\|+\s*|\|+\s*|(?<!\s)\s++//\s+")
_OPENING_BULLET = re.compile(r"\s*([-*+>])\s")


def _positions(label: str) -> list[tuple[str, int]]:
    """The sequences a label could belong to and its place in each ("i" is roman one, "c" a letter)."""
    label = label.lower()
    if label.isdigit():
        return [("number", int(label))]
    if label in _WORD_NUMBERS:
        return [("number", _WORD_NUMBERS[label])]
    found = [("roman", _ROMAN[label])] if label in _ROMAN else []
    if len(label) == 1 and "a" <= label <= "h":
        found.append(("letter", ord(label) - ord("a") + 1))
    return found


def _sequence(text: str) -> list[tuple[int, int]]:
    """The spans of the longest run of inline labels that counts from its kind's first (1, a, i)."""
    best: list[tuple[int, int]] = []
    runs: dict[str, list[tuple[int, int]]] = {}
    expected: dict[str, int] = {}
    for match in _INLINE.finditer(text):
        label = next(value for value in match.groupdict().values() if value)
        for kind, place in _positions(label):
            if place == 1:
                runs[kind], expected[kind] = [match.span()], 2
            elif expected.get(kind) == place:
                runs[kind].append(match.span())
                expected[kind] = place + 1
            else:
                continue
            if len(runs[kind]) > len(best):
                best = list(runs[kind])
    return best if len(best) > 1 else []


def _repeated(text: str, bullet: str, start: int) -> list[tuple[int, int]]:
    """The spans of ``bullet`` set off by spaces from ``start`` on."""
    repeated = rf"\s++{re.escape(bullet)}\s+"
    # ``start`` may fall inside a run of spaces: there the first is read without the guard
    first = re.compile(repeated).match(text, start)
    rest = re.compile(rf"(?<!\s){repeated}").finditer(text, first.end() if first else start + 1)
    return [match.span() for match in ([first] if first else [])] + [match.span() for match in rest]


def _symbols(text: str) -> list[tuple[int, int, bool]]:
    """Spans of bullets and symbols set off by a space, each with whether it separates items (True)
    or is only a pause as weak as a comma (a lone symbol of :data:`_SYMBOL_BLOCKS` mid-line)."""
    found = [(match, match.group(1)) for match in _OWN_BULLET.finditer(text)]
    counts: dict[str, int] = {}
    opening = _OPENING_SYMBOL.match(text)
    if opening is not None:
        counts[opening.group(1)] = 1
    for _, symbol in found:
        counts[symbol] = counts.get(symbol, 0) + 1
    return [
        (*match.span(), bool(_TYPED.match(symbol)) or "\n" in match.group() or counts[symbol] > 1)
        for match, symbol in found
    ]


def item_separators(text: str) -> list[tuple[int, int, bool]]:
    """Spans inside one line that separate list items: a sequence's labels (with the space before
    them), bullets that are no word, an opening bullet repeated, "|" and "//"; each with True, or
    False for a lone symbol mid-line (a cut as weak as a comma)."""
    spans: list[tuple[int, int, bool]] = []
    if _SECOND.search(text):  # no sequence without its second label: most messages stop here
        # (with the space before each label)
        spans = [(len(text[:start].rstrip()), end, True) for start, end in _sequence(text)]
    if _BULLET_CHAR.search(text):
        spans += _symbols(text)
    if "|" in text or "//" in text:
        spans += [(*match.span(), True) for match in _PIPE.finditer(text)]
    opening = _OPENING_BULLET.match(text)
    if opening is not None:
        spans += [(*span, True) for span in _repeated(text, opening.group(1), opening.end())]
    return sorted(span for span in spans if span[0] > 0 and span[1] < len(text))
