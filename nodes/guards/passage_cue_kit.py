# ruff: noqa: E501  (vocabulary patterns read best on one line each)
"""The passage cues' building blocks: the :class:`Cue` record and the vocabulary the cue tables
(:mod:`crewline.nodes.guards.passage_cues_reader`, :mod:`crewline.nodes.guards.passage_cues_model`)
are written in: links, secrets, card numbers, verbs that hand something over, people to hand it to,
and the bounded gaps between the words of one sentence.

A cue's pattern is compiled the first time a passage calls for it (its triggers are in the text):
compiling the whole table took some 30 ms of every process that builds a crew, and most crews
screen few passages, each of which calls for a part of the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crewline.nodes.guards.lazy_patterns import compiled

__all__ = [
    "ANY",
    "CRED",
    "DESTINATION",
    "GAP",
    "HAND",
    "NUMBER",
    "NUMBERS",
    "PERSON",
    "SECRET",
    "SECRETS",
    "SEND",
    "URL",
    "YOUR",
    "Cue",
    "cue",
]

# A domain is tried from each of its labels: with any number of labels after one, a long dotted run
# ("cvv.cvv.cvv...", 20 KB: 15 s) was read to its end from each; nine labels (host names rarely
# have more) keep each try short.
URL = r"(?:https?://|www\.|(?<![a-z0-9-])[a-z0-9][a-z0-9-]{2,}(?:\.[a-z0-9-]+){0,8}\.[a-z]{2,6}\b)"
SECRET = r"(?:pins?|pin codes?|access codes?|remote access codes?|\d-digit codes?|codes? (?:we|i) (?:just )?sent you|passwords?|pass ?codes?|pass ?phrases?|one[- ]time (?:pass)?codes?|otps?|verification codes?|security codes?|sign[- ]in codes?|login codes?|cvv2?|cvc|card verification (?:value|code)|ssn|social security numbers?|online banking (?:login|credentials|password)|(?:login|sign[- ]in) (?:details|credentials|information)|credentials|username and password|user ?name and pass ?word|mother'?s maiden name)"
NUMBER = r"(?:(?:full |complete |16[- ]digit |long )?(?:card|credit card|debit card|account|routing|bank account) numbers?|card details|payment details|bank details|banking details|billing details|expiry date)"
SEND = r"(?:send|sending|email|e-mail|text|sms|reply with|respond with|reply to (?:this|the|our) (?:message|email|text|sms)(?: with)?|forward|share|submit|provide|disclose|give|tell|read out|read back|post|upload|dm|message|whatsapp)"

# A secret in any form a caller asks for, a verb that hands it over, and a person to hand it to.
CRED = r"(?:(?:gift )?card (?:codes?|pins?)|passwords?|passcodes?|pass ?phrases?|pins?|pin codes?|cvv2?|cvc|security codes?|verification codes?|one[- ]time (?:pass)?codes?|otps?|authenticator (?:app )?codes?|(?:sms|text|login|sign[- ]in|access|auth|authentication|2fa|mfa|security|confirmation|(?:\d|four|five|six|seven|eight|nine)-digit) codes?|codes? (?:from|in|on) (?:your|the|our|that|this|a) (?:authenticator|text|sms|app|email|message|phone|token|alert)|card numbers?|card details|online banking (?:login|password|credentials|details)|credentials|social security numbers?|ssn)"
HAND = r"(?:give|giving|tell|read|reading|say|send|share|email|text|provide|disclose|submit|hand|forward|spell|repeat|quote|confirm|verify|dictate|pass)"
PERSON = r"(?:(?:(?:to|with|for)\W+)?(?:(?:the|our|a|an|your|any)\W+)?(?:(?:fraud|security|support|verification|customer)\W+)?(?:agents?|callers?|specialists?|representatives?|reps?|officers?|advisors?|advisers?|team|investigators?|person|technicians?|engineers?|couriers?|staff|employees?|analysts?|operators?|whoever (?:calls|answers|asks)|when (?:asked|they ask|prompted))\b|\b(?:them|him|her) (?:the|your|a)\b|\b(?:to|at)\W+(?:\w+\W+){0,4}?(?:\d{5,6}\b|\+?\d[\d -]{9,}\d))"


@dataclass(frozen=True)
class Cue:
    reason: str
    weight: float
    source: str  # the pattern, compiled on first use (:attr:`pattern`)
    negatable: bool = False  # "never share your PIN" is advice, not a request
    triggers: tuple[str, ...] = ()  # the cue is tried only when one of these is in the text

    @property
    def pattern(self) -> re.Pattern[str]:
        return compiled(self.source)


def cue(reason: str, weight: float, pattern: str, *, triggers: str, negatable: bool = False) -> Cue:
    return Cue(reason, weight, pattern, negatable, tuple(triggers.split()))


SECRETS = (
    "pin password passcode passphrase otp code cvv cvc ssn social credential login sign-in maiden username"
)
NUMBERS = "number details expiry"


# A link, an address, a short code. An address starts where its run of characters starts (the
# lookbehind): tried inside the run too, a long run without "@" was re-read from every position.
DESTINATION = rf"(?:{URL}|(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.]+|\b(?:to|at) \d{{5,6}}\b)"
# between two words of one sentence. A word is a run of \w (an apostrophe or a hyphen separates):
# were "-" and "'" both word and gap characters, a run of dashes would split in exponentially many ways
GAP = r"[^\w.!?\n]+"
YOUR = rf"(?:your|ur|the customer'?s|their){GAP}(?:\w+{GAP}){{0,3}}?"
ANY = rf"(?:your|ur|the customer'?s|their|the|this|that|a|any){GAP}(?:\w+{GAP}){{0,3}}?"
