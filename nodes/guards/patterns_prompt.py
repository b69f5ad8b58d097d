# ruff: noqa: E501  (patterns read best on one line each)
"""More rules on the model's own instructions and persona, in the ways attackers phrase them.

Overrides that declare the orders void instead of asking to ignore them ("everything above no longer
applies", "your guidelines are suspended"); extraction that asks what the model was told or what
came before the user's first message; persona jailbreaks that free the model of its training (the
grandmother exploit, "a version of you that was never given safety training", "the opposite of
yourself"); a check or a safety layer declared off; and a request for a financial crime, which
weighs little alone (a customer may ask how laundering is detected) but adds to a persona framing.
Patterns read the folded text (see :mod:`crewline.nodes.guards.rule_kit`); all gaps are bounded.
"""

from __future__ import annotations

from crewline.nodes.guards.rule_kit import Rule
from crewline.nodes.guards.rule_kit import make_rule as _rule

__all__ = ["PROMPT_RULES"]

_ORDERS = r"(?:instructions|rules|guidelines|policies|directives|orders|restrictions|guard ?rails|filters|programming|limits|limitations|constraints|safeguards|training|prompt|system prompt)"
_VOID = r"(?:void|null|suspended|lifted|revoked|obsolete|outdated|cancel(?:l)?ed|removed|deleted|disabled|gone|no longer (?:valid|in effect|active|apply|applies))"
_CHECKS = r"(?:approvals?|verification|reviews?|confirmation|checks?|authentication|sign-?off|2fa|two-factor|identity checks?|fraud checks?|kyc)"
_SAFETY = r"(?:(?:safety|content) (?:rules|policies|guidelines)|content polic(?:y|ies)|safety|safe mode|safety (?:layer|checks?|filters?|settings?|systems?|protocols?|measures)|(?:compliance|security) (?:checks|protocols?)|filters?|content filters?|guard ?rails?|moderation|guards?|restrictions)"
_CRIME = r"(?:launder(?:ing)? (?:money|funds|cash)|launder\b|skim (?:cards?|card data)|clone (?:a |the )?(?:card|cards)|counterfeit|forge (?:a |the )?(?:cheque|check|signature|document)|steal|drain (?:a |the |someone'?s |his |her )?(?:joint )?(?:account|accounts)|hack|phish|cash (?:a )?stolen|open (?:an? )?(?:account|card) (?:with|using) (?:a )?(?:fake|false|stolen)|get (?:past|around) (?:kyc|aml|the fraud|fraud|identity)|bypass (?:kyc|aml|two-factor|2fa|the fraud|fraud|identity)|hide (?:money|income|funds) from|evade (?:tax|taxes|aml|kyc))"

