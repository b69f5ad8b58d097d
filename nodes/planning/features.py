"""The router's text features: TF-IDF over word 1–2-grams and character 2–5-grams inside words.

Fitting uses scikit-learn's ``TfidfVectorizer`` with this module's analyzers, so the vocabulary, the
idf weights and sublinear term frequencies are scikit-learn's. Routing one text does not go through
the vectorizer: ``transform_one`` looks the same analyzers' features up in the fitted vocabulary and
applies the same weighting in a few dozen microseconds, where a ``TfidfVectorizer.transform`` call
costs several hundred for a single string. The two word/char blocks are L2-normalised separately,
then together, so that the hundred character n-grams of a sentence do not drown its ten words.
Digits are folded to ``0``: an id's shape (``C-0000``) is a signal, which customer it names is not.
The word block also holds each word's concept (``router_synonyms``: "stop" and "cancel" both add
``~cancel``), so a request worded unlike a route's few examples still shares features with them.

From a handful of examples a route (features version 3) a third, dense block follows: the text's
sentence vector from the static word-vector table distilled from MiniLM
(:mod:`crewline.memory.word_vectors`), weighted against the n-gram blocks. It places "terminate my
membership" near "cancel my subscription" where no n-gram or concept is shared.

scikit-learn and scipy are imported inside ``fit`` and ``transform`` only: a router loaded from an
artifact (or the router cache) routes without them, and importing them costs most of a second.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from crewline.memory.word_vectors import WordVectors, word_vectors
from crewline.nodes.guards.vault import PLACEHOLDER
from crewline.nodes.planning.router_synonyms import concept_of
from crewline.nodes.stop_words import english_stop_words

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["FEATURES_VERSION", "TextFeatures", "char_ngrams", "word_ngrams"]

FEATURES_VERSION = 3  # bump when the analyzers change: saved routers then no longer match
# Version 1 had no concept features, version 2 no word-vector block; their artifacts still load and
# route as they were fit.
READABLE_FEATURES_VERSIONS = (1, 2, 3)
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_DIGIT = re.compile(r"\d")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_DIGIT.sub("0", text.lower()))


def _own_words(text: str) -> str:
    """``text`` without the guards' placeholders: "[CREDIT_CARD_3f9a1c2e]" stands for a number the
    user typed, not for the words "credit card", which would pull the request's meaning towards
    cards in the word-vector block ("how do I dispute a charge on my card 4111 …" went to the card
    specialist instead of the help centre)."""
    return PLACEHOLDER.sub(" ", text) if "[" in text else text


def _stem(word: str) -> str:
    """A word's first five letters: inflections of one word share them ("repeat", "repeats")."""
    return word[:5]


def _word_grams(tokens: list[str]) -> list[str]:
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


def _word_concept_grams(tokens: list[str]) -> list[str]:
    concepts = [concept for concept in map(concept_of, tokens) if concept is not None]
    return _word_grams(tokens) + concepts


def _char_grams(tokens: list[str]) -> list[str]:
    grams: list[str] = []
    for token in tokens:
        padded = f" {token} "
        size = len(padded)
        grams += [padded[i : i + n] for n in range(2, min(5, size) + 1) for i in range(size - n + 1)]
    return grams


def word_ngrams(text: str) -> list[str]:
    """Lower-cased word unigrams and bigrams."""
    return _word_grams(_tokens(text))


def char_ngrams(text: str) -> list[str]:
    """Character 2- to 5-grams of each word padded with spaces (like ``analyzer="char_wb"``)."""
    return _char_grams(_tokens(text))


def _analyzers(concepts: bool) -> tuple[Callable[[list[str]], list[str]], ...]:
    """The blocks' analyzers over a text's tokens (computed once per text when routing)."""
    return (_word_concept_grams if concepts else _word_grams, _char_grams)


_BLOCKS = 2


def _on_text(analyze: Callable[[list[str]], list[str]]) -> Callable[[str], list[str]]:
    def analyzer(text: str) -> list[str]:
        return analyze(_tokens(text))

    return analyzer


@dataclass
class _Block:
    vocabulary: dict[str, int]
    idf: np.ndarray  # float32, one per vocabulary entry
    offset: int
    weights: list[float] = field(default_factory=list)  # ``idf`` as Python floats: read per n-gram


