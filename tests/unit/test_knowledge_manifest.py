"""What a knowledge-base index refuses to mix and which documents a filtered search may return.

A real index on disk (offline: the hashing embedder); the manifest checks and the filters moved out of
``index.py`` into ``manifest.py`` and ``filters.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crewline.memory.knowledge.embeddings import HashingEmbedder
from crewline.memory.knowledge.files import MANIFEST, KnowledgeBaseError
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document

ARTICLES = [
    Document("fees", "# Fees\n\nThe late fee is $25.\n", metadata={"team": "billing"}),
    Document("cards", "# Cards\n\nA lost card is replaced with a new number.\n", metadata={"team": "cards"}),
    Document("travel", "# Travel\n\nThe card works abroad with no fee.\n", metadata={"team": "cards"}),
]


@pytest.fixture()
def index_dir(tmp_path: Path) -> Path:
    KnowledgeBase.empty(tmp_path / "kb").upsert(ARTICLES)
    return tmp_path / "kb"


def test_an_index_built_with_another_embedder_is_refused_with_one_line(index_dir: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="re-ingest it into a new knowledge base") as refused:
        KnowledgeBase.load(index_dir, HashingEmbedder(dimension=128))
    assert "\n" not in str(refused.value)
    assert len(KnowledgeBase.load(index_dir).chunks) == 3  # the embedder that built it opens it


def test_another_format_or_chunker_is_refused_and_a_missing_index_is_named(index_dir: Path) -> None:
    manifest = json.loads((index_dir / MANIFEST).read_text("utf-8"))
    (index_dir / MANIFEST).write_text(json.dumps({**manifest, "format_version": 1}), "utf-8")
    with pytest.raises(KnowledgeBaseError, match="unsupported index format 1; rebuild it"):
        KnowledgeBase.load(index_dir)
    (index_dir / MANIFEST).write_text(json.dumps({**manifest, "chunker": {"version": 0}}), "utf-8")
    with pytest.raises(KnowledgeBaseError, match="built with chunker"):
        KnowledgeBase.load(index_dir)
    with pytest.raises(FileNotFoundError, match="no knowledge base index"):
        KnowledgeBase.load(index_dir.parent / "elsewhere")


def test_a_filtered_search_returns_only_the_documents_it_names(index_dir: Path) -> None:
    kb = KnowledgeBase.load(index_dir)
    assert {h.doc_id for h in kb.search("card fee", 5)} == {"fees", "cards", "travel"}
    assert {h.doc_id for h in kb.search("card fee", 5, filters={"team": "cards"})} == {"cards", "travel"}
    assert [h.doc_id for h in kb.search("card fee", 5, filters={"doc_id": ["fees"]})] == ["fees"]
    assert kb.search("card fee", 5, filters={"team": "nobody"}) == []
