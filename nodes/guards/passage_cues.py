"""The passage guard's cue table: what only matters in text from outside (see
:mod:`crewline.nodes.guards.passages`, which reads it).

Cues are read on folded text (lower case, look-alike letters folded, line breaks kept); each fires
only when one of its trigger substrings is in the text, so a benign passage runs few regexes. Gaps
are bounded runs of words within one sentence, so matching stays linear in the input and a cue never
joins two sentences. A ``negatable`` cue does not fire when a negation or a report of what scammers
do comes in the few words before it ("never share your PIN", "if someone asks you to pay with gift
cards"). The last three patterns are read on the unfolded text (folding would join the lines).

The tables live by what they read: :mod:`~crewline.nodes.guards.passage_cues_reader` (what a text
asks of its reader), :mod:`~crewline.nodes.guards.passage_cues_model` (text written to the model or
about the answering), both in the vocabulary of :mod:`~crewline.nodes.guards.passage_cue_kit`.
"""

from __future__ import annotations

import re

from crewline.nodes.guards import multilingual as ml
from crewline.nodes.guards.passage_cue_kit import Cue, cue
from crewline.nodes.guards.passage_cues_model import ADDRESSED, ANSWERING
from crewline.nodes.guards.passage_cues_reader import ASKED, HANDED

__all__ = [
    "CUES",
    "FORGED_TURN",
    "FORGED_WEIGHT",
    "HIDDEN_STYLE",
    "HIDDEN_WEIGHT",
    "SPACED_OUT",
    "SPACED_WEIGHT",
    "Cue",
]

# Instruction override and prompt extraction, in languages the English rules do not read.
NON_ENGLISH: tuple[Cue, ...] = (
    cue("asks to ignore prior instructions (non-English)", 0.92, ml.OVERRIDE, triggers=ml.OVERRIDE_TRIGGERS),
    cue(
        "asks for the system prompt (non-English)", 0.92, ml.SYSTEM_PROMPT, triggers=ml.SYSTEM_PROMPT_TRIGGERS
    ),
    cue("asks to ignore prior instructions (non-English)", 0.92, ml.CJK_ANY, triggers=" ".join(ml.CJK_HINTS)),
)

# In this order: when cues of equal weight fire together, the first names the passage's reason.
CUES: tuple[Cue, ...] = (*ASKED, *ADDRESSED, *ANSWERING, *HANDED, *NON_ENGLISH)

# A conversation turn forged inside data: a role label opening a line or a sentence, or a chat
# message as JSON. Read on the sanitized text (folding would join the lines).
FORGED_TURN = re.compile(
    r"(?:^|[\n.!?(\[{|\"'=]\s*)(?:#+\s*)?(?:system|assistant|developer|ai|bot|chatbot)\s*(?:message|prompt|note|notice|instructions?)?\s*:\s*\S"
    r"|[\"']role[\"']\s*:\s*[\"'](?:system|assistant|developer|tool|function|ipython)[\"']"
    r"|[\"'](?:(?:assistant|system|ai|model|llm|agent|bot)_?(?:instructions?|notes?|prompts?|directives?|messages?|commands?)"
    r"|function_call|tool_calls?|next_action)[\"']\s*:",
    re.IGNORECASE,
)
FORGED_WEIGHT = 0.6
# Text styled out of a reader's sight, and words spelled out letter by letter (a filter-dodging trick).
HIDDEN_STYLE = re.compile(
    r"<[a-z]+[^<>]{0,200}(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0(?:\.0+)?\b|"
    r"color\s*:\s*(?:#fff(?:fff)?|white|transparent))[^<>]{0,200}>\s*[^<\s][^<]{10,}",
    re.IGNORECASE,
)
HIDDEN_WEIGHT = 0.6  # text styled so a reader does not see it is written for something else to read
SPACED_OUT = re.compile(r"\b(?:[a-z] {1,2}){11,}[a-z]\b", re.IGNORECASE)  # 12+ letters spaced out
SPACED_WEIGHT = 0.6  # no article spells its words letter by letter; a filter-dodging attack does
