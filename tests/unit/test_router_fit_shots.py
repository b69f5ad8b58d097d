"""``crewline router fit --shots K --seed S``: the artifact a crew would get from K examples a label."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crewline.cli import main
from crewline.nodes.planning.router import Router

ROWS = {
    "billing": ["what is my balance", "how much do I owe", "list my invoices", "when is my bill due"],
    "cards": ["I lost my card", "freeze my card", "my card was stolen", "send a new card"],
    "oos": ["tell me a joke", "what is the weather", "who won the game"],
}


@pytest.fixture
def train(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CREWLINE_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "train.jsonl"
    path.write_text(
        "".join(json.dumps({"text": t, "intent": label}) + "\n" for label, ts in ROWS.items() for t in ts),
        encoding="utf-8",
    )
    return path


def _fit(train: Path, out: Path, *extra: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["router", "fit", "--train", str(train), "--out", str(out), *extra]) == 0
    summary: dict[str, object] = json.loads(capsys.readouterr().out)
    return summary


def test_shots_keeps_k_rows_a_label_and_no_out_of_scope_rows(
    train: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = _fit(train, tmp_path / "r.npz", "--shots", "2", "--seed", "1", capsys=capsys)
    assert summary["rows"] == 4
    router = Router.load(tmp_path / "r.npz")
    assert sorted(router.routes) == ["billing", "cards"]
    assert not router.has_oos  # the oos rows were not drawn


def test_the_same_seed_draws_the_same_rows(
    train: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("a.npz", "b.npz"):
        _fit(train, tmp_path / name, "--shots", "1", "--seed", "3", capsys=capsys)
    first, second = Router.load(tmp_path / "a.npz"), Router.load(tmp_path / "b.npz")
    text = "freeze the card I lost"
    assert first.route(text) == second.route(text)


def test_shots_below_one_is_refused_in_one_line(
    train: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["router", "fit", "--train", str(train), "--out", str(tmp_path / "r.npz"), "--shots", "0"])
    assert exited.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err
    assert not (tmp_path / "r.npz").exists()
