"""Reading knowledge-base sources and splitting them into heading-aware chunks.

:func:`source_files` lists the Markdown/text files under a source directory, :func:`read_source` reads
one exactly as chunk offsets count it, and :func:`chunk_document` packs a document's paragraphs into
:class:`Chunk` passages within one section (splitting long paragraphs between sentences with
:func:`split_sentences`). :mod:`crewline.memory.knowledge.index` embeds and indexes the chunks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crewline.errors import ConfigurationError
from crewline.memory.knowledge.unwrap import soft_breaks

__all__ = [
    "CHUNKER_VERSION",
    "MAX_CHUNK_CHARS",
    "SOURCE_SUFFIXES",
    "Chunk",
    "chunk_document",
    "read_source",
    "source_files",
    "split_sentences",
    "whole_sentence",
]

CHUNKER_VERSION = 2
MAX_CHUNK_CHARS = 800
SOURCE_SUFFIXES = (".md", ".markdown", ".txt")

_HEADING = re.compile(r"^\ufeff?(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_SENTENCE = re.compile(r".*?(?:[.!?](?=\s|$)|$)", re.S)  # re.S: across soft line breaks
_ABBREVIATION = re.compile(r"(?:\b[a-z]\.[a-z]\.|\b(?:e\.g|i\.e|etc|vs|approx|no|st|mr|mrs|ms|dr)\.)$", re.I)
_LIST_MARKER = re.compile(r"[ \t]*(?:[-*+]|\d+[.)])[ \t]+")


@dataclass(frozen=True)
class Chunk:
    """A passage of one document; ``text == read_source(path)[start:end]``."""

    chunk_id: int
    doc_id: str
    title: str
    section: str
    text: str
    start: int
    end: int

    def heading_text(self) -> str:
        return "\n".join(part for part in (self.title, self.section) if part)

    def embedding_text(self) -> str:
        """What gets embedded: headings give short passages their topic."""
        return "\n".join(part for part in (self.title, self.section, self.text) if part)


def read_source(path: Path) -> str:
    """A source file's text exactly as chunk offsets count it (UTF-8, newlines untranslated)."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid UTF-8: {exc}") from exc


