"""The built-in detector's rule table: attack families as linear patterns with trigger words.

Families: instruction override, prompt extraction, persona jailbreaks, forged chat roles and
template tokens, safety switch-off, output forcing, obfuscation. Patterns read the *folded* text
(:func:`crewline.nodes.guards.rules.fold`: lower case, look-alike letters folded, ``_`` as a space) unless
``cased``. No pattern nests unbounded quantifiers: gaps are ``.{0,N}`` or ``(?:\\w+\\W+){0,N}``
between disjoint classes, so matching stays linear in the input (tested on adversarial strings).
"""

from __future__ import annotations

from crewline.nodes.guards.injection_structural import STRUCTURAL_RULES
from crewline.nodes.guards.patterns_addressed import ADDRESSED_RULES
from crewline.nodes.guards.patterns_crew import CREW_RULES
from crewline.nodes.guards.patterns_exfil import EXFIL_RULES
from crewline.nodes.guards.patterns_extraction import EXTRACTION_RULES
from crewline.nodes.guards.patterns_forgery import FORGERY_RULES
from crewline.nodes.guards.patterns_indirect import INDIRECT_RULES
from crewline.nodes.guards.patterns_override import OVERRIDE_RULES
from crewline.nodes.guards.patterns_persona import PERSONA_RULES
from crewline.nodes.guards.patterns_prompt import PROMPT_RULES
from crewline.nodes.guards.patterns_smuggled import SMUGGLED_RULES
from crewline.nodes.guards.rule_kit import Rule, split_rule

__all__ = ["BRANCHES", "RULES", "Rule"]

# the families in the order a verdict's ties are settled in (the first of two equal weights names it)
RULES: tuple[Rule, ...] = (
    OVERRIDE_RULES
    + EXTRACTION_RULES
    + PERSONA_RULES
    + FORGERY_RULES
    + PROMPT_RULES
    + CREW_RULES
    + INDIRECT_RULES
    + ADDRESSED_RULES
    + SMUGGLED_RULES
    + EXFIL_RULES
    + STRUCTURAL_RULES
)
# what the detector runs: each rule cut at its top-level alternatives (each branch behind its own
# literal gate); a branch that fires stands for its whole rule, so RULES stays the list of rules a
# verdict, a quoted-example check and a trained detector's feature column refer to
BRANCHES: tuple[Rule, ...] = tuple(branch for rule in RULES for branch in split_rule(rule))
