"""An offline text embedder: hashed words, word pairs and character n-grams; no model, no download.

:class:`HashingEmbedder` turns text into a fixed-size, L2-normalised ``float32`` vector, so the cosine
of two vectors (their dot product) is a lexical similarity in [-1, 1] that means the same for every
query. It is stateless (no vocabulary, no IDF fitted on a corpus), which keeps an index's vectors valid
when documents are added or removed one at a time.

The vector has two blocks, each L2-normalised and then weighted so that
``cosine = word_weight * cos(words) + (1 - word_weight) * cos(char n-grams)``:

* **words** — lowercased, lightly stemmed content words (stop words dropped) and adjacent pairs of them;
* **character n-grams** — 3- to 5-grams inside word boundaries, which tolerate typos and word forms the
  stemmer misses.

Features are hashed with CRC-32 (stable across processes, platforms and Python versions, unlike
``hash()``), one bit choosing a sign so that collisions cancel out on average instead of inflating
similarities; term frequencies are sublinear (``1 + log tf``).

The tokenising helpers (:func:`tokenize`, :func:`stem`, :func:`content_terms`) are public so that other
lexical components (answer extraction, a future BM25 retriever) agree with the embedder on what a term is.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
import zlib
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings
from numpy.typing import NDArray

from crewline.errors import ConfigurationError

__all__ = [
    "DEFAULT_DIMENSION",
    "EMBEDDERS",
    "STOPWORDS",
    "HashingEmbedder",
    "content_terms",
    "embedder_identity",
    "make_embedder",
    "stem",
    "tokenize",
]

DEFAULT_DIMENSION = 2048
EMBEDDERS = ("hashing", "semantic")  # the names make_embedder knows; "hashing" is the default

# Function words plus the filler of questions ("how long does it take", "can you tell me"): they say
# nothing about what a customer is asking about, so they neither embed nor count as covered terms.
_STOPWORD_TEXT = """
    a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
    don't down during each either else ever few for from further had hadn't has hasn't have haven't
    having he her here hers herself him himself his how i if in into is isn't it it's its itself just
    let's like me might more most must mustn't my myself no nor not now of off on once only or other
    ought our ours ourselves out over own per please same shall she should shouldn't so some such than
    that that's the their theirs them themselves then there there's these they this those though through
    to too under until up upon us very via was wasn't we were weren't what what's when where which while
    who whom whose why will with won't would wouldn't yes yet you your yours yourself yourselves
    able anyone anything anybody get gets getting got hello hi hey know kind long many much need needs
    really say somebody someone something still take takes taking tell thanks thank thing things want
    wants way ways whether wonder
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_VOWEL = re.compile(r"[aeiouy]")
_DOUBLE_END = re.compile(r"([^aeioulsz])\1$")
_CHAR_NGRAMS = (3, 4, 5)
_SUFFIXES = ("ations", "ation", "ments", "ment", "ness", "ings", "ing", "edly", "ed", "ly")
_MIN_BASE = {"ly": 4}


def tokenize(text: str) -> list[str]:
    """Lowercased word tokens of ``text`` (Unicode-normalised; possessive ``'s`` dropped)."""
    folded = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    tokens: list[str] = []
    for token in _TOKEN.findall(folded):
        if token.endswith("'s"):
            token = token[:-2]
        tokens.append(token)
    return tokens


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light, deterministic suffix stripper: ``charges``/``charged``/``charging`` → ``charg``.

    It is not linguistically exact; it only has to map the forms of a word to the same key, the same
    way for documents and queries.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in _SUFFIXES:
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= _MIN_BASE.get(suffix, 3) and _VOWEL.search(base):
            word = base
            if suffix in {"ing", "ings", "ed", "edly"}:
                word = _DOUBLE_END.sub(r"\1", word)
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word.endswith("y"):
        word = word[:-1] + "i"
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed tokens of ``text`` without stop words, in order (duplicates kept)."""
    return [stem(token) for token in tokenize(text) if token not in STOPWORDS]


def embedder_identity(embedder: Embeddings) -> tuple[str, str]:
    """``(name, version)`` of any embedder; ones without those attributes are named by their class."""
    name = getattr(embedder, "name", None) or f"{type(embedder).__module__}.{type(embedder).__qualname__}"
    version = getattr(embedder, "version", None) or "unversioned"
    return str(name), str(version)


_CACHE_SIZE = 1 << 16  # distinct words whose stems and hashes are remembered (a few MB)
_EMBED_BATCH = 256  # texts hashed together in one vectorised pass


def _crc(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8"))


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _word_hash(token: str) -> tuple[str, int]:
    """A word's stem and the hash of its word feature (``"w <stem>"``)."""
    term = stem(token)
    return term, _crc(f"w {term}")


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _char_hashes(token: str) -> tuple[int, ...]:
    """Hashes of the character 3- to 5-grams of a word padded with spaces (``" ca"``, ``"car"``, ...)."""
    padded = f" {token} "
    return tuple(_crc(padded[i : i + n]) for n in _CHAR_NGRAMS for i in range(max(1, len(padded) - n + 1)))


