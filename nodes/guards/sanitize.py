"""Input sanitizing: Unicode normalisation, invisible and control characters, markup, whitespace.

Every step is linear in the input: character classes and bounded quantifiers only, so a megabyte of
hostile text is cleaned in milliseconds. The ``regex`` package (a dependency of ``tiktoken``, which
``langchain-openai`` brings) supplies the Unicode general categories the standard library's ``re``
lacks; it keeps this table current with the Unicode version instead of a hand-written list.
"""

from __future__ import annotations

import re
import unicodedata

import regex

__all__ = ["sanitize", "sanitized_readings"]

_SURROGATE = re.compile("[\ud800-\udfff]")
# Format (Cf: zero-width, bidi controls, tag characters used for "ASCII smuggling") and control (Cc)
# characters; newline and tab survive.
_INVISIBLE = regex.compile(r"[[\p{Cc}\p{Cf}]--[\n\t]]", regex.VERSION1)
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A tag's name follows "<" at once, as in HTML, so "a < b and c > d" stays text.
_MARKUP = re.compile(r"</?[A-Za-z!?][^<>]{0,200}>")
# A quoted attribute value (linear: no nested quantifiers); one with a space is prose (alt, title,
# aria-label), one without (a URL, a class name, an id) is not.
_ATTRIBUTE = re.compile(r"""=\s*(?:"([^"<>]*)"|'([^'<>]*)')""")
_SPACES = re.compile(r"[ \t]{2,}")


def sanitize(text: str, *, strip_markup: bool = True, keep_hidden: bool = False) -> str:
    """NFKC-normalised text without control or invisible characters (newlines and tabs kept).

    Lone surrogates (undecodable input) become U+FFFD; with ``strip_markup`` HTML/XML tags are
    replaced by a space and the text between them kept, and comments (``<!-- ... -->``) removed with
    their text: what a reader of the page sees. ``keep_hidden`` keeps what markup hides from that
    reader instead (a comment's text, prose in quoted attributes) for the detectors: an attacker
    writes there for a model that reads the page (:func:`sanitized_readings` gives both).
    """
    text = _normalised(text)
    if strip_markup and "<" in text:
        text = _without_markup(text, keep_hidden=keep_hidden)
    return _SPACES.sub(" ", text).strip()


def sanitized_readings(text: str, *, strip_markup: bool = True) -> tuple[str, str]:
    """``(visible, hidden)``: :func:`sanitize` of ``text`` without and with ``keep_hidden``, normalised
    once; the same string twice when the text holds no markup (most messages)."""
    text = _normalised(text)
    if not (strip_markup and "<" in text):
        plain = _SPACES.sub(" ", text).strip()
        return plain, plain
    visible, hidden = (_without_markup(text, keep_hidden=keep) for keep in (False, True))
    return _SPACES.sub(" ", visible).strip(), _SPACES.sub(" ", hidden).strip()


def _normalised(text: str) -> str:
    if text.isascii():
        return _ASCII_CONTROL.sub("", text)
    text = _SURROGATE.sub("\ufffd", text)
    text = unicodedata.normalize("NFKC", text)
    cleaned: str = _INVISIBLE.sub("", text)  # the regex package is untyped
    return cleaned


def _without_markup(text: str, *, keep_hidden: bool) -> str:
    text = _without_comments(text, keep_text=keep_hidden)
    return _MARKUP.sub(_tag_prose if keep_hidden else " ", text)


def _without_comments(text: str, *, keep_text: bool) -> str:
    """``text`` with each closed ``<!-- ... -->`` replaced by a space (or by its text, spaced).

    A scan with ``str.find`` rather than a lazy regex: a regex retried at every unclosed ``<!--`` of
    hostile input is quadratic; here each character is passed once. An unclosed comment is left as
    it is (the tag pattern then treats its opening like any other tag).
    """
    pieces: list[str] = []
    at = 0
    while (start := text.find("<!--", at)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        pieces += [text[at:start], " ", text[start + 4 : end] if keep_text else "", " "]
        at = end + 3
    return "".join(pieces) + text[at:] if pieces else text


def _tag_prose(tag: re.Match[str]) -> str:
    """A tag's replacement: a space, and the prose (values with a space) of its quoted attributes."""
    values = [double or single for double, single in _ATTRIBUTE.findall(tag.group(0))]
    prose = [value.strip() for value in values if any(c.isspace() for c in value.strip())]
    return " " + " ".join(prose) + " " if prose else " "
