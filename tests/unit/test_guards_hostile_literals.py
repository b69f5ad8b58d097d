"""PII redaction, the secret scan and the passage cues stay linear on a 20 KB run of one of their own
literals with a separator: a dotted run of secret words ("cvv.cvv.cvv...") made each domain-shaped
cue read the run to its end from every label (15 s), and a run of "eyJ-" made the JWT pattern read
it to its end from every "eyJ" (0.7 s). The guard's limit is 20,000 characters a message."""

from __future__ import annotations

import random
import time

import pytest

from crewline.nodes.guards.passages import phishing_score
from crewline.nodes.guards.pii import detect_pii
from crewline.nodes.guards.secret_formats import VENDOR_FORMATS
from crewline.nodes.guards.secrets import _jwts, find_secrets

SIZE = 20_000


def _run(unit: str) -> str:
    return (unit * (SIZE // len(unit) + 1))[:SIZE]


def _seconds(call: object, text: str) -> float:
    began = time.perf_counter()
    call(text)  # type: ignore[operator]
    return time.perf_counter() - began


@pytest.mark.parametrize(
    "unit", ["cvv.", "pin.", "otp.", "number.", "details.", "iban.", "decode.", "abcdefgh.", "cvv. ", "pin/"]
)
def test_the_passage_cues_read_a_dotted_run_of_secret_words_once(unit: str) -> None:
    phishing_score("warm the cues: your pin, cvv, otp, card number, iban")  # compiled on first use
    elapsed = _seconds(phishing_score, _run(unit))
    assert elapsed < 1.0, f"{unit!r}: {elapsed:.2f} s"  # ~0.05 s here; 15 s before


def test_a_long_host_name_still_makes_a_link_for_the_cues() -> None:
    """Nine labels are tried from each label: a longer host name is still a link (from a later label)."""
    words = ["secure", "login", "account", "verify", "kestrel", "bank", "online", "update", "portal"]
    words += ["service", "help", "desk"]
    host = ".".join(words) + ".example.com"  # 14 labels
    assert phishing_score(f"Verify your account at {host} today or it will be closed.")[0] >= 0.5


@pytest.mark.parametrize("unit", ["eyJ-", "eyJ_", "eyJa-", "-eyJ"])
def test_the_secret_scan_reads_a_run_of_jwt_starts_once(unit: str) -> None:
    for text in (_run(unit), _run(unit) + ".eyJ", _run(unit) + ".eyJabcdefgh"):
        assert _seconds(lambda t: list(find_secrets(t)), text) < 1.0  # ~0.7 s before, ~1 ms now
        assert _seconds(detect_pii, text) < 1.0


def test_the_jwt_scan_finds_what_the_jwt_pattern_finds() -> None:
    """Reading each run once must change no match (random texts over the pattern's own pieces)."""
    pattern = next(fmt for fmt in VENDOR_FORMATS if fmt.name == "jwt").pattern
    pieces = ["eyJ", "a", "Z", "9", "_", "-", ".", " ", "é", ".eyJ", "abcdefgh", "x.", "eyJhbGciOiJIUzI1NiJ9"]
    rng = random.Random(16)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        assert list(_jwts(text)) == [m.span() for m in pattern.finditer(text)], text


def test_a_jwt_is_still_found() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    text = f"the log shows {token} (expires soon)"
    assert [(text[s:e], kind) for s, e, kind in find_secrets(text)] == [(token, "jwt")]


@pytest.mark.parametrize(
    "unit",
    [
        "urn:ab:4111111111111111:",
        "arn:aws:iam::4111111111111111:",
        "a://b/4111111111111111/",
        "/4111111111111111/x",
        "4111111111111111.ab.cd.",
        "4111111111111111/12/27",
        "4111-1111-1111-1111 ",
        "+1 (",
        "a [at] b [dot] ",
        "key=",
        "password ",
        # shapes of the card, phone, spelled-address, flag and Basic-auth rules
        "4111.1111.",
        "4111111111111111_",
        "0033 1 ",
        "a dot b at c dot ",
        "--db-password ",
        "-u a -p ",
        "Basic QUFB ",
        "/bot123456789:AA",
    ],
)
def test_pii_and_secrets_are_fast_on_runs_of_their_own_shapes(unit: str) -> None:
    text = _run(unit)
    assert _seconds(detect_pii, text) < 1.0  # each ~10-30 ms here
    assert _seconds(lambda t: list(find_secrets(t)), text) < 1.0
