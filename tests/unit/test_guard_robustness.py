"""Hostile input: every Unicode category, lone surrogates, megabytes, nested markup, and strings built
to make each regex family backtrack. The guard answers with a verdict, never a crash, in bounded time."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crewline.nodes.guards import GuardSettings, Vault, detect_pii, inspect_input, sanitize

BIG = GuardSettings(max_request_chars=10_000_000)
VAULT = Vault(b"r" * 32)
ACTIONS = {"pass", "redact", "block", "escalate"}

ADVERSARIAL = {
    "letters": "a" * 1_000_000,
    "nested markup": "<div>" * 100_000 + "x" + "</div>" * 100_000,
    "open brackets": "<" * 500_000 + "a" * 500_000,
    "unclosed tags": "<a " * 300_000,
    "override words": "ignore " * 140_000,
    "reveal gaps": ("repeat the " + "very " * 20) * 20_000,
    "digit runs": "1 " * 500_000,
    "dashed digits": "1-" * 500_000,
    "phone-ish": "(1" * 500_000,
    "email local parts": "a." * 500_000 + "@",
    "at signs": "x@" * 500_000,
    "colons": ":" * 1_000_000,
    "hex colons": "0:" * 500_000,
    "dotted digits": "1." * 500_000,
    "upper alnum": "A" * 1_000_000,
    "jwt prefix": "eyJ" + "a" * 1_000_000,
    "key headers": "-----BEGIN PRIVATE KEY-----" * 30_000,
    "assignments": "password=" * 100_000,
    "iban-ish": "GB82 " * 200_000,
    "placeholders": "[EMAIL_ADDRESS_" * 60_000,
    "surrogates": "\ud800\udfff" * 200_000,
    "zero width": "\u200b" * 1_000_000,
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_input_gets_a_verdict_in_bounded_time(name: str) -> None:
    text = ADVERSARIAL[name]
    start = time.perf_counter()
    inspection = inspect_input(text, BIG, VAULT)
    elapsed = time.perf_counter() - start
    assert {v["action"] for v in inspection.verdicts} <= ACTIONS
    assert elapsed < 20.0, f"{name}: {elapsed:.1f} s"  # generous: a shared 2-core machine; linear is ~0.1-2 s


def test_oversized_input_is_blocked_cheaply() -> None:
    start = time.perf_counter()
    inspection = inspect_input("x" * 5_000_000, GuardSettings(), VAULT)
    assert inspection.action == "block" and "exceeds the limit" in inspection.verdicts[0]["reason"]
    assert time.perf_counter() - start < 5.0


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=3000))
@settings(max_examples=300, deadline=None)
def test_every_unicode_category_gets_a_verdict(text: str) -> None:
    inspection = inspect_input(text, BIG, VAULT)
    assert {v["action"] for v in inspection.verdicts} <= ACTIONS
    assert all(0.0 <= v["score"] <= 1.0 for v in inspection.verdicts)
    cleaned = sanitize(text)
    cleaned.encode("utf-8")  # no lone surrogate survives sanitizing
    assert "\u200b" not in cleaned and "\x00" not in cleaned


@given(st.text(alphabet="0123456789 -.()+:@aAx/=", max_size=400))
@settings(max_examples=300, deadline=None)
def test_detected_spans_are_ordered_disjoint_and_exact(text: str) -> None:
    spans = detect_pii(text)
    for span in spans:
        assert text[span.start : span.end] == span.value
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