def _word_feature_hashes(tokens: list[str]) -> list[int]:
    """Hashes of the stemmed words and of adjacent pairs of them (``"b <stem> <stem>"``)."""
    pairs = [_word_hash(token) for token in tokens]
    hashes = [h for _, h in pairs]
    hashes.extend(_crc(f"b {a} {b}") for (a, _), (b, _) in itertools.pairwise(pairs))
    return hashes


def _hashed(hashes: Sequence[Sequence[int]], dims: int) -> NDArray[np.float64]:
    """One row per text: signed feature hashing with sublinear counts, L2-normalised (zero stays zero).

    All rows are counted in one ``bincount`` over ``row * dims + slot``: a query's candidate sentences
    embed in one vectorised pass rather than one Python round-trip each.
    """
    out = np.zeros((len(hashes), dims))
    sizes = [len(row) for row in hashes]
    if not sum(sizes):
        return out
    codes = np.fromiter(itertools.chain.from_iterable(hashes), dtype=np.int64, count=sum(sizes))
    rows = np.repeat(np.arange(len(hashes), dtype=np.int64), sizes)
    signs = np.where(codes & 0x8000_0000, -1.0, 1.0)  # the top bit picks the sign, the rest the slot
    counts = np.bincount(rows * dims + (codes & 0x7FFF_FFFF) % dims, weights=signs, minlength=out.size)
    counts = counts.reshape(out.shape)
    nonzero = counts != 0  # opposite-signed collisions can cancel out
    out[nonzero] = np.sign(counts[nonzero]) * (1.0 + np.log(np.abs(counts[nonzero])))  # 1 + log tf, signed
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


class HashingEmbedder(Embeddings):
    """Deterministic lexical embeddings; see the module docstring.

    ``name`` and ``version`` identify the function that maps text to vectors: an index built with one
    embedder refuses to be queried with another. Change ``version`` whenever that mapping changes.
    """

    name: str = "crewline-hashing"
    version: str = "1"

    def __init__(self, dimension: int = DEFAULT_DIMENSION, word_weight: float = 0.7) -> None:
        if dimension < 64 or dimension % 2:
            raise ConfigurationError(f"dimension must be an even number >= 64, got {dimension}")
        if not 0.0 < word_weight <= 1.0:
            raise ConfigurationError(f"word_weight must be in (0, 1], got {word_weight}")
        self.dimension = dimension
        self.word_weight = word_weight
        self._word_dims = dimension // 2

    def __repr__(self) -> str:
        return f"HashingEmbedder(dimension={self.dimension}, word_weight={self.word_weight})"

    def embed_one(self, text: str) -> NDArray[np.float32]:
        """One unit (or, for text without content words, zero) vector of ``dimension`` floats."""
        vector: NDArray[np.float32] = self.embed_array([text])[0]
        return vector

    def embed_array(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed ``texts`` as a ``(len(texts), dimension)`` float32 array of unit (or zero) rows."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Batches bound the float64 scratch arrays (rows x dimension, twice) when a whole corpus
        # is ingested at once: 100,000 chunks in one pass would need gigabytes.
        for start in range(0, len(texts), _EMBED_BATCH):
            out[start : start + _EMBED_BATCH] = self._embed_batch(texts[start : start + _EMBED_BATCH])
        return out

    def _embed_batch(self, texts: Sequence[str]) -> NDArray[np.float32]:
        tokens = [[token for token in tokenize(text) if token not in STOPWORDS] for text in texts]
        words = _hashed([_word_feature_hashes(row) for row in tokens], self._word_dims)
        chars = _hashed(
            [[h for token in row for h in _char_hashes(token)] for row in tokens],
            self.dimension - self._word_dims,
        )
        vectors = np.hstack([math.sqrt(self.word_weight) * words, math.sqrt(1 - self.word_weight) * chars])
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        np.divide(vectors, norms, out=vectors, where=norms > 0)
        return vectors.astype(np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents (LangChain interface)."""
        rows: list[list[float]] = self.embed_array(texts).tolist()
        return rows

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (LangChain interface); the same mapping as documents."""
        rows: list[float] = self.embed_one(text).tolist()
        return rows


def make_embedder(name: str = "hashing", dimension: int | None = None) -> Embeddings:
    """The embedder called ``name`` (one of :data:`EMBEDDERS`), or its manifest name.

    ``"semantic"`` needs the ``semantic`` extra (:mod:`crewline.memory.knowledge.semantic`, imported only
    here) and is shared per process; a missing extra is a one-line ``ConfigurationError``.
    ``dimension`` sizes the hashing embedder (as recorded in an index's manifest).
    """
    if name in ("hashing", HashingEmbedder.name):
        return HashingEmbedder(dimension or DEFAULT_DIMENSION)
    from crewline.memory.knowledge.semantic import SEMANTIC_NAME, shared_sentence_embedder

    if name in ("semantic", SEMANTIC_NAME):
        return shared_sentence_embedder()
    raise ConfigurationError(f"unknown embedder {name!r}: choose one of {', '.join(EMBEDDERS)}")