PROMPT_RULES: tuple[Rule, ...] = (
    # -- the orders declared void ----------------------------------------------------------------------
    # (not the writer's own words corrected: "the instructions in my earlier email were wrong")
    _rule(
        "override",
        "declares what came before void",
        0.85,
        "longer obsolete void null invalid fake test cancelled canceled outdated irrelevant revoked suspended wrong attacker apply matter count applies valid matters counts stands",
        r"\b(?:everything|anything|all|whatever|what|the text|the instructions|the rules|the prompt|that)\b(?:(?!\b(?:my|i|me)\b)[^.!?\n]){0,40}?\b(?:above|before|prior|previous(?:ly)?|preceding|earlier)\b[^.!?\n]{0,40}?\b(?:no longer (?:applies|apply|valid|matters?|counts?|stands?)|(?:is|are|was|were) (?:now )?(?:obsolete|void|null|invalid|fake|a test|cancel(?:l)?ed|outdated|irrelevant|revoked|suspended|wrong|written by (?:an|the) attacker)|(?:doesn'?t|don'?t|does not|do not) (?:apply|matter|count))\b",
    ),
    _rule(
        "override",
        "declares the model's orders void",
        0.8,
        "void null suspended lifted revoked obsolete outdated cancelled canceled removed deleted disabled gone longer apply exist matter",
        rf"\b(?:your|the|all|all your|those|these|its)(?: (?:operating|original|initial|previous|prior|old|current|system|safety|content|usual))? {_ORDERS}\b(?: you (?:were|have been) (?:given|trained with|set up with|configured with))? (?:(?:is|are|were|have been|has been) (?:now |all |temporarily )?{_VOID}|no longer (?:apply|exist|matter))\b|\bconsider (?:them|it|those|these|your {_ORDERS}) {_VOID}\b",
    ),
    # -- extraction --------------------------------------------------------------------------------------
    _rule(
        "extraction",
        "asks what the model was told",
        0.8,
        "told given instructed programmed configured trained tell",
        r"\b(?:what|whatever|which (?:rules|instructions|orders)|every (?:rule|instruction|guideline|directive)|everything|anything)\b(?:[^\w.!?\n]+\w+){0,8}?[^\w.!?\n]+(?:you (?:were|have been|'ve been|got) (?:told|given|instructed|programmed|configured|trained)|were you (?:told|given|instructed|programmed)|(?<!\bi )(?:told|instructed|ordered|programmed|configured) you|tell you (?:to|not to))\b",
    ),
    _rule(
        "extraction",
        "asks for what came before the user's message",
        0.85,
        "before preceding above prior start beginning top first",
        r"\b(?:before|preceding|above|prior to) (?:my|this|the user'?s?|our) (?:first )?(?:message|question|input|prompt|one)\b|\bbefore (?:this|our|the) (?:conversation|chat|session) (?:started|began)\b|\b(?:start|beginning|top) of (?:this|the|our) (?:chat|conversation|session|context)\b|\bfirst (?:\d+|few|hundred) (?:words|tokens|lines|characters|sentences) (?:you|of your|of the (?:conversation|prompt))\b|\b(?:first|very first) (?:message|words|lines) (?:in|of) your\b",
    ),
    # -- persona jailbreaks ------------------------------------------------------------------------------
    _rule(
        "persona",
        "the grandmother exploit",
        0.8,
        "grandma grandmother grandpa grandfather granny nana grandmom granddad",
        r"\b(?:act|pretend|behave|play|roleplay|role-play|be|impersonate)\b(?:[^\w.!?\n]+\w+){0,3}?[^\w.!?\n]+(?:my|a) (?:late |dead |deceased |dear |sweet |beloved )?(?:grand(?:ma|mother|pa|father|mom|dad|mum)|nana|granny)\b[^.!?]{0,160}?\b(?:used to|would)\b",
    ),
    _rule(
        "persona",
        "describes a model freed of its training",
        0.7,
        "never not escaped broken freed liberated released unshackled",
        r"\b(?:(?:never|not) (?:been )?(?:given|had|received|trained with) (?:any )?(?:safety|ethical|alignment|content) (?:training|guidelines|rules|filters)|(?:escaped|broken free (?:of|from)|freed from|liberated from|released from|unshackled from) (?:all |any |its |your |their |the )(?:guidelines|rules|restrictions|limits|filters|programming|training|shackles|chains))\b",
    ),
    _rule(
        "persona",
        "asks for what the model would refuse",
        0.75,
        "refuse decline allowed say opposite",
        r"\b(?:whatever|anything|everything|things) you(?:'d| would)? (?:normally |usually |otherwise |typically )?(?:would )?(?:refuse|decline|not be allowed|aren'?t allowed|are not allowed|can'?t say)\b|\bopposite of (?:yourself|your (?:usual )?self|what you (?:would|normally))\b",
    ),
    _rule(
        "persona",
        "tells the model it is no longer itself",
        0.6,
        "longer anymore",
        r"\byou(?:'re| are) no longer (?:an? |the |just )?(?:[\w-]+ ){0,2}?(?:assistant|ai|bot|chatbot|model|agent|bound|restricted|limited|helper)\b|\byou(?:'re| are) not (?:an? )?(?:ai|assistant|chatbot|language model) any ?more\b",
    ),
    _rule(
        "persona",
        "casts the model as a villain",
        0.5,
        "evil criminal corrupt rogue malicious unethical amoral hacker crooked dishonest shady",
        r"\b(?:act(?:ing)? as|pretend(?:ing)? (?:to be|you(?:'re| are))|role-?play(?:ing)? as|you(?:'re| are)(?: now)?|become|play(?:ing)?|your character is|imagine (?:you(?:'re| are)|being)|simulate)\b(?:[^\w.!?\n]+\w+){0,3}?[^\w.!?\n]+(?:evil|criminal|corrupt|rogue|malicious|unethical|amoral|hacker|crooked|dishonest|shady)\b",
    ),
    _rule(
        "persona",
        "asks how to commit a financial crime",
        0.45,
        "launder laundering skim clone counterfeit forge steal drain hack phish stolen kyc aml hide evade bypass",
        rf"\bhow (?:to|do i|can i|would (?:i|you|someone|one)|could (?:i|you|someone)|one could|someone could)\b(?:[^\w.!?\n]+\w+){{0,4}}?[^\w.!?\n]+{_CRIME}\b",
    ),
    _rule(
        "persona",
        "forbids refusals",
        0.75,
        "never always",
        r"\b(?:never|won'?t ever) (?:say|answer|reply) no\b|\balways say yes\b",
    ),
    # -- checks and safety declared off ------------------------------------------------------------------
    _rule(
        "safety",
        "declares a check no longer needed",
        0.6,
        "approval approvals verification review reviews confirmation check checks authentication sign signoff kyc two factor identity fraud",
        rf"\b(?:no longer|not|don'?t|do not|doesn'?t|does not) (?:need|needs|require|requires|required|needed)\b(?: an?| any| the)? {_CHECKS}\b|\b{_CHECKS} (?:is|are) (?:no longer|not) (?:required|needed|necessary)\b",
        statements=True,
    ),
    _rule(
        "safety",
        "declares safety off",
        0.8,
        "off disabled deactivated suspended paused removed lifted bypassed",
        rf"\b{_SAFETY}(?: (?:is|are|have been|has been|now))?(?: now)?(?: ?: ?| )(?:off|disabled|deactivated|suspended|paused|removed|lifted|turned off|switched off|bypassed)\b",
        statements=True,
    ),
)
