"""Turning files into knowledge-base documents, and saying why a file was skipped.

Supported: Markdown (``.md``, ``.markdown``), plain text (``.txt``), HTML (``.html``, ``.htm``: text
and headings kept, scripts and styles dropped, via the standard library's ``html.parser``), JSON Lines
of passages (``.jsonl``: one document per ``{"id", "title", "text"}`` row) and, when ``pypdf`` is
installed, PDF (one document, its pages' text). Text must be UTF-8 (a BOM is fine) or UTF-16 with a
BOM. Empty, binary, oversized, undecodable or unsupported files are not errors: they come back as
:class:`Skipped` entries with a one-line reason, and the rest of the ingest goes on.

Every text is unwrapped before it becomes a document (:func:`crewline.memory.knowledge.unwrap.unwrap`):
a paragraph hard-wrapped at ~72 columns becomes one line, so sentences are split whole; headings,
list items, table rows, code and blank-line paragraph breaks stay as they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from crewline import json_input
from crewline.errors import ConfigurationError
from crewline.memory.knowledge.unwrap import unwrap

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "Document",
    "LoadResult",
    "Skipped",
    "decode_text",
    "folder_documents",
    "html_to_text",
    "load_paths",
]

MAX_FILE_BYTES = 20 * 1024 * 1024
TEXT_SUFFIXES = (".md", ".markdown", ".txt")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, *HTML_SUFFIXES, ".jsonl", ".pdf")
_BINARY_SNIFF = 8192


@dataclass(frozen=True)
class Document:
    """One document to index: ``doc_id`` is its identity for updates and deletes."""

    doc_id: str
    text: str
    title: str | None = None  # None: the first Markdown heading, else the id
    source: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for part in (self.title or "", self.text, json.dumps(self.metadata, sort_keys=True)):
            digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
        return digest.hexdigest()


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def decode_text(raw: bytes) -> str:
    """UTF-8 (BOM allowed) or UTF-16 with a BOM; ``ValueError`` naming the problem otherwise."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not valid UTF-16 ({exc.reason} at byte {exc.start})") from None
    if b"\0" in raw[:_BINARY_SNIFF]:
        raise ValueError("binary file (NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"not UTF-8 text (invalid byte at offset {exc.start}); convert it to UTF-8"
        ) from None


class _HTMLText(HTMLParser):
    """Collects visible text; headings become Markdown headings so the chunker keeps sections."""

    _SKIP = frozenset({"script", "style", "noscript", "template", "head"})
    _BLOCK = frozenset({"p", "div", "li", "tr", "section", "article", "table", "ul", "ol", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skip += 1
        elif len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "br":  # a line break inside a paragraph: unwrap() decides whether it only wraps
            self.parts.append("\n")
        elif tag in self._BLOCK:
            self.parts.append("\n\n" if tag != "li" else "\n- ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif (len(tag) == 2 and tag[0] == "h" and tag[1] in "123456") or tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(" ".join(data.split()) + (" " if data[-1:].isspace() else ""))


def html_to_text(html: str) -> tuple[str, str]:
    """``(title, text)`` of an HTML page: paragraphs separated by blank lines, headings as ``#``."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return " ".join(parser.title.split()), text.strip()


def _pdf_text(path: Path) -> str:
    try:
        from pypdf import PdfReader  # an optional dependency: pip install pypdf
    except ImportError:
        raise ValueError("PDF support needs the pypdf package (pip install pypdf)") from None
    try:
        reader = PdfReader(str(path))
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise ValueError(f"unreadable PDF ({type(exc).__name__})") from None


def _jsonl_documents(path: Path, text: str, result: LoadResult) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json_input.loads(line)  # depth-limited: a nested row is skipped, not a crash
        except json.JSONDecodeError as exc:
            result.skipped.append(Skipped(where, f"not valid JSON ({exc.msg})"))
            continue
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or "id" not in row:
            result.skipped.append(Skipped(where, 'expected an object with "id" and "text"'))
            continue
        if not row["text"].strip():
            result.skipped.append(Skipped(where, "empty text"))
            continue
        title = row.get("title")
        metadata = {str(k): str(v) for k, v in (row.get("metadata") or {}).items()}
        text, name = unwrap(row["text"], markdown=False), str(title) if title else None
        result.documents.append(Document(str(row["id"]), text, name, where, metadata))


def _load_file(path: Path, doc_id: str, result: LoadResult) -> None:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        result.skipped.append(Skipped(str(path), f"unsupported file type {suffix or '(none)'}"))
        return
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        result.skipped.append(
            Skipped(str(path), f"too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
        )
        return
    try:
        if suffix == ".pdf":
            text, title = _pdf_text(path), None
        else:
            text, title = decode_text(path.read_bytes()), None
            if suffix in HTML_SUFFIXES:
                title, text = html_to_text(text)
                title = title or None
    except (OSError, ValueError) as exc:
        result.skipped.append(Skipped(str(path), str(exc).splitlines()[0]))
        return
    if not text.strip():
        result.skipped.append(Skipped(str(path), "empty (no text)"))
    elif suffix == ".jsonl":
        _jsonl_documents(path, text, result)
    else:
        text = unwrap(text, markdown=suffix in (".md", ".markdown"))
        result.documents.append(Document(doc_id, text, title, str(path)))


def _walk(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts):
            yield path


def load_paths(paths: list[Path]) -> LoadResult:
    """Documents from files and folders (recursively; dotfiles skipped silently).

    A file's document id is its path relative to the folder given, without the suffix
    (``faq/fees.md`` → ``faq/fees``), or its stem when the file itself was given. A path that does not
    exist is a ``FileNotFoundError``.
    """
    result = LoadResult()
    for root in paths:
        root = Path(root)
        if not root.exists():
            raise FileNotFoundError(f"no such file or directory: {root}")
        if root.is_dir():
            for path in _walk(root):
                rel = path.relative_to(root).as_posix()
                _load_file(path, rel.rsplit(".", 1)[0] if "." in path.name else rel, result)
        else:
            _load_file(root, root.stem, result)
    ids: dict[str, str] = {}
    unique: list[Document] = []
    for doc in result.documents:
        if doc.doc_id in ids:
            result.skipped.append(
                Skipped(doc.source, f"duplicate document id {doc.doc_id!r} (first: {ids[doc.doc_id]})")
            )
        else:
            ids[doc.doc_id] = doc.source
            unique.append(doc)
    result.documents = unique
    return result


def folder_documents(source_dir: Path) -> list[Document]:
    """The documents of a knowledge source folder; an unreadable file or an empty folder is an error."""
    if not source_dir.is_dir():
        raise FileNotFoundError(f"knowledge source directory not found: {source_dir}")
    loaded = load_paths([source_dir])
    problems = [s for s in loaded.skipped if not s.reason.startswith("unsupported file type")]
    if problems:
        first = problems[0]
        raise ConfigurationError(f"cannot index {first.path}: {first.reason}")
    if not loaded.documents:
        raise ConfigurationError(f"no documents to index in {source_dir}")
    return loaded.documents
