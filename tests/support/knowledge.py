"""Small knowledge bases and embedders the knowledge and routing tests build on."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from crewline.memory.knowledge.embeddings import HashingEmbedder
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document
from crewline.tools.answering import draft_answer


def small_kb(factory: pytest.TempPathFactory, articles: Sequence[Document]) -> KnowledgeBase:
    """A knowledge base of ``articles`` in a fresh directory (offline: the hashing embedder)."""
    base = KnowledgeBase.empty(Path(factory.mktemp("kb")) / "kb")
    base.upsert(list(articles))
    return base


class CountingEmbedder(Embeddings):
    """The offline hashing embedder, recording the queries and the document texts it is asked to embed
    (a knowledge base embeds its queries as documents, in batches)."""

    def __init__(self) -> None:
        self.inner = HashingEmbedder()
        self.queries: list[str] = []
        self.documents: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return self.inner.embed_query(text)


def first_chosen(kb: KnowledgeBase, question: str) -> str:
    """The first sentence the extractive draft chooses for ``question`` (there must be one)."""
    draft = draft_answer(kb, question)
    assert draft.chosen, question
    return draft.chosen[0].text
