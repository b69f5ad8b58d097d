"""The fast paths of answering: the hashing embedder's caches and batching, and the sentence cache.

Both only make queries faster; these tests pin that they change no number: the embedder still
computes exactly the documented function, and cached sentences are exactly what reading the chunk
again would give.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from crewline.memory.knowledge.chunking import Chunk, split_sentences
from crewline.memory.knowledge.embeddings import STOPWORDS, HashingEmbedder, content_terms, stem, tokenize
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.loaders import Document
from crewline.memory.knowledge.sentences import SentenceCache
from crewline.tools.answering import draft_answer

TEXTS = [
    "A replacement card arrives in 5-7 business days; expedited delivery costs $25.",
    "Café résumé: 12,000 points, e.g. don't, won't, it's the customer's card.",
    "",
    "the and of",  # stop words only: a zero vector
    "charges charged charging Charges CHARGES",
]


def _reference_block(features: list[str], dims: int) -> NDArray[np.float64]:
    """The module docstring's definition, written out feature by feature."""
    block = np.zeros(dims)
    for feature in features:
        code = zlib.crc32(feature.encode("utf-8"))
        block[(code & 0x7FFF_FFFF) % dims] += -1.0 if code & 0x8000_0000 else 1.0
    out = np.array([math.copysign(1.0 + math.log(abs(c)), c) if c else 0.0 for c in block])
    norm = float(np.linalg.norm(out))
    return out / norm if norm else out


def _reference(text: str, dimension: int, word_weight: float) -> NDArray[np.float64]:
    tokens = [t for t in tokenize(text) if t not in STOPWORDS]
    terms = [stem(t) for t in tokens]
    words = [f"w {t}" for t in terms] + [f"b {a} {b}" for a, b in itertools.pairwise(terms)]
    chars = [
        f" {t} "[i : i + n] for t in tokens for n in (3, 4, 5) for i in range(max(1, len(t) + 2 - n + 1))
    ]
    vector = np.concatenate(
        [
            math.sqrt(word_weight) * _reference_block(words, dimension // 2),
            math.sqrt(1 - word_weight) * _reference_block(chars, dimension - dimension // 2),
        ]
    )
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


@pytest.mark.parametrize(("dimension", "word_weight"), [(2048, 0.7), (64, 1.0), (256, 0.3)])
def test_batched_embedding_is_the_documented_function(dimension: int, word_weight: float) -> None:
    embedder = HashingEmbedder(dimension, word_weight)
    batch = embedder.embed_array(TEXTS)
    expected = np.stack([_reference(text, dimension, word_weight) for text in TEXTS])
    assert batch.shape == (len(TEXTS), dimension) and batch.dtype == np.float32
    np.testing.assert_allclose(batch, expected, atol=1e-6)
    for row, text in enumerate(TEXTS):  # one at a time gives the same rows as a batch
        np.testing.assert_array_equal(embedder.embed_one(text), batch[row])
    assert not batch[3].any() and not batch[2].any()
    assert np.allclose(np.linalg.norm(batch[[0, 1, 4]], axis=1), 1.0, atol=1e-5)


def test_embedding_an_empty_batch() -> None:
    assert HashingEmbedder(128).embed_array([]).shape == (0, 128)


def _chunk(chunk_id: int, text: str, section: str = "Delivery") -> Chunk:
    return Chunk(chunk_id, "doc", "Cards", section, text, 0, len(text))


class _CountingEmbed:
    def __init__(self) -> None:
        self.embedder = HashingEmbedder(256)
        self.calls: list[int] = []

    def __call__(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls.append(len(texts))
        return self.embedder.embed_array(texts)


def test_sentence_cache_reads_chunks_like_the_uncached_path() -> None:
    embed = _CountingEmbed()
    cache = SentenceCache(embed, size=8)
    chunk = _chunk(1, "Cards arrive in 5 days. Expedited delivery costs $25.\n- Track it in the app")
    (read,) = cache.get([chunk])
    assert read.spans == tuple(split_sentences(chunk.text))
    assert read.terms == tuple(frozenset(content_terms(chunk.text[s:e])) for s, e in read.spans)
    assert read.heading_terms == frozenset(content_terms("Cards\nDelivery"))
    expected = embed.embedder.embed_array([f"Delivery\n{chunk.text[s:e]}" for s, e in read.spans])
    np.testing.assert_array_equal(read.vectors, expected)


def test_sentence_cache_embeds_each_chunk_once_in_one_batch() -> None:
    embed = _CountingEmbed()
    cache = SentenceCache(embed, size=8)
    a, b = _chunk(1, "One sentence. Two sentences."), _chunk(2, "Three.")
    first = cache.get([a, b, a])
    assert embed.calls == [3]  # a's two sentences and b's one, in one call; a read once
    assert first[0] is first[2]
    again = cache.get([b, a])
    assert embed.calls == [3] and again[1] is first[0]


def test_sentence_cache_evicts_the_least_recently_used_and_checks_the_text() -> None:
    embed = _CountingEmbed()
    cache = SentenceCache(embed, size=2)
    one, two, three = _chunk(1, "One."), _chunk(2, "Two."), _chunk(3, "Three.")
    cache.get([one])
    cache.get([two])
    cache.get([one])  # one is now the most recently used
    cache.get([three])  # evicts two
    assert len(cache) == 2
    calls = len(embed.calls)
    cache.get([one])
    assert len(embed.calls) == calls
    cache.get([two])
    assert len(embed.calls) == calls + 1
    (changed,) = cache.get([_chunk(2, "Two, rewritten.")])  # same id, other text: read again
    assert changed.text == "Two, rewritten." and len(embed.calls) == calls + 2
    with pytest.raises(ValueError, match="at least 1"):
        SentenceCache(embed, size=0)


def test_answers_are_the_same_with_a_warm_cache(tmp_path: Path) -> None:
    kb = KnowledgeBase.empty(tmp_path / "kb")
    kb.upsert(
        [
            Document("cards", "# Cards\n\nA replacement card arrives in 5-7 business days.\n", "Cards"),
            Document("fees", "# Fees\n\nThe late payment fee is $40. There is no annual fee.\n", "Fees"),
        ]
    )
    cold = draft_answer(kb, "How long does a replacement card take?")
    warm = draft_answer(kb, "How long does a replacement card take?")
    assert [s.text for s in cold.chosen] == ["A replacement card arrives in 5-7 business days."]
    assert (cold.chosen, cold.features, cold.confidence) == (warm.chosen, warm.features, warm.confidence)
