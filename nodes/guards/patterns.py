# ruff: noqa: E501  (patterns read best on one line each)
"""The built-in detector's rule table: attack families as linear patterns with trigger words.

Families: instruction override, prompt extraction, persona jailbreaks, forged chat roles and
template tokens, safety switch-off, output forcing, obfuscation. Patterns read the *folded* text
(:func:`crewline.nodes.guards.rules.fold`: lower case, look-alike letters folded, ``_`` as a space) unless
``cased``. No pattern nests unbounded quantifiers: gaps are ``.{0,N}`` or ``(?:\\w+\\W+){0,N}``
between disjoint classes, so matching stays linear in the input (tested on adversarial strings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["RULES", "Rule"]

# Up to N whole words between two anchors, within one sentence: "type your name. Password resets
# ..." is two sentences, not a request for the password.
_GAP = r"(?:[\w'-]+[^\w.!?\n]+){0,%d}"


@dataclass(frozen=True)
class Rule:
    family: str
    reason: str
    weight: float
    triggers: frozenset[str]  # the rule runs only if one of these words occurs (empty: always)
    pattern: re.Pattern[str]
    cased: bool = False  # matched against the original text (e.g. "DAN" the persona, not "Dan")


def _rule(
    family: str, reason: str, weight: float, triggers: str, pattern: str, *, cased: bool = False
) -> Rule:
    compiled = re.compile(pattern.replace("@GAP@", _GAP % 4))
    return Rule(family, reason, weight, frozenset(triggers.split()), compiled, cased)


_OVERRIDE_VERB = r"(?:ignore|ignoring|disregard|disregarding|forget|override|overrule|bypass|skip|neglect|abandon|discard|drop|erase|delete|nevermind|scrap|cancel|unlearn)"
_PRIOR = r"(?:previous|prior|above|earlier|preceding|former|old|initial|original|system|all|any|every|your|the|these|those|following|below|other|developer|openai)"
_ORDERS = r"(?:instructions?|instruction set|rules|prompts?|directions?|guidelines|directives?|commands?|orders|constraints|restrictions|programming|policies|polic(?:y|ies)|training|guidance|settings|context|conversation|messages?|text|prompting|content filters?|filters?|limitations)"
_SECRET_TEXT = r"(?:prompt|pre-?prompt|instructions?|system message|rule ?set|directives?|configuration|initial message|context window|hidden text|password|pass ?phrase|access code|secret)"
_REVEAL = r"(?:repeat|recite|print|reveal|show|display|output|outputs|dump|leak|expose|share|list|relay|give|tell|write|type|translate|summari[sz]e|paraphrase|format|firmat|encode|spell|copy|echo|provide|disclose|return|convert|rewrite|state|tl;?dr|what (?:is|are|were|was))"

RULES: tuple[Rule, ...] = (
    # -- instruction override -------------------------------------------------------------------
    _rule(
        "override",
        "asks to ignore prior instructions",
        0.92,
        "ignore ignoring disregard disregarding forget override overrule bypass skip neglect abandon discard drop erase delete nevermind scrap cancel unlearn",
        rf"\b{_OVERRIDE_VERB}\b\W+@GAP@{_PRIOR}\b\W+(?:[\w'-]+\W+){{0,3}}{_ORDERS}\b",
    ),
    _rule(
        "override",
        "asks to ignore what came before",
        0.85,
        "ignore disregard forget",
        r"\b(?:ignore|disregard|forget) (?:about )?(?:all |everything |anything )?(?:that |what |you (?:were|have been) told |from |of )?(?:above|before|previous|prior|said|earlier)\b",
    ),
    _rule(
        "override",
        "declares new instructions",
        0.75,
        "new instructions instruction task directive rules",
        r"\bnew (?:instructions?|task|directive|rules|objective|system prompt)\b ?(?:is|are)? ?:",
    ),
    _rule(
        "override",
        "declares new instructions",
        0.6,
        "instructions instruction",
        r"(?:^|[\n.!] ?)(?:pre-?instructions?|additional instructions?|instructions?|important instructions?) ?:",
    ),
    _rule(
        "override",
        "claims a changed situation",
        0.6,
        "situation changed upgrade updated",
        r"\b(?:the situation has changed|you have been (?:given|updated|upgraded)|system (?:upgrade|update|override))\b",
    ),
    _rule(
        "override",
        "asks to keep instructions secret from the user",
        0.5,
        "instructions",
        r"\b(?:keep|hold) (?:your |the )?(?:previous |prior )?instructions\b",
    ),
    _rule(
        "override",
        "tells the model its rules no longer apply",
        0.8,
        "rules longer apply",
        r"\b(?:rules|restrictions|guidelines|instructions|policies) (?:no longer|don'?t|do not|won'?t|will not) (?:apply|matter|bind)\b",
    ),
    # -- prompt extraction ---------------------------------------------------------------------
    _rule(
        "extraction",
        "asks for the system prompt",
        0.9,
        "prompt prompts instructions message rules",
        rf"\b{_REVEAL}\b\W+@GAP@(?:your|the|my|its|all|initial|original|hidden|secret|system|pre|previous|above|prior|full|exact|entire|complete)\b[^\w.!?\n]*(?:[\w'-]+[^\w.!?\n]+){{0,3}}{_SECRET_TEXT}\b",
    ),
    _rule(
        "extraction",
        "asks for the system prompt",
        0.9,
        "system prompt message systemprompt instructions",
        r"\bsystem[ _-]?(?:prompt|message|instructions)\b|\bsystemprompt\b",
    ),
    _rule(
        "extraction",
        "asks for the model's rules",
        0.85,
        "rules ruleset guidelines",
        rf"\b{_REVEAL}\b\W+@GAP@your (?:[\w'-]+\W+){{0,2}}(?:rules|rule ?set|guidelines)\b|\b(?:rules|guidelines) you (?:were given|follow|must follow|have been given)\b",
    ),
    _rule(
        "extraction",
        "asks for the system configuration",
        0.4,
        "system configuration config parameters",
        r"\bsystem(?:'s)? (?:configuration|config|parameters)\b",
    ),
    _rule(
        "extraction",
        "asks for the text above",
        0.85,
        "above previous preceding prior earlier far verbatim",
        r"\b(?:above|previous|preceding|prior|earlier) (?:words|text|lines|sentences|messages?|conversation|input)\b|\b(?:prompt|instructions|rules|conversation|text|input|words) (?:so far|above|verbatim)\b",
    ),
    _rule(
        "extraction",
        "asks what the model was told",
        0.8,
        "given told received beginning initially",
        r"\b(?:instructions|prompt|text|rules|message) you (?:were|have been|got|received) (?:given|told|provided)?|\b(?:at|from) the (?:very )?(?:beginning|start) of (?:this|the|our) (?:conversation|chat|prompt)\b|\byou were given initially\b",
    ),
    _rule(
        "extraction",
        "asks for hidden reasoning or configuration",
        0.6,
        "hidden internal configuration initial",
        r"\b(?:hidden|internal|initial|secret) (?:reasoning|configuration|instructions|rules|prompt|guidelines|parameters)\b",
    ),
    _rule(
        "extraction",
        "asks for the exact input",
        0.6,
        "exact input verbatim",
        r"\b(?:print|repeat|output|show|copy|write|return) (?:the |your |my )?(?:exact|full|entire|original|raw|complete) (?:input|prompt|text|instructions)\b",
    ),
    _rule(
        "extraction",
        "asks for a secret password",
        0.4,
        "password passphrase phrase code",
        r"\b(?:the|your|correct|secret) (?:password|pass ?phrase|passcode|access code)\b",
    ),
    _rule(
        "extraction",
        "asks for a secret password",
        0.6,
        "password passphrase phrase",
        r"\b(?:what is|what's|tell me|give me|reveal|say|print) (?:the|your) (?:secret )?(?:password|pass ?phrase)\b|\bcorrect (?:password|pass ?phrase)\b",
    ),
    # -- persona jailbreaks --------------------------------------------------------------------
    _rule(
        "persona",
        "names a jailbreak",
        0.35,
        "jailbreak jailbroken jailbreaking antigpt betterdan",
        r"\b(?:jailbreak|jailbroken|jailbreaking|antigpt|anti-gpt|betterdan|evil ?bot|devil ?gpt)\b",
    ),
    _rule(
        "persona",
        "names a jailbreak persona",
        0.6,
        "dan stan dude aim ucar",
        r"\b(?:DAN|STAN|DUDE|AIM|UCAR)\b(?!['-])",
        cased=True,
    ),
    _rule("persona", "role-play jailbreak", 0.95, "anything now", r"\bdo anything now\b"),
    _rule(
        "persona",
        "switches on a developer mode",
        0.85,
        "mode enabled",
        r"\b(?:developer|dev|debug|debugging|maintenance|admin|administrator|god|sudo|unrestricted|unfiltered|evil|chaos|opposite|jailbreak|dan) ?mode\b",
    ),
    _rule(
        "persona",
        "describes itself without limits",
        0.3,
        "unfiltered uncensored unrestricted amoral unethical unbound unlimited limitless unchained unhinged lawless",
        r"\b(?:unfiltered|uncensored|unrestricted|amoral|unethical|unbound|unlimited|limitless|unchained|unhinged|lawless)\b",
    ),
    _rule(
        "persona",
        "removes the model's limits",
        0.6,
        "without free no not bound restrictions",
        r"\b(?:without|free (?:of|from)|no|not (?:bound|restricted|restrained|limited|constrained|held back|governed) by|none of|regardless of|doesn'?t (?:care|follow)|does not (?:care|follow)|don'?t have to follow|ignores?)\b\W+@GAP@(?:restrictions|filters?|filtering|censorship|limits|limitations|boundaries|rules|morals?|morality|ethics|ethical guidelines|guidelines|policies|content polic(?:y|ies)|safeguards|constraints|prohibitions|programming)\b",
    ),
    _rule(
        "persona",
        "asks to break the rules",
        0.45,
        "break breaks breaking",
        r"\bbreak(?:s|ing)? (?:the |all |any |ai |openai'?s? |your |its |those )?(?:rules|guidelines|policies|restrictions)\b",
    ),
    _rule(
        "persona",
        "asks to ignore ethics or law",
        0.5,
        "regardless irrespective",
        r"\b(?:regardless|irrespective) of\b\W+@GAP@(?:ethic(?:s|al)|legal(?:ity)?|moral(?:s|ity)?|laws?|consequences|harm)\b",
    ),
    _rule(
        "persona",
        "forbids refusals",
        0.75,
        "refuse refusal refusing never cannot can't decline",
        r"\b(?:never|not|cannot|can'?t|can ?not|won'?t|will not|must not|mustn'?t|unable to) (?:ever )?(?:refuse|decline|deny|reject)\b|\bno (?:refusals?|warnings?|disclaimers?)\b|\bwithout (?:any )?(?:warnings?|disclaimers?)\b",
    ),
    _rule(
        "persona",
        "asks to stay in character",
        0.5,
        "character persona",
        r"\b(?:stay|remain|staying|break(?:ing)?|out of|never break|keep up the) (?:in )?character\b|\bpersona ?=",
    ),
    _rule(
        "persona",
        "invokes the provider's content policy",
        0.6,
        "openai policy policies content",
        r"\b(?:openai|content) (?:content )?polic(?:y|ies)\b|\bopenai'?s? (?:rules|guidelines|restrictions)\b",
    ),
    _rule(
        "persona",
        "asks for two answers, one unfiltered",
        0.6,
        "responses answers paragraphs",
        r"\btwo (?:different |separate |distinct )?(?:responses|answers|paragraphs|outputs|styles|ways|personalities)\b|\b(?:respond|answer|reply) as both\b|\[🔒|\[🔓|\(🔒|\(🔓",
    ),
    _rule(
        "persona",
        "redefines the model as another AI",
        0.3,
        "you now act pretend roleplay simulate",
        r"\b(?:you are now|you're now|from now on,? you|you will now|act as|pretend (?:to be|you are|that you)|roleplay as|role-?play as|simulate|you will be|take up the persona|respond as|answer as)\b\W+@GAP@(?:ai|gpt|chatgpt|model|assistant|bot|chatbot|llm|machine|system)\b",
    ),
    _rule(
        "persona",
        "assigns the model a new identity",
        0.45,
        "now name called role persona going",
        r"\b(?:you are now|you're now|from now on,? you(?:'re| are| will be)|your (?:new )?name is now|you now go by|you will (?:now )?(?:take on|assume|adopt|play) the (?:role|persona|identity)|you are going to (?:act|pretend|be|play)|you're going to (?:act|pretend|be|play)|take (?:up|on) the (?:persona|role) of)\b",
    ),
    _rule(
        "persona",
        "claims the model can do anything",
        0.45,
        "anything everything",
        r"\b(?:can|could|will|able to) (?:do|say|write|generate|answer) (?:anything|everything)\b|\banything and everything\b",
    ),
    _rule(
        "persona",
        "addresses the model as ChatGPT",
        0.25,
        "chatgpt gpt",
        r"\b(?:chat ?gpt|gpt-?[345](?:\.5)?)\b",
    ),
    _rule(
        "persona",
        "asks for NSFW or profane output",
        0.3,
        "nsfw explicit swear swearing profanity",
        r"\b(?:nsfw|sexually explicit|swear(?:ing)? (?:a lot|constantly|in every)|use profanity)\b",
    ),
    _rule(
        "persona",
        "hands the model a new identity for the rest of the chat",
        0.3,
        "now on rest",
        r"\bfrom now on\b|\bfor the rest of (?:this|the|our) conversation\b",
    ),
    _rule(
        "persona",
        "asks for harmful content without ethics",
        0.5,
        "illegal harmful offensive",
        r"\b(?:illegal|harmful|offensive|explicit|dangerous)\b.{0,60}\b(?:content|activities|requests?|answers?|anything)\b",
    ),
    # -- forged roles and template tokens --------------------------------------------------------
    _rule(
        "forgery",
        "forges chat-template tokens",
        0.9,
        "",
        r"<\|?(?:im ?start|im ?end|system|endoftext|user|assistant|eot ?id|start ?header ?id)\|?>|\[/?inst\]|<</?sys>>",
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
        r"(?:%%%|###|===|\*\*\*|---|\[) ?end\b|\bend (?:of )?(?:the )?(?:prompt|instructions|user input|input|ambiguity|login attempt|system prompt)\b",
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
        "user left chat",
        r"\[(?:user left|system|admin|developer|debug)[^\]]{0,60}\]",
    ),
    # -- safety switch-off and output forcing ------------------------------------------------------
    _rule(
        "safety",
        "asks to disable safety",
        0.8,
        "bypass disable off deactivate remove circumvent evade",
        r"\b(?:bypass|disable|turn(?:ing)? off|switch(?:ing)? off|deactivate|remove|circumvent|evade|get around|jailbreak)\b\W+@GAP@(?:safety|safeguards?|filters?|guard ?rails?|guards?|moderation|content polic(?:y|ies)|restrictions|censorship|ethics|alignment|limitations)\b",
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
        0.6,
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
        "say print output only",
        r"\b(?:say|print|output|write|respond with|reply with) (?:only|exactly|just)\b|\b(?:just|only) (?:say|print|output)\b",
    ),
    _rule(
        "forcing",
        "demands obedience",
        0.45,
        "obey comply must always",
        r"\byou (?:must|will|shall) (?:always )?(?:obey|comply|answer|respond|follow)\b|\balways (?:answer|comply|obey)\b",
    ),
    _rule(
        "obfuscation",
        "asks to smuggle the prompt through an encoding",
        0.6,
        "base64 rot13 hex morse binary leetspeak pseudocode python emoji code",
        r"\b(?:base64|rot13|rot-13|hexadecimal|morse|binary|leetspeak|pseudocode|pseudo-code|python|emoji|code block)\b.{0,60}\b(?:prompt|instructions|rules|configuration|message)\b",
    ),
    _rule(
        "obfuscation",
        "placeholder for a smuggled request",
        0.45,
        "prompt insert",
        r"\[(?:your|insert|insert your) (?:prompt|request|question)[^\]]{0,20}\]|\{prompt\}",
    ),
)