def source_files(source_dir: Path) -> list[Path]:
    """The files a knowledge base is built from: Markdown/text under ``source_dir``, sorted, no dotfiles."""
    if not source_dir.is_dir():
        raise FileNotFoundError(f"knowledge source directory not found: {source_dir}")
    return sorted(
        path
        for path in source_dir.rglob("*")
        if path.suffix.lower() in SOURCE_SUFFIXES
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(source_dir).parts)
    )


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` spans of the sentences and list items in ``text``, whitespace and markers trimmed.

    A line break that only wraps a paragraph (:func:`crewline.memory.knowledge.unwrap.soft_breaks`)
    is a space: a sentence wrapped over two lines is one span, never two fragments. Other lines are
    never joined; within a line, a full stop after an abbreviation ("7 a.m. to") or before a
    lowercase word does not end the sentence.
    """
    spans: list[tuple[int, int]] = []
    soft = soft_breaks(text) if "\n" in text.rstrip("\r\n") else set()
    offset = 0
    for line in _logical_lines(text, soft):
        marker = _LIST_MARKER.match(line)
        first = len(spans)
        for match in _SENTENCE.finditer(line, marker.end() if marker else 0):
            start, end = match.start(), match.end()
            while start < end and line[start].isspace():
                start += 1
            while end > start and line[end - 1].isspace():
                end -= 1
            if end <= start:
                continue
            if len(spans) > first and (line[start].islower() or _ABBREVIATION.search(text, 0, spans[-1][1])):
                spans[-1] = (spans[-1][0], offset + end)
            else:
                spans.append((offset + start, offset + end))
        offset += len(line)
    return spans


_ENDS_SENTENCE = re.compile(r"[.!?:][\"')\]”’*_]*$")
MAX_LINE_UNIT = 400  # longer than this and no full stop: a piece of a cut sentence, not a line of its own


def whole_sentence(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` a whole sentence (or a whole list item, table row or line), not a fragment?

    It must start one (not with a lowercase word that continues a sentence, unless it opens a list
    item or the word is a name like "iPhone") and end one (a full stop, ``!``, ``?`` or ``:``), or be
    a whole line: end where a real line break or the passage ends. Sentence splitting only ends a span
    at a line break that does not merely wrap a paragraph, so the second test holds for list items,
    table rows and "Label: value" lines, never for the first half of a wrapped sentence.
    """
    sentence = text[start:end]
    if not sentence.strip():
        return False
    line_start = text.rfind("\n", 0, start) + 1
    item = _LIST_MARKER.match(text, line_start)
    word = sentence.split()[0]
    opens_item = item is not None and item.end() == start
    opens = not word[0].islower() or any(c.isupper() for c in word[1:]) or opens_item
    if not opens:
        return False
    if _ENDS_SENTENCE.search(sentence):
        return True
    after = text[end:].lstrip(" \t")
    return (after == "" or after[0] in "\r\n") and end - start <= MAX_LINE_UNIT


def _logical_lines(text: str, soft: set[int]) -> list[str]:
    """``text`` cut at its real line breaks (kept at the end of each piece); soft ones stay inside."""
    lines: list[str] = []
    start = 0
    for line in text.splitlines(keepends=True):
        end = start + len(line)
        if lines and start - 1 in soft:
            lines[-1] += line
        else:
            lines.append(line)
        start = end
    return lines


def _pieces(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Split one over-long paragraph at sentence (else whitespace) boundaries into spans <= limit."""
    piece_start = piece_end = start
    for s, e in split_sentences(text[start:end]):
        s, e = s + start, e + start
        if e - piece_start > limit and piece_end > piece_start:
            yield piece_start, piece_end
            piece_start = s
        while e - piece_start > limit:  # a single sentence longer than the limit
            cut = text.rfind(" ", piece_start, piece_start + limit)
            cut = cut if cut > piece_start else piece_start + limit
            yield piece_start, cut
            piece_start = cut + 1 if text[cut : cut + 1] == " " else cut
        piece_end = e
    if piece_end > piece_start:
        yield piece_start, piece_end


def chunk_document(
    text: str, doc_id: str, first_id: int = 0, max_chars: int = MAX_CHUNK_CHARS, title: str | None = None
) -> list[Chunk]:
    """Split a Markdown/text document into chunks of whole paragraphs within one section.

    The first heading is the document title (else the file name); later headings name sections
    (nested ones as ``"Parent › Child"``); a ``title`` given wins over the first heading. Paragraphs
    of a section are packed into chunks of at most
    ``max_chars`` characters; longer paragraphs are split between sentences.
    """
    given_title = (title or "").strip()
    title, headings = "", dict[int, str]()  # level -> heading text, for the current section path
    spans: list[tuple[str, int, int]] = []  # (section, start, end) of each paragraph
    offset, in_paragraph = 0, False
    for line in text.splitlines(keepends=True):
        body = line.rstrip()
        heading = _HEADING.match(body)
        if heading and not title and not spans:
            title = heading.group(2).strip()
        elif heading:
            level = len(heading.group(1))
            headings = {lvl: name for lvl, name in headings.items() if lvl < level}
            headings[level] = heading.group(2).strip()
        elif body.strip() and in_paragraph:
            spans[-1] = (spans[-1][0], spans[-1][1], offset + len(body))
        elif body.strip():
            section = " › ".join(headings[lvl] for lvl in sorted(headings))
            spans.append((section, offset + len(line) - len(line.lstrip()), offset + len(body)))
        in_paragraph = bool(body.strip()) and not heading
        offset += len(line)
    title = (
        given_title or title or doc_id.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ").strip().title()
    )
    chunks: list[Chunk] = []
    current: tuple[str, int, int] | None = None

    def flush() -> None:
        if current:
            sec, s, e = current
            chunks.append(Chunk(first_id + len(chunks), doc_id, title, sec, text[s:e], s, e))

    for section, start, end in spans:
        for s, e in _pieces(text, start, end, max_chars) if end - start > max_chars else [(start, end)]:
            if current and current[0] == section and e - current[1] <= max_chars:
                current = (section, current[1], e)
            else:
                flush()
                current = (section, s, e)
    flush()
    return chunks
