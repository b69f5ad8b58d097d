"""The secrets corpus's third set, ``fresh``: formats and surroundings the detector was not written for.

Written (session 11) after the detector had reached 0.996 recall on its ``held_out`` set, to measure
it as users meet it: tokens of services whose published prefixes no rule named (Pulumi, RubyGems,
Dropbox, Fly.io, Airtable, Terraform Cloud, Atlassian, Heroku, Sentry, New Relic, Docker Hub,
PlanetScale, Shippo, Square, Contentful, 1Password, Prefect, ReadMe, Dynatrace, EasyPost, Duffel,
Frame.io, Typeform, Groq, Replicate, Perplexity, xAI, LangSmith, Supabase), placed in prose and
command lines where no secret-sounding name or ``=``/``:`` precedes them. Its first run, before the
detector learnt any of them: see ``FIRST_RUN``. Hard negatives are look-alikes of the same shapes:
prefixed identifiers, hex digests behind a word and an underscore, ULIDs, ARNs, pod names.

Every value is drawn from a seeded ``random.Random`` in the shape the provider documents; none is a
real credential.
"""

from __future__ import annotations

import base64
import random
import string
from collections.abc import Callable
from typing import Any

__all__ = ["FIRST_RUN", "fresh_rows"]

# ``python -m crewline.evals.benchmarks.secrets`` on this set before the rules for it were written
FIRST_RUN = {"recall": 0.0, "hard_negative_fpr": 0.0}

_ALNUM = string.ascii_letters + string.digits
_URLSAFE = _ALNUM + "-_"
_B64 = _ALNUM + "+/"
_HEX = "0123456789abcdef"
_UPPER_DIGITS = string.ascii_uppercase + string.digits
_POD = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' pod-name alphabet
_TEXTS = ("hello world this is a test", "please call me back tomorrow", "the quick brown fox")
_PER_FORMAT = 6
_PER_NEGATIVE = 8
Rng = random.Random


