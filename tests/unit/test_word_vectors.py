"""The shipped word-vector table: meaningful neighbours from numpy alone, clear errors on a bad table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from crewline.errors import ConfigurationError
from crewline.memory.word_vectors import WordVectors, word_vectors
from crewline.memory.word_vectors.build import extra_words, principal_components, quantize, vocabulary


def test_synonyms_are_nearer_than_unrelated_words() -> None:
    cancel, terminate, weather = (word_vectors.vector(w) for w in ("cancel", "terminate", "weather"))
    assert cancel is not None and terminate is not None and weather is not None
    assert float(cancel @ terminate) > float(cancel @ weather) + 0.2
    assert abs(float(np.linalg.norm(cancel)) - 1.0) < 1e-5


def test_similar_lists_neighbours_nearest_first_without_the_word() -> None:
    neighbours = word_vectors.similar("money", 10)
    words = [word for word, _ in neighbours]
    assert len(neighbours) == 10 and "money" not in words
    assert {"cash", "funds", "dollars"} & set(words)
    cosines = [cosine for _, cosine in neighbours]
    assert cosines == sorted(cosines, reverse=True)
    assert word_vectors.similar("qzxwv", 5) == []


def test_a_missing_word_falls_back_to_its_stem_and_unknown_words_have_none() -> None:
    # "cancellations" is not one of MiniLM's whole words; its stem finds a form that is.
    assert word_vectors.vector("cancellations") is not None
    assert word_vectors.vector("qzxwv") is None
    assert word_vectors.weight("qzxwv") == 0.0


def test_sentences_with_different_words_for_one_request_are_close() -> None:
    membership = word_vectors.sentence("terminate my membership")
    subscription = word_vectors.sentence("cancel my subscription")
    forecast = word_vectors.sentence("will it rain in paris tomorrow")
    assert float(membership @ subscription) > float(membership @ forecast) + 0.3
    assert abs(float(np.linalg.norm(forecast)) - 1.0) < 1e-5


def test_function_words_weigh_little_and_a_text_without_known_words_is_zero() -> None:
    assert word_vectors.weight("the") < 0.1 < 0.5 < word_vectors.weight("payment")
    assert not word_vectors.sentence("qzxwv 1234").any()
    assert word_vectors.sentences([]).shape == (0, word_vectors.dimension)


def test_the_table_is_compact_and_carries_its_licence() -> None:
    data = Path(word_vectors.directory)
    assert sum(path.stat().st_size for path in data.iterdir()) < 5_000_000
    assert "Apache" in (data / "NOTICE").read_text()
    assert len(word_vectors) > 20_000 and word_vectors.dimension == 128


def test_a_mismatched_table_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text("alpha\nbeta\n")
    np.save(tmp_path / "vectors.npy", np.ones((3, 4), dtype=np.int8))
    with pytest.raises(ConfigurationError, match="3 vectors for 2 words"):
        WordVectors(tmp_path).vector("alpha")
    with pytest.raises(ConfigurationError, match="cannot read"):
        WordVectors(tmp_path / "missing").vector("alpha")


def test_a_small_table_built_by_the_build_steps_loads_and_answers(tmp_path: Path) -> None:
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n[unused0]\n!\na\nthe\nrefund\n##s\nmoney\n")
    words = vocabulary(vocab)
    assert words == ["the", "refund", "money"]  # no reserved, one-letter or continuation tokens
    rng = np.random.default_rng(0)
    reduced = principal_components(rng.normal(size=(3, 6)), 2)
    assert np.allclose(reduced.mean(axis=0), 0.0)
    (tmp_path / "words.txt").write_text("\n".join(words) + "\n")
    np.save(tmp_path / "vectors.npy", quantize(reduced))
    table = WordVectors(tmp_path)
    assert table.dimension == 2 and len(table) == 3
    assert table.vector("refunds") is not None  # by its stem


def test_the_default_install_reads_the_table_without_torch() -> None:
    script = (
        "import sys\n"
        "from crewline.memory.word_vectors import word_vectors\n"
        "assert word_vectors.sentence('cancel my card').any()\n"
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


def test_the_build_command_refuses_bad_dimensions_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crewline.memory.word_vectors.build", "--dimensions", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--dimensions" in done.stderr and "Traceback" not in done.stderr


def test_extra_words_add_one_word_a_stem_the_vocabulary_lacks(tmp_path: Path) -> None:
    word_list = tmp_path / "words"
    word_list.write_text("refund\nrefunds\nRefund\nmoney\nmoneys\nde\nredeem\nredeemed\nAnn's\n")
    # "money" is known and covers "moneys" by its stem; names, possessives and two letters are left out
    assert extra_words(word_list, ["money", "the"]) == ["redeem", "refund"]


def test_the_build_command_without_a_word_list_says_how_to_get_one(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "crewline.memory.word_vectors.build",
            "--out",
            str(tmp_path),
            "--extra-words",
            str(tmp_path / "missing"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "wamerican-small" in done.stderr and "Traceback" not in done.stderr
    assert not any(tmp_path.iterdir())
