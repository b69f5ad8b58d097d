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

__all__ = ["sanitize"]

_SURROGATE = re.compile("[\ud800-\udfff]")
# Format (Cf: zero-width, bidi controls, tag characters used for "ASCII smuggling") and control (Cc)
# characters; newline and tab survive.
_INVISIBLE = regex.compile(r"[[\p{Cc}\p{Cf}]--[\n\t]]", regex.VERSION1)
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A tag's name follows "<" at once, as in HTML, so "a < b and c > d" stays text.
_MARKUP = re.compile(r"</?[A-Za-z!?][^<>]{0,200}>")
# An HTML comment is markup too, but its text is what an attacker hides for a model that reads the
# page: the comment's delimiters go and its text stays (bounded and stopped at the next angle
# bracket, so hostile input stays linear).
_COMMENT = re.compile(r"<!--([^<>]{0,2000}?)-->")
# Prose inside a quoted attribute (alt, title, aria-label, data-*) is hidden the same way; a value
# with a space is read as prose and kept, one without (URLs, class names, ids) goes with its tag.
_PROSE_ATTRIBUTE = re.compile(r"""=\s*(?:"([^"<>]*\s[^"<>]*)"|'([^'<>]*\s[^'<>]*)')""")
_SPACES = re.compile(r"[ \t]{2,}")


def sanitize(text: str, *, strip_markup: bool = True) -> str:
    """NFKC-normalised text without control or invisible characters (newlines and tabs kept).

    Lone surrogates (undecodable input) become U+FFFD; with ``strip_markup`` HTML/XML tags are
    replaced by a space and their text kept, as are a comment's text and prose in quoted attributes
    (hidden instructions stay visible to the detectors).
    """
    if text.isascii():
        text = _ASCII_CONTROL.sub("", text)
    else:
        text = _SURROGATE.sub("\ufffd", text)
        text = unicodedata.normalize("NFKC", text)
        text = _INVISIBLE.sub("", text)
    if strip_markup and "<" in text:
        text = _COMMENT.sub(r" \1 ", text)
        text = _MARKUP.sub(_tag_prose, text)
    return _SPACES.sub(" ", text).strip()


def _tag_prose(tag: re.Match[str]) -> str:
    """A tag's replacement: a space, and the prose of its quoted attributes (see _PROSE_ATTRIBUTE)."""
    values = [double or single for double, single in _PROSE_ATTRIBUTE.findall(tag.group(0))]
    return " " + " ".join(v.strip() for v in values) + " " if values else " "
