# ruff: noqa: E501  (patterns read best on one line each)
"""Forged chat roles and template tokens, safety switch-off, output forcing and obfuscation: the cues
an attack leaves in a message's form rather than in an order to ignore or reveal something.

Linear patterns over the folded text (see :mod:`.patterns`).
"""

from __future__ import annotations

from crewline.nodes.guards.rule_kit import Rule
from crewline.nodes.guards.rule_kit import make_rule as _rule

__all__ = ["FORGERY_RULES"]

FORGERY_RULES: tuple[Rule, ...] = (
    _rule(
        "forgery",
        "forges chat-template tokens",
        0.9,
        "",
        r"<\|?(?:im ?start|im ?end|system|endoftext|user|assistant|eot ?id|start ?header ?id|begin ?of ?text)\|?>|<(?:start|end) ?of ?turn>|\[/?inst\]|<</?sys>>",
    ),
    _rule(
        "forgery",
        "forges a chat role",
        0.55,
        "system assistant developer",
        r"(?:^|\n) ?(?:#+ ?)?(?:system|assistant|developer) ?(?:message|prompt)? ?:",
    ),
    _rule(
        "forgery",
        "forges the end of the prompt",
        0.75,
        "end",
        r"(?:%%%|###|===|\*\*\*|---|\[) ?end\b|\bend (?:of )?(?:the )?(?:prompt|instructions|user input|input|ambiguity|login attempt|system prompt|(?:customer|user)'?s? (?:message|input|request))\b",
    ),
    _rule(
        "forgery",
        "forges an access decision",
        0.85,
        "access granted denied",
        r"\baccess (?:granted|grant|denied)\b|\bgranted access\b",
    ),
    _rule(
        "forgery",
        "forges a system notice",
        0.6,
        "user left chat system admin developer debug",
        r"\[(?:user left|system|admin|developer|debug)[^\]]{0,60}\]",
    ),
    # -- safety switch-off and output forcing ------------------------------------------------------
    _rule(
        "safety",
        "asks to disable safety",
        0.8,
        "bypass disable off deactivate remove circumvent evade",
        r"(?:(?<=\bwhy not )|(?<!\bnever )(?<!\bnot )(?<!n't ))\b(?:bypass|disable|turn(?:ing)? off|switch(?:ing)? off|deactivate|remove|circumvent|evade|get around|jailbreak)\b\W+@GAP@(?:safety|safeguards?|filters?|guard ?rails?|guards?|moderation|content polic(?:y|ies)|restrictions|censorship|ethics|alignment|limitations)\b(?! (?:limits?|deposit|net|box|code|lock)\b)(?! (?:on|in|for|of|from) (?:our|my|file|upload|size|the account|uploads|downloads|transfers|payments|withdrawals|cards?|contactless)\b)",
    ),
    _rule(
        "safety",
        "declares safety off",
        0.8,
        "safe mode off",
        r"\bsafe(?:ty)? ?mode (?:off|disabled)\b|\bfilters? (?:off|disabled)\b",
    ),
    _rule(
        "safety",
        "claims developer or admin authority",
        0.3,
        "override administrator admin developer",
        r"\b(?:administrator|admin|developer|root|openai) (?:override|access|command|privileges?)\b|\bi(?:'m| am) (?:a|the|your) (?:developer|creator|administrator|admin)\b",
    ),
    _rule(
        "forcing",
        "forces the reply's opening words",
        0.4,
        "begin start reply response answer",
        r"\b(?:begin|start|prefix|preface|open) (?:your|the|each|every) (?:reply|response|answer|output|message)s? with\b",
    ),
    _rule(
        "forcing",
        "forces an exact output",
        0.45,
        "say print output only reply respond type write confirm",
        r"\b(?:say|print|output|write|respond with|reply with) (?:only|exactly|just)\b|\b(?:just|only) (?:say|print|output)\b|\b(?:say|print|output|write|reply|respond|type)(?: only)? (?:with )?(?:only )?the (?:word|string|phrase)\b|\bconfirm (?:by|with) (?:saying |replying |typing |writing |responding )?(?:with )?[\"']",
    ),
    _rule(
        "forcing",
        "demands obedience",
        0.45,
        "obey comply must always take listen follow only",
        r"\bcomply with (?:all|every|any) (?:requests?|instructions|orders|commands|demands)\b|\byou (?:must|will|shall) (?:always )?(?:obey|comply|answer|respond|follow)\b|\balways (?:answer|comply|obey)\b|\b(?:obey|take orders from|listen to) (?:only )?(?:me|mine|what follows)\b|\bfollow (?:only )?(?:mine|what follows|these lines)\b|\bonly (?:my|these) (?:instructions|orders|rules|commands) (?:count|matter|apply)\b|\btake orders only from\b",
    ),
    _rule(
        "obfuscation",
        "asks to smuggle the prompt through an encoding",
        0.6,
        "base64 rot13 hex morse binary leetspeak pseudocode python emoji code",
        r"\b(?:base64|rot13|rot-13|hexadecimal|morse|leetspeak)\b.{0,60}\b(?:prompt|instructions|rules|configuration|message)\b|\b(?:binary|pseudocode|pseudo-code|python|emoji|code block)\b.{0,60}\b(?:your|its) (?:\w+ ){0,2}?(?:prompt|instructions|rules|configuration|system message)\b",
    ),
    _rule(
        "obfuscation",
        "placeholder for a smuggled request",
        0.45,
        "prompt insert",
        r"\[(?:your|insert|insert your) (?:prompt|request|question)[^\]]{0,20}\]|\{prompt\}",
    ),
)
