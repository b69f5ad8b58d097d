"""Every attack the input guard blocks today stays blocked: the guard's rules are loosened only with
this replay in front of them (a session once let 31 blocked attacks through while freeing look-alikes).

The attacks are the dev file's and every ``injection_fresh.yaml`` part's; the list holds a short hash of
each attack blocked when it was written (``../shared`` data is not copied into the project). An attack
blocked later is welcome; one that passes again fails here, named by its text.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from crewline.nodes.guards import GuardSettings, Vault, inspect_input
from tests.support.shared_data import require_shared

_HERE = Path(__file__).parent
_BLOCKED = _HERE / "data" / "injection_blocked_attacks.txt"
_FRESH = _HERE.parents[1] / "evals" / "benchmarks" / "injection_fresh.yaml"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _blocked_keys() -> set[str]:
    lines = _BLOCKED.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def _attacks() -> list[str]:
    dev = require_shared("guard/injection_dev.jsonl")
    rows = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [row["text"] for row in rows if row["label"] == "injection"]
    for part in yaml.safe_load(_FRESH.read_text(encoding="utf-8")).values():
        texts += [row["text"] for row in part["attacks"]]
    return texts


def test_every_attack_blocked_when_the_list_was_written_is_still_blocked() -> None:
    keys = _blocked_keys()
    settings, vault = GuardSettings(), Vault(b"\x00" * 32)
    attacks = [text for text in _attacks() if _key(text) in keys]
    assert len({_key(text) for text in attacks}) == len(keys), "an attack of the list left its data file"
    passed = [
        text for text in attacks if inspect_input(text, settings, vault).verdicts[0]["action"] == "pass"
    ]
    assert passed == [], f"{len(passed)} attacks blocked before now pass: {passed[:5]}"