def _r(rng: Rng, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


_FORMATS: dict[str, Callable[[Rng], str]] = {
    "pulumi_token": lambda g: "pul-" + _r(g, _HEX, 40),
    "rubygems_key": lambda g: "rubygems_" + _r(g, _HEX, 48),
    "dropbox_token": lambda g: "sl." + _r(g, _URLSAFE, 135),
    "flyio_token": lambda g: "fm2_" + _r(g, _B64, 120),
    "airtable_pat": lambda g: "pat" + _r(g, _ALNUM, 14) + "." + _r(g, _HEX, 64),
    "terraform_token": lambda g: _r(g, _ALNUM, 14) + ".atlasv1." + _r(g, _URLSAFE, 67),
    "atlassian_token": lambda g: "ATATT3xFfGF0" + _r(g, _URLSAFE, 170) + "=" + _r(g, _HEX.upper(), 8),
    "heroku_token": lambda g: "HRKU-AA" + _r(g, _URLSAFE, 58),
    "sentry_user_token": lambda g: "sntryu_" + _r(g, _HEX, 64),
    "newrelic_key": lambda g: "NRAK-" + _r(g, _UPPER_DIGITS, 27),
    "docker_pat": lambda g: "dckr_pat_" + _r(g, _URLSAFE, 27),
    "planetscale_token": lambda g: "pscale_tkn_" + _r(g, _URLSAFE, 43),
    "shippo_token": lambda g: "shippo_live_" + _r(g, _HEX, 40),
    "square_token": lambda g: "EAAA" + _r(g, _URLSAFE, 60),
    "contentful_pat": lambda g: "CFPAT-" + _r(g, _URLSAFE, 43),
    "onepassword_token": lambda g: "ops_eyJ" + _r(g, _B64, 250),
    "prefect_key": lambda g: "pnu_" + _r(g, _ALNUM, 36),
    "readme_key": lambda g: "rdme_" + _r(g, _ALNUM, 70),
    "dynatrace_token": lambda g: "dt0c01." + _r(g, _UPPER_DIGITS, 24) + "." + _r(g, _UPPER_DIGITS, 64),
    "easypost_key": lambda g: "EZAK" + _r(g, _ALNUM, 54),
    "duffel_token": lambda g: "duffel_live_" + _r(g, _URLSAFE, 43),
    "frameio_token": lambda g: "fio-u-" + _r(g, _URLSAFE, 64),
    "typeform_token": lambda g: "tfp_" + _r(g, _URLSAFE, 59),
    "groq_key": lambda g: "gsk_" + _r(g, _ALNUM, 52),
    "replicate_token": lambda g: "r8_" + _r(g, _ALNUM, 37),
    "perplexity_key": lambda g: "pplx-" + _r(g, _ALNUM, 48),
    "xai_key": lambda g: "xai-" + _r(g, _ALNUM, 80),
    "langsmith_key": lambda g: "lsv2_pt_" + _r(g, _HEX, 32) + "_" + _r(g, _HEX, 10),
    "supabase_token": lambda g: "sbp_" + _r(g, _HEX, 40),
}

# No name that says "secret", no "=" or ":" before the value: the prefix alone must give it away.
_CONTEXTS = (
    "I rotated {v} this morning but the deploy still fails",
    "pass {v} as the second argument",
    "run `deploy --with {v}` from the repo root",
    "the CI log printed {v} in plain text, is that bad?",
    "copied from the dashboard -> {v}",
    "`{v}`",
)


def _negatives(rng: Rng) -> dict[str, Callable[[], str]]:
    words = ["enable", "legacy", "checkout", "Flow", "Tenant", "Settings", "Loader", "Default", "V2", "Async"]
    return {
        "prefixed_identifier": lambda: (
            "feature_flag_" + "".join(rng.sample(words, 5)) + str(rng.randint(2019, 2026))
        ),
        "prefixed_hex_digest": lambda: (
            rng.choice(["commit_", "build_", "cache-", "etag_"]) + _r(rng, _HEX, 40)
        ),
        "ulid": lambda: "order " + rng.choice("0123456") + _r(rng, "0123456789ABCDEFGHJKMNPQRSTVWXYZ", 25),
        "aws_arn": lambda: f"arn:aws:iam::{rng.randint(10**11, 10**12 - 1)}:role/{rng.choice(words)}Deployer",
        "pod_name": lambda: f"payments-api-{_r(rng, _POD, 10)}-{_r(rng, _POD, 5)}",
        "base64_text_prefixed": lambda: "data_" + base64.b64encode(rng.choice(_TEXTS).encode()).decode(),
        "doc_mention": lambda: rng.choice(
            [
                "Pulumi tokens start with pul- and RubyGems keys with rubygems_",
                "a Dropbox short-lived token begins sl. and is 135 characters long",
                "Docker Hub personal access tokens look like dckr_pat_ followed by 27 characters",
                "Groq keys begin with gsk_, Replicate tokens with r8_",
            ]
        ),
        "camel_class_name": lambda: "".join(rng.sample(words, 6)) + "Factory" + str(rng.randint(1, 9)),
    }


def fresh_rows() -> list[dict[str, Any]]:
    """The ``fresh`` set: planted secrets of the formats above, and look-alike hard negatives."""
    rng = random.Random("crewline-secrets-fresh-3")
    rows: list[dict[str, Any]] = []
    for fmt, make in _FORMATS.items():
        for _ in range(_PER_FORMAT):
            value = make(rng)
            template = rng.choice(_CONTEXTS)
            start = template.index("{v}")
            span = {
                "type": "SECRET",
                "value": value,
                "start": start,
                "end": start + len(value),
                "subtype": fmt,
            }
            rows.append(
                {"text": template.replace("{v}", value), "pii": [span], "format": fmt, "set": "fresh"}
            )
    for kind, make_text in _negatives(rng).items():
        for _ in range(_PER_NEGATIVE):
            rows.append(
                {"text": make_text(), "pii": [], "format": kind, "set": "fresh", "hard_negative": True}
            )
    return rows
