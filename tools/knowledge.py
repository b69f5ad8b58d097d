"""``search_knowledge``: answers questions from a knowledge base with citations, or abstains.

Knowledge bases live under ``<data dir>/kb/<name>``. The name ``support`` is the demo crew's: it is
indexed from the bundled help-centre articles (:data:`DOCS_DIR`) on first use and brought up to date
when they change; any other name is one a user filled with ``crewline ingest``, opened with the
embedder its manifest names (:func:`manifest_embedder`: hashing, or semantic). The answer itself
(extractive, cited, with a calibrated confidence) comes from :mod:`crewline.tools.answering`.

Retrieved passages are screened before the answer is drafted: by the ``screen`` the tool was made
with, else by the one crewline's tool runners set for the call (the crew's guards; see
:data:`crewline.tools.answering.PASSAGE_SCREEN`). Flagged passages are left out and listed under
``withheld`` in the result, for the crew's verdicts.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from langchain_core.embeddings import Embeddings
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from crewline.errors import ConfigurationError
from crewline.memory.knowledge.chunking import source_files
from crewline.memory.knowledge.embeddings import make_embedder
from crewline.memory.knowledge.files import MANIFEST, KnowledgeBaseError, read_json
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.tools.answering import CONFIDENCE_THRESHOLD, PassageScreen, answer_question
from crewline.tools.errors import ToolFailure

__all__ = [
    "CONFIDENCE_THRESHOLD",
    "DEMO_KB",
    "DOCS_DIR",
    "EXAMPLES",
    "SearchKnowledgeInput",
    "answer_question",
    "get_knowledge_base",
    "kb_dir",
    "make_search_knowledge_tool",
    "manifest_embedder",
    "open_named",
]

DOCS_DIR = Path(__file__).resolve().parent / "demo_data" / "docs"
DEMO_KB = "support"
_KB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

EXAMPLES = [
    "How long does a replacement card take to arrive?",
    "What is the late payment fee?",
    "How do I dispute a charge on my statement?",
    "Do my Kestrel Points expire?",
    "I forgot my password and I'm locked out of the app",
    "Is there a foreign transaction fee when I use my card abroad?",
    "What's the phone number to report a stolen card?",
    "Can I get a copy of an old statement or an invoice for a purchase?",
    "How do I close my account?",
    "How do I add an authorized user?",
]


class _HasDataDir(Protocol):
    """What the tool needs from ``crewline.tools.registry.ToolContext``."""

    @property
    def data_dir(self) -> Path: ...


class SearchKnowledgeInput(BaseModel):
    query: str = Field(
        description=(
            "The customer's question about Kestrel Financial cards, statements, payments, fees, disputes, "
            "fraud, travel, rewards, account or app access, in their own words "
            "(e.g. 'How long does a replacement card take?')."
        ),
        json_schema_extra={"free_text": True},
    )


# --------------------------------------------------------------------------- knowledge base cache


@dataclass
class _Cached:
    kb: KnowledgeBase
    signature: tuple[Any, ...]


_CACHE: dict[tuple[Path, Path | None], _Cached] = {}
_CACHE_LOCK = threading.Lock()


def _signature(source_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and mtimes of the sources: a cheap check before the content hashes."""
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in source_files(source_dir))


def get_knowledge_base(source_dir: Path, index_dir: Path) -> KnowledgeBase:
    """The index of ``source_dir`` in ``index_dir``, opened (or built) once per process, synced on change."""
    key = (source_dir.resolve(), index_dir.resolve())
    signature = _signature(source_dir)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is None or cached.signature != signature:
            cached = _Cached(KnowledgeBase.open_or_build(source_dir, index_dir), signature)
            _CACHE[key] = cached
        return cached.kb


def kb_dir(data_dir: Path, name: str) -> Path:
    """Where the knowledge base ``name`` lives; ``ConfigurationError`` for a name that is not a plain word."""
    if not _KB_NAME.match(name):
        raise ConfigurationError(
            f"invalid knowledge base name {name!r}: use letters, digits, '.', '_' or '-'"
        )
    return Path(data_dir) / "kb" / name


def manifest_embedder(index_dir: Path) -> Embeddings:
    """The embedder that built the index in ``index_dir``, as its manifest names it.

    ``ConfigurationError`` (one line) for a damaged manifest, an unknown embedder, or the semantic
    embedder without its extra installed.
    """
    manifest = read_json(Path(index_dir) / MANIFEST)
    recorded = manifest.get("embedder")
    if not isinstance(recorded, dict) or not isinstance(recorded.get("name"), str):
        raise KnowledgeBaseError(f"{index_dir}: the manifest names no embedder; rebuild the knowledge base")
    dimension = recorded.get("dimension")
    try:
        return make_embedder(recorded["name"], dimension if isinstance(dimension, int) else None)
    except ConfigurationError as exc:
        raise KnowledgeBaseError(f"knowledge base {Path(index_dir).name!r}: {exc}") from None


def open_named(data_dir: Path, name: str) -> KnowledgeBase:
    """The knowledge base ``name`` (``support``: the demo articles), reopened when it changed on disk."""
    index_dir = kb_dir(data_dir, name)
    if name == DEMO_KB:
        return get_knowledge_base(DOCS_DIR, index_dir)
    manifest = index_dir / MANIFEST
    if not manifest.is_file():
        raise FileNotFoundError(
            f"no knowledge base named {name!r}; create it with: crewline ingest PATH --kb {name}"
        )
    key = (index_dir.resolve(), None)
    stat = manifest.stat()
    signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is None or cached.signature != signature:
            if cached is not None:
                cached.kb.close()  # a reader still holding it reopens its store lazily
            cached = _Cached(KnowledgeBase.load(index_dir, manifest_embedder(index_dir)), signature)
            _CACHE[key] = cached
        return cached.kb


# --------------------------------------------------------------------------- the tool


def make_search_knowledge_tool(
    ctx: _HasDataDir, kb_name: str = DEMO_KB, screen: PassageScreen | None = None
) -> BaseTool:
    """The ``search_knowledge`` tool over the knowledge base ``kb_name`` under ``ctx.data_dir``."""

    def search_knowledge(query: str) -> dict[str, Any]:
        try:
            kb = open_named(Path(ctx.data_dir), kb_name)
        except (OSError, ValueError) as exc:
            raise ToolFailure("The knowledge base is not available right now.") from exc
        return answer_question(kb, query, screen=screen)

    tool = StructuredTool.from_function(
        func=search_knowledge,
        name="search_knowledge",
        description=(
            "Answer a customer's question from Kestrel Financial's help articles (cards, statements and "
            "invoices, payments, fees, interest, disputes, fraud, travel, rewards, account closure, app "
            "login). Returns an extractive answer with [n] citations, its sources and a confidence; "
            "when the articles do not cover the question it says so and returns no sources."
        ),
        args_schema=SearchKnowledgeInput,
    )
    tool.metadata = {"examples": list(EXAMPLES), "requires_approval": False}
    return tool