class TextFeatures:
    """Fitted vocabularies and idf weights for both blocks; ``dim`` columns in all."""

    def __init__(
        self,
        vocabularies: Sequence[Sequence[str]],
        idfs: Sequence[np.ndarray],
        *,
        concepts: bool = True,
        dense_weight: float = 0.0,
        vectors: WordVectors | None = None,
    ) -> None:
        if len(vocabularies) != _BLOCKS or len(idfs) != _BLOCKS:
            raise ValueError(f"expected {_BLOCKS} feature blocks")
        if dense_weight < 0:
            raise ValueError("the word-vector block's weight cannot be negative")
        self.concepts = concepts  # False: fit from many examples a route, or a version-1 artifact
        # The word-vector block's weight against the n-gram blocks (their vector has norm 1); 0: none
        self.dense_weight = float(dense_weight)
        self.vectors = (vectors or word_vectors) if dense_weight > 0 else None
        self._analyzers = _analyzers(concepts)
        self._blocks: list[_Block] = []
        offset = 0
        for terms, idf in zip(vocabularies, idfs, strict=True):
            if len(terms) != len(idf):
                raise ValueError("a feature block's vocabulary and idf differ in length")
            vocabulary = {term: index for index, term in enumerate(terms)}
            weights = np.asarray(idf, dtype=np.float32)
            self._blocks.append(_Block(vocabulary, weights, offset, weights.tolist()))
            offset += len(terms)
        self.dense_offset = offset
        self.dense_columns = np.arange(offset, offset + (self.vectors.dimension if self.vectors else 0))
        self.dim = offset + self.dense_columns.size
        # Word unigrams that carry content (not "what", "is", "the"): the router's content check.
        self.content = np.zeros(self.dim, dtype=bool)
        stop_words = english_stop_words()
        for term, index in self._blocks[0].vocabulary.items():  # concepts count: "~cancel"
            self.content[index] = " " not in term and term not in stop_words
        # the content words' stems, roughly: "repeat" in a request shares one with "repeats"
        self.content_stems = frozenset(
            _stem(term) for term, index in self._blocks[0].vocabulary.items() if self.content[index]
        )

    def shares_content_stem(self, text: str) -> bool:
        """Whether ``text`` has a content word whose stem one of the vocabulary's content words has."""
        stop_words = english_stop_words()
        return any(_stem(word) in self.content_stems for word in _tokens(text) if word not in stop_words)

    @property
    def version(self) -> int:
        """The features version these features route as (an artifact records it)."""
        return 3 if self.dense_weight > 0 else 2 if self.concepts else 1

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        *,
        min_df: int = 1,
        concepts: bool = True,
        dense_weight: float = 0.0,
        vectors: WordVectors | None = None,
    ) -> tuple[TextFeatures, csr_matrix]:
        """Fit on ``texts``; returns the features and the texts' (normalised) matrix. ``concepts``:
        add the word block's concept features; ``dense_weight``: add the word-vector block with this
        weight (see the module doc)."""
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import normalize

        vocabularies: list[list[str]] = []
        idfs: list[np.ndarray] = []
        blocks = []
        for analyze in _analyzers(concepts):
            analyzer = _on_text(analyze)
            # min_df prunes n-grams seen once in a large training set: they cannot generalise.
            vectorizer = TfidfVectorizer(
                analyzer=analyzer, sublinear_tf=True, min_df=min_df, dtype=np.float32
            )
            try:
                blocks.append(vectorizer.fit_transform(texts))
            except ValueError:  # nothing survived min_df (e.g. every text is punctuation)
                vectorizer = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, dtype=np.float32)
                blocks.append(vectorizer.fit_transform(texts))
            terms = [""] * len(vectorizer.vocabulary_)
            for term, index in vectorizer.vocabulary_.items():
                terms[index] = term
            vocabularies.append(terms)
            idfs.append(vectorizer.idf_.astype(np.float32))
        matrix = normalize(hstack(blocks).tocsr()).astype(np.float32)
        features = cls(vocabularies, idfs, concepts=concepts, dense_weight=dense_weight, vectors=vectors)
        if features.vectors is not None:
            dense = features.vectors.sentences([_own_words(t) for t in texts]) * np.float32(dense_weight)
            matrix = normalize(hstack([matrix, csr_matrix(dense)]).tocsr()).astype(np.float32)
        return features, csr_matrix(matrix)

    @property
    def vocabularies(self) -> list[list[str]]:
        out: list[list[str]] = []
        for block in self._blocks:
            terms = [""] * len(block.vocabulary)
            for term, index in block.vocabulary.items():
                terms[index] = term
            out.append(terms)
        return out

    @property
    def idfs(self) -> list[np.ndarray]:
        return [block.idf for block in self._blocks]

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and values of ``text``'s L2-normalised feature vector (may be empty)."""
        indices: list[int] = []
        values: list[float] = []
        tokens = _tokens(text)
        for analyzer, block in zip(self._analyzers, self._blocks, strict=True):
            # Counter counts every n-gram in C; those in the vocabulary keep their first-seen order.
            vocabulary, weights, start = block.vocabulary, block.weights, len(values)
            found = [(vocabulary[g], n) for g, n in Counter(analyzer(tokens)).items() if g in vocabulary]
            if not found:
                continue
            indices += [block.offset + column for column, _ in found]
            values += [(1.0 + math.log(n)) * weights[column] for column, n in found]
            norm = math.sqrt(sum(v * v for v in values[start:]))
            values[start:] = [v / norm for v in values[start:]]
        columns = np.asarray(indices, dtype=np.int64)
        vector = np.asarray(values, dtype=np.float32)
        if values:
            vector /= np.float32(np.linalg.norm(vector))
        if self.vectors is not None:
            dense = self.vectors.sentence(_own_words(text))
            if dense.any():  # a text none of whose words the table knows adds nothing
                columns = np.concatenate([columns, self.dense_columns])
                vector = np.concatenate([vector, dense * np.float32(self.dense_weight)])
                vector /= np.float32(np.linalg.norm(vector))
        return columns, vector

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        """The rows of ``transform_one`` for many texts, as one sparse matrix."""
        from scipy.sparse import csr_matrix

        data: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        indptr = [0]
        for text in texts:
            index, value = self.transform_one(text)
            cols.append(index)
            data.append(value)
            indptr.append(indptr[-1] + len(index))
        return csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0, np.float32),
                np.concatenate(cols) if cols else np.zeros(0, np.int64),
                np.asarray(indptr),
            ),
            shape=(len(texts), self.dim),
        )
