"""Sentence vectors on disk (crewline.memory.knowledge.sentence_store): exact round trips, content
addressing, and a
knowledge base that, once ingested, answers without embedding a single chunk sentence again.

The embedder here is the hashing one wrapped to count what it embeds and flagged
``precompute_sentences`` (as the semantic embedder is), so the tests run without the extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings
from numpy.typing import NDArray

import crewline.memory.knowledge.index as knowledge_module
from crewline.memory.knowledge.chunking import split_sentences
from crewline.memory.knowledge.embeddings import HashingEmbedder
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document
from crewline.memory.knowledge.sentence_store import SentenceStore, sentence_store_for, store_path
from crewline.memory.knowledge.sentences import sentence_texts
from crewline.tools.answering import draft_answer

CARDS = (
    "# Cards\n\n## Delivery\n\nA replacement card arrives in 5-7 business days. "
    "Expedited delivery costs $25 and takes two days.\n\n## Fees\n\n"
    "There is no fee for a first replacement. A second replacement within a year costs $10."
)
TRAVEL = "# Travel\n\nTell us before you travel abroad. Foreign transactions cost 3% of the amount."


class CountingEmbedder(Embeddings):
    """The hashing embedder, flagged to keep sentence vectors, recording every text it embeds."""

    precompute_sentences = True

    def __init__(self) -> None:
        self.inner = HashingEmbedder(256)
        self.name, self.version, self.dimension = self.inner.name, self.inner.version, self.inner.dimension
        self.texts: list[str] = []

    def embed_array(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.texts.extend(texts)
        return self.inner.embed_array(texts)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        rows: list[list[float]] = self.embed_array(texts).tolist()
        return rows

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def _doc(doc_id: str, text: str) -> Document:
    return Document(doc_id, text, source=f"{doc_id}.md")


def _all_sentence_texts(kb: KnowledgeBase) -> set[str]:
    return {t for c in kb.chunks for t in sentence_texts(c, split_sentences(c.text))}


def test_the_store_round_trips_vectors_exactly_and_addresses_them_by_content(tmp_path: Path) -> None:
    store = SentenceStore(tmp_path / "s.sqlite", ("embedder", "1"), 4)
    vectors = np.random.default_rng(7).standard_normal((3, 4)).astype(np.float32)
    store.put(["a", "b", "a\nb"], vectors)
    got = store.get(["a\nb", "missing", "a", "b"])
    assert got[1] is None
    np.testing.assert_array_equal(np.stack([v for v in (got[2], got[3], got[0]) if v is not None]), vectors)
    store.close()
    reopened = SentenceStore(tmp_path / "s.sqlite", ("embedder", "1"), 4)
    assert len(reopened) == 3
    np.testing.assert_array_equal(reopened.get(["b"])[0], vectors[1])
    # Another embedder version or dimension never reads these rows.
    assert SentenceStore(tmp_path / "s.sqlite", ("embedder", "2"), 4).get(["a"]) == [None]
    assert SentenceStore(tmp_path / "s.sqlite", ("embedder", "1"), 8).get(["a"]) == [None]
    with pytest.raises(ValueError, match="expected"):
        reopened.put(["c"], np.zeros((1, 5), dtype=np.float32))


def test_an_unusable_store_is_a_miss_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite").mkdir()  # a directory where the database should be
    store = SentenceStore(tmp_path / "dir.sqlite", ("embedder", "1"), 4)
    assert store.get(["a"]) == [None]
    store.put(["a"], np.ones((1, 4), dtype=np.float32))  # ignored, logged once
    assert len(store) == 0


def test_only_flagged_embedders_get_a_store(tmp_path: Path) -> None:
    assert sentence_store_for(tmp_path / "kb", HashingEmbedder(), 2048) is None
    assert sentence_store_for(tmp_path / "kb", CountingEmbedder(), 256) is not None
    kb = KnowledgeBase.empty(tmp_path / "kb")
    kb.upsert([_doc("cards", CARDS)])
    draft_answer(kb, "How long does a replacement card take?")
    assert not store_path(kb.index_dir).exists()  # the hashing path keeps nothing on disk


def test_a_second_knowledge_base_answers_without_embedding_chunk_sentences(tmp_path: Path) -> None:
    writer = CountingEmbedder()
    kb = KnowledgeBase.empty(tmp_path / "kb", writer)
    kb.upsert([_doc("cards", CARDS), _doc("travel", TRAVEL)])
    sentences = _all_sentence_texts(kb)
    assert sentences <= set(writer.texts)  # embedded at ingest, once each
    assert len([t for t in writer.texts if t in sentences]) == len(sentences)

    reader = CountingEmbedder()
    fresh = KnowledgeBase.load(tmp_path / "kb", reader)  # a new object: an empty in-memory cache
    draft = draft_answer(fresh, "How much does expedited delivery cost?")
    assert draft.hits and not sentences & set(reader.texts)
    assert reader.texts  # the question itself is embedded
    # And the stored vectors are exactly what embedding the sentences again gives.
    read = fresh.sentences(draft.hits)
    for chunk, entry in zip(draft.hits, read, strict=True):
        expected = fresh.embed(sentence_texts(chunk, entry.spans))
        np.testing.assert_array_equal(entry.vectors, expected)
    # The same answer as a knowledge base that embeds every sentence on demand (no store).
    plain = KnowledgeBase.empty(tmp_path / "plain", HashingEmbedder(256))
    plain.upsert([_doc("cards", CARDS), _doc("travel", TRAVEL)])
    baseline = draft_answer(plain, "How much does expedited delivery cost?")
    assert [(c.text, c.hit_rank) for c in draft.chosen] == [(c.text, c.hit_rank) for c in baseline.chosen]
    assert draft.features == baseline.features and draft.confidence == baseline.confidence


def test_a_changed_chunk_is_embedded_again_and_unchanged_ones_are_not(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    kb = KnowledgeBase.empty(tmp_path / "kb", embedder)
    kb.upsert([_doc("cards", CARDS), _doc("travel", TRAVEL)])
    before = _all_sentence_texts(kb)
    embedder.texts.clear()
    changed = TRAVEL.replace("3%", "2.5%")
    kb.upsert([_doc("travel", changed)])
    new = _all_sentence_texts(kb) - before
    assert new and "Foreign transactions cost 2.5% of the amount." in "\n".join(new)
    assert set(embedder.texts) & _all_sentence_texts(kb) == new  # only the changed sentences
    embedder.texts.clear()
    kb.sentences([c for c in kb.chunks if c.doc_id == "travel"])
    assert not embedder.texts


def test_a_failed_ingest_leaves_the_store_usable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = CountingEmbedder()
    kb = KnowledgeBase.empty(tmp_path / "kb", embedder)
    kb.upsert([_doc("cards", CARDS)])

    def broken_write(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(knowledge_module, "write_index", broken_write)
    with pytest.raises(OSError, match="disk full"):
        kb.upsert([_doc("travel", TRAVEL)])
    monkeypatch.undo()
    assert set(kb.documents) == {"cards"}

    reader = CountingEmbedder()
    again = KnowledgeBase.load(tmp_path / "kb", reader)
    assert set(again.documents) == {"cards"}
    draft_answer(again, "How long does a replacement card take?")
    assert not _all_sentence_texts(again) & set(reader.texts)
    again.upsert([_doc("travel", TRAVEL)])  # its sentences were stored by the failed ingest
    assert not _all_sentence_texts(again) & set(reader.texts)
    draft_answer(again, "Do foreign transactions cost anything?")
    assert not _all_sentence_texts(again) & set(reader.texts)


def test_removing_chunks_prunes_the_rows_no_chunk_uses(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    kb = KnowledgeBase.empty(tmp_path / "kb", embedder)
    kb.upsert([_doc("cards", CARDS), _doc("travel", TRAVEL)])
    store = SentenceStore(store_path(kb.index_dir), (embedder.name, embedder.version), embedder.dimension)
    assert len(store) == len(_all_sentence_texts(kb))
    kb.upsert([_doc("travel", TRAVEL.replace("3%", "2.5%"))])  # an update removes the old chunks
    assert len(store) == len(_all_sentence_texts(kb))
    kb.delete(["travel"])
    kept = _all_sentence_texts(kb)
    assert len(store) == len(kept) and all(v is not None for v in store.get(sorted(kept)))


def test_a_rebuild_prunes_the_rows_of_the_index_it_replaces(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    source = tmp_path / "docs"
    source.mkdir()
    (source / "cards.md").write_text(CARDS, encoding="utf-8")
    (source / "travel.md").write_text(TRAVEL, encoding="utf-8")
    KnowledgeBase.build(source, tmp_path / "kb", embedder).close()
    (source / "travel.md").unlink()
    kb = KnowledgeBase.build(source, tmp_path / "kb", embedder)  # a fresh index of what is left
    store = SentenceStore(store_path(kb.index_dir), (embedder.name, embedder.version), embedder.dimension)
    kept = _all_sentence_texts(kb)
    assert kept and len(store) == len(kept)  # the travel rows went with the index that used them
    assert all(v is not None for v in store.get(sorted(kept)))
    (source / "cards.md").unlink()
    with pytest.raises(ValueError, match="no documents"):  # refused: the index and its rows stay
        KnowledgeBase.build(source, tmp_path / "kb", embedder)
    assert len(store) == len(kept) and KnowledgeBase.load(tmp_path / "kb", embedder).chunks == kb.chunks


def test_closing_a_knowledge_base_releases_its_store_and_a_later_query_reopens_it(tmp_path: Path) -> None:
    kb = KnowledgeBase.empty(tmp_path / "kb", CountingEmbedder())
    kb.upsert([_doc("cards", CARDS), _doc("travel", TRAVEL)])
    store = kb._sentences.store
    assert store is not None and store._conn is not None
    kb.close()
    assert store._conn is None
    reader = CountingEmbedder()
    fresh = KnowledgeBase.load(tmp_path / "kb", reader)
    fresh.close()  # closed before first use: still answers, from the stored vectors
    draft = draft_answer(fresh, "How much does expedited delivery cost?")
    assert draft.hits and not _all_sentence_texts(fresh) & set(reader.texts)
