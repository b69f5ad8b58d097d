"""Credential formats by their providers' published prefixes and lengths: Azure DevOps PATs, an
Algolia key passed to its client, ClickHouse Cloud, Defined Networking, Sidekiq Enterprise; and the
values of the same look that are not secrets.

Every value here is made up; none is a real credential.
"""

from __future__ import annotations

import random
import time

import pytest

from crewline.nodes.guards import detect_pii

_R = random.Random("test-secrets-formats-g")
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _draw(alphabet: str, n: int) -> str:
    return "".join(_R.choice(alphabet) for _ in range(n))


LEGACY_PAT = _draw(_B32, 50) + "7q"
NEW_PAT = _draw(_ALNUM, 52) + "JQQJ99" + _draw(_ALNUM, 18) + "AZDO" + _draw(_ALNUM, 4)
HEX32 = _draw("0123456789abcdef", 32)
CLICKHOUSE = "4b1d" + _draw(_ALNUM, 38)
DNKEY = f"dnkey-{_draw(_ALNUM.upper()[:36], 26)}-{_draw(_ALNUM.upper()[:36], 52)}"


def _secrets(text: str) -> list[str]:
    return [span.value for span in detect_pii(text) if span.type == "SECRET"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"echo {LEGACY_PAT} | az devops login --organization https://dev.azure.com/acme", LEGACY_PAT),
        (f"Azure DevOps token for the build agent: {LEGACY_PAT}", LEGACY_PAT),
        (f"here it is {NEW_PAT}", NEW_PAT),
        (f"const client = algoliasearch('QW8E7R6T5Y', '{HEX32}');", HEX32),
        (f"ClickHouse Cloud: key id abc, secret {CLICKHOUSE}", CLICKHOUSE),
        (f"nebula enroll {DNKEY}", DNKEY),
        ("BUNDLE_ENTERPRISE__CONTRIBSYS__COM=3f9a1c2e:7b4d8e01", "3f9a1c2e:7b4d8e01"),
        ("bundle config gems.contribsys.com 3f9a1c2e:7b4d8e01", "3f9a1c2e:7b4d8e01"),
    ],
)
def test_published_formats_are_found_exactly(text: str, secret: str) -> None:
    assert secret in _secrets(text)


@pytest.mark.parametrize(
    "text",
    [
        f"the digest is {LEGACY_PAT}",  # 52 base32 characters with nothing naming Azure DevOps
        f"http://{_draw(_B32, 56)}.onion/ (azure mirror)",
        "git clone https://dev.azure.com/acme/Platform/_git/api",
        f"cherry-picked from 4b1d{_draw('0123456789abcdef', 36)}",
        "algoliasearch('QW8E7R6T5Y', searchOnlyKey)",
        "BUNDLE_ENTERPRISE__CONTRIBSYS__COM=<username>:<password>",
    ],
)
def test_look_alikes_are_not_secrets(text: str) -> None:
    assert _secrets(text) == []


@pytest.mark.parametrize(
    "unit",
    [
        "azure " + _draw(_B32, 40) + " ",
        "devops " + "a2" * 30,
        "dnkey-",
        "4b1d",
        "xyzsearch('a', ",
        "contribsys.com ",
    ],
)
def test_the_new_formats_stay_linear_on_20_kb(unit: str) -> None:
    text = (unit * (20_000 // len(unit) + 1))[:20_000]
    began = time.perf_counter()
    detect_pii(text)
    assert time.perf_counter() - began < 1.0, unit
