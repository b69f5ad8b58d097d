"""The compound planning benchmark's data file and scoring: merged neighbours, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewline.evals.benchmarks.compound_planning import DATA, main, read_rows
from crewline.evals.datasets import DatasetError


def test_neighbouring_parts_for_one_specialist_are_one_expected_subtask(tmp_path: Path) -> None:
    path = tmp_path / "rows.yaml"
    path.write_text(
        "dev:\n"
        "  - text: What's my balance? When is it due? Also freeze my card\n"
        "    parts:\n"
        '      - [billing, "What\'s my balance?"]\n'
        '      - [billing, "When is it due?"]\n'
        "      - [card_security, freeze my card]\n"
    )
    (row,) = read_rows(path)["dev"]
    assert row.parts == (
        ("billing", "What's my balance? When is it due?"),
        ("card_security", "freeze my card"),
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("dev:\n  - text: freeze my card\n    parts: [[card_security, block it]]\n", "is not in the request"),
        ("dev:\n  - text: freeze my card\n", "'parts' must be a non-empty list"),
        ("dev: [\n", "while parsing"),
        ("- just a list\n", "mapping of sets"),
    ],
)
def test_a_malformed_file_is_one_error_naming_it(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "rows.yaml"
    path.write_text(content)
    with pytest.raises(DatasetError, match=message):
        read_rows(path)


def test_the_shipped_file_has_dev_and_held_out_sets_whose_parts_are_in_their_requests() -> None:
    sets = read_rows(DATA)
    held_out = ("held_out", *(f"held_out{n}" for n in range(2, 9)))
    assert set(sets) == {"dev", "fresh", *held_out}
    assert all(len(sets[name]) >= 50 for name in ("dev", *held_out))
    assert len(sets["fresh"]) >= 25
    specialists = {s for rows in sets.values() for row in rows for s, _ in row.parts}
    assert specialists == {"accounts", "billing", "card_security", "refund", "knowledge", "none"}


def test_a_polite_opening_is_no_word_of_a_part() -> None:
    from crewline.evals.benchmarks.compound_planning import _words

    assert (
        _words("Could you refund order O-1001")
        == _words("refund order O-1001")
        == ["refund", "order", "o", "1001"]
    )
    assert _words("block my card pls") == ["block", "my", "card"]
    assert _words("please tell me what you can do") == ["tell", "me", "what", "you", "can", "do"]


def test_the_benchmark_refuses_a_bad_file_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rows.yaml"
    path.write_text("dev: 3\n")
    assert main(["--data", str(path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
