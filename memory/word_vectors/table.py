"""A static word-vector table distilled from MiniLM, shipped in the package and read with numpy only.

Each of about 30,000 English words has a 128-dimensional unit vector (MiniLM's embedding of the word
alone, PCA-reduced; see :mod:`crewline.memory.word_vectors.build`), so "terminate" lies near "cancel"
and "funds" near "money" without torch, a model or a download. A sentence is the weighted mean of its
words' vectors, L2-normalised: a word weighs ``a / (a + p)`` with ``p`` its Zipf probability from its
rank in the vocabulary (SIF weighting), so "the", "my" and "what" barely count and rare, specific
words count most.

A word missing from the table is looked up by its stem (:func:`~crewline.memory.knowledge.embeddings
.stem`: "reimbursements" finds "reimbursement"); a word with neither has no vector and is left out of
a sentence. The table is loaded on first use and kept for the process.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from crewline.errors import ConfigurationError
from crewline.memory.knowledge.embeddings import stem, tokenize

__all__ = ["DATA_DIR", "VECTORS_FILE", "WORDS_FILE", "WordVectors"]

DATA_DIR = Path(__file__).with_name("data")
WORDS_FILE = "words.txt"
VECTORS_FILE = "vectors.npy"
# Words more frequent than about 3 in 1,000 fade (model2vec's default, 1e-4, fades more of them).
# Chosen on CLINC150 train rows held out from 5-shot fits (seeds 10-12): the router's intent accuracy
# with 1e-4 / 1e-3 / 3e-3 / 1e-2 was 0.812 / 0.825 / 0.828 / 0.826.
SIF_COEFFICIENT = 3e-3


@dataclass(frozen=True)
class _Table:
    words: tuple[str, ...]
    index: dict[str, int]  # a word, or a stem standing for its most frequent word, to its row
    vectors: NDArray[np.float32]  # unit rows
    weights: NDArray[np.float32]


def _sif_weights(count: int, coefficient: float) -> NDArray[np.float32]:
    inverse_rank = 1.0 / np.arange(2, count + 2)  # Zipf's law over the rank (model2vec's estimate)
    probability = inverse_rank / inverse_rank.sum()
    weights: NDArray[np.float32] = (coefficient / (coefficient + probability)).astype(np.float32)
    return weights


def _load(directory: Path, coefficient: float) -> _Table:
    try:
        words = tuple((directory / WORDS_FILE).read_text(encoding="utf-8").split())
        quantized = np.load(directory / VECTORS_FILE, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the word-vector table in {directory}: {exc}") from None
    if quantized.ndim != 2 or quantized.shape[0] != len(words):
        raise ConfigurationError(
            f"word-vector table in {directory}: {quantized.shape[0]} vectors for {len(words)} words"
        )
    vectors = quantized.astype(np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    index: dict[str, int] = {}
    for row, word in reversed(list(enumerate(words))):  # the most frequent word keeps a shared stem
        index[f"~{stem(word)}"] = row
    index.update((word, row) for row, word in enumerate(words))
    return _Table(words, index, vectors, _sif_weights(len(words), coefficient))


class WordVectors:
    """Word and sentence vectors from the shipped table (or a table in ``directory``); see the module doc."""

    def __init__(self, directory: Path | None = None, sif_coefficient: float = SIF_COEFFICIENT) -> None:
        self.directory = directory or DATA_DIR
        self.sif_coefficient = sif_coefficient
        self._table: _Table | None = None
        self._identity: str | None = None
        self._lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, object]) -> WordVectors:
        return self  # read-only once loaded: a copied router shares the table

    def __getstate__(self) -> dict[str, object]:
        # Pickled (a router sent to another process) as where to read it: the table is not copied
        return {"directory": self.directory, "sif_coefficient": self.sif_coefficient}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(Path(str(state["directory"])), float(str(state["sif_coefficient"])))  # type: ignore[misc]

    @property
    def identity(self) -> str:
        """A fingerprint of the table's files: what a model fit on these vectors was fit with."""
        if self._identity is None:
            digest = hashlib.sha256()
            try:
                for name in (WORDS_FILE, VECTORS_FILE):
                    digest.update((self.directory / name).read_bytes())
            except OSError as exc:
                raise ConfigurationError(f"cannot read the word-vector table: {exc}") from None
            self._identity = f"sha256:{digest.hexdigest()[:16]}"
        return self._identity

    def _loaded(self) -> _Table:
        if self._table is None:
            with self._lock:
                if self._table is None:
                    self._table = _load(self.directory, self.sif_coefficient)
        return self._table

    @property
    def dimension(self) -> int:
        return int(self._loaded().vectors.shape[1])

    def __len__(self) -> int:
        return len(self._loaded().words)

    def row(self, word: str) -> int | None:
        """The table row standing for ``word`` (lowercased; by its stem if the word itself is missing)."""
        table = self._loaded()
        word = word.lower().split("'")[0]  # "what's" → "what"
        found = table.index.get(word)
        return found if found is not None else table.index.get(f"~{stem(word)}")

    def vector(self, word: str) -> NDArray[np.float32] | None:
        """The unit vector of ``word``, or ``None`` when neither it nor its stem is in the table."""
        row = self.row(word)
        return None if row is None else self._loaded().vectors[row].copy()

    def weight(self, word: str) -> float:
        """How much ``word`` counts in a sentence (0 for a word with no vector)."""
        row = self.row(word)
        return 0.0 if row is None else float(self._loaded().weights[row])

    def sentence(self, text: str) -> NDArray[np.float32]:
        """The weighted mean of ``text``'s word vectors, L2-normalised; zeros when no word has one."""
        table = self._loaded()
        rows = [row for row in (self.row(token) for token in tokenize(text)) if row is not None]
        if not rows:
            return np.zeros(table.vectors.shape[1], dtype=np.float32)
        mean = table.weights[rows] @ table.vectors[rows]
        norm = float(np.linalg.norm(mean))
        return (mean / norm if norm > 0 else mean).astype(np.float32)

    def sentences(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """:meth:`sentence` for each text, as a ``(len(texts), dimension)`` array."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.sentence(text) for text in texts])

    def similar(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` words nearest to ``word`` by cosine, nearest first (not ``word``'s own row);
        empty when ``word`` has no vector."""
        row = self.row(word)
        if row is None or k <= 0:
            return []
        table = self._loaded()
        cosines = table.vectors @ table.vectors[row]
        cosines[row] = -np.inf
        nearest = np.argpartition(-cosines, min(k, len(cosines) - 1))[:k]
        nearest = nearest[np.argsort(-cosines[nearest], kind="stable")]
        return [(table.words[i], float(cosines[i])) for i in nearest]
