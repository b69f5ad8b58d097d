"""``crewline eval routing --group-field``: the routes' answers mapped to a coarser label (a domain
over intents), measured beside the routes themselves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crewline.evals.datasets import DatasetError
from crewline.evals.routing import group_of_routes

# (domain, intent, text): two intents a domain; the card intents share their words.
ROWS = [
    ("cards", "freeze", "freeze my card"),
    ("cards", "freeze", "lock my card"),
    ("cards", "freeze", "block my debit card"),
    ("cards", "lost", "I lost my card"),
    ("cards", "lost", "my card is missing"),
    ("cards", "lost", "my card was stolen"),
    ("money", "balance", "what is my balance"),
    ("money", "balance", "how much money do I have"),
    ("money", "transfer", "send money to my sister"),
    ("money", "transfer", "wire rent to my landlord"),
]
# "my card" probes are either card intent: a wrong intent in the right domain.
PROBES = [
    ("cards", "lost", "my card please"),
    ("cards", "freeze", "my card now"),
    ("cards", "lost", "hold my card"),
    ("money", "balance", "my balance"),
]


def _write(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = (json.dumps({"text": t, "domain": d, "intent": i}) for d, i, t in rows)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_the_group_figures_count_a_wrong_intent_in_the_right_domain_as_right(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crewline.cli import main

    train, test = _write(tmp_path / "train.jsonl", ROWS), _write(tmp_path / "test.jsonl", PROBES)
    args = ["eval", "routing", "--train", str(train), "--test", str(test), "--label-field", "intent"]
    assert main([*args, "--oos-recall", "1", "--group-field", "domain", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["group"]["n"] == figures["n"] == 4
    assert figures["accuracy"] < figures["group"]["accuracy"] == 1.0


def test_a_label_in_two_groups_is_an_error_naming_its_line(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.jsonl", ROWS)
    assert group_of_routes(good, "intent", "domain", "oos")["freeze"] == "cards"
    train = _write(tmp_path / "train.jsonl", [*ROWS, ("money", "freeze", "freeze my account")])
    with pytest.raises(DatasetError, match=r"train.jsonl:11: 'freeze' is in group 'money'"):
        group_of_routes(train, "intent", "domain", "oos")
