"""Guards: sanitize input, detect injection, pseudonymise personal data, check answers.

Verdicts are data (``{guard, score, reason, action}``), never exceptions: the graph's conditional
edges route on ``action`` (pass / redact / block / escalate, per the crew spec's ``guards`` policy).

One concern per module: :mod:`.sanitize` (Unicode, invisible characters, markup), :mod:`.rules`
(the built-in injection detector), :mod:`.trained` (the trainable one), :mod:`.hub` (a local
classifier), :mod:`.detector` (their interface and factory), :mod:`.pii` and :mod:`.secrets`
(validated personal data and secrets), :mod:`.vault` (reversible placeholders), :mod:`.serde`
(pseudonymising checkpoint serializer), :mod:`.inputs` and :mod:`.output` (the guards themselves),
:mod:`.grounding` (a configured model judges groundedness; imported on its own: it needs the model
factory), :mod:`.disclosure` (tool-returned personal data: shown to the user, stored as placeholders),
:mod:`.settings` (the spec section).
"""

from crewline.nodes.guards.detector import DetectorError, InjectionDetector, load_detector
from crewline.nodes.guards.inputs import InputInspection, check_input, inspect_input, worst_action
from crewline.nodes.guards.output import check_output, groundedness, leaked_pii
from crewline.nodes.guards.pii import PII_TYPES, PiiSpan, detect_pii
from crewline.nodes.guards.sanitize import sanitize
from crewline.nodes.guards.serde import PseudonymisingSerializer, protect_checkpointer
from crewline.nodes.guards.settings import GuardSettings, PiiSettings
from crewline.nodes.guards.vault import Vault, default_vault

__all__ = [
    "PII_TYPES",
    "DetectorError",
    "GuardSettings",
    "InjectionDetector",
    "InputInspection",
    "PiiSettings",
    "PiiSpan",
    "PseudonymisingSerializer",
    "Vault",
    "check_input",
    "check_output",
    "default_vault",
    "detect_pii",
    "groundedness",
    "inspect_input",
    "leaked_pii",
    "load_detector",
    "protect_checkpointer",
    "sanitize",
    "worst_action",
]
