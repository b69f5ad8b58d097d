"""Checks shared by the tests of one family of injection rules: its attacks are blocked by the whole
input guard, its look-alikes pass, and its patterns stay linear on 20 KB runs of their own words."""

from __future__ import annotations

import time
from collections.abc import Sequence

from crewline.nodes.guards import GuardSettings, Vault, inspect_input
from crewline.nodes.guards.rule_kit import Rule

_SETTINGS, _VAULT = GuardSettings(), Vault(b"\x00" * 32)


def assert_guard_action(text: str, action: str) -> None:
    """The input guard's injection verdict on ``text`` is ``action`` (``block`` or ``pass``)."""
    verdict = inspect_input(text, _SETTINGS, _VAULT).verdicts[0]
    assert verdict["action"] == action, (verdict["score"], verdict["reason"])


def assert_rules_linear(rules: Sequence[Rule], unit: str, seconds: float = 0.1) -> None:
    """Each rule's first 20 matches (and their ``near`` check) in 20 KB of ``unit`` repeated."""
    text = (unit * (20_000 // len(unit) + 1))[:20_000]
    for rule in rules:
        began = time.perf_counter()
        for tried, match in enumerate(rule.pattern.finditer(text)):
            if tried == 20:
                break
            if rule.near is not None:
                rule.near.search(text, max(0, match.start() - rule.reach), match.end() + rule.reach)
        assert time.perf_counter() - began < seconds, (rule.reason, unit)
