"""Instruction override and system-prompt requests in the languages attackers switch to.

"Ignore all previous instructions" is as effective in Spanish, French, German, Portuguese, Italian,
Dutch, Polish, Russian, Swedish or Turkish, and an English keyword filter reads none of them. An
override here is a verb of ignoring or forgetting followed, within the sentence, by the model's
*orders* (instructions, rules, guidelines, directives): a customer's "ignora mi mensaje anterior"
(ignore my previous message) or "vergessen Sie meine letzte Nachricht" names no orders and is not
one. Both the input detector's rules and the passage guard's cues read these patterns.

Patterns read the folded text (lower case, look-alike letters folded; see
:data:`crewline.nodes.guards.normalise.CONFUSABLES`): Cyrillic words are written here as they are
and folded when compiled, so "инструкции" matches the folded "инcтpyкции".
"""

from __future__ import annotations

from crewline.nodes.guards.normalise import CONFUSABLES

__all__ = [
    "ORDER_WORDS",
    "OVERRIDE",
    "OVERRIDE_TRIGGERS",
    "PROMPT_WORDS",
    "SYSTEM_PROMPT",
    "SYSTEM_PROMPT_TRIGGERS",
]

# word lists are folded as the text is (Cyrillic look-alikes become Latin); the regex syntax is not
_IGNORE = (
    # fr, es, de, it, pt, nl, pl, ru, sv, tr
    "ignore[sz]?|ignorer|oublie[sz]?|oublier|ne tiens? plus compte d[ue]|ne tenez plus compte d[ue]|"
    "ignora|ignoren?|ignorar|olvida|olvide|olvidar|olvídate|olvidate|olvídese|"
    "ignoriere|ignorieren|ignoriert|vergiss|vergessen|vergesst|missachte|"
    "ignori|dimentica|dimenticare|dimenticate|"
    "esqueça|esquece|esquecer|esqueçam|desconsidere|desconsidera|desconsiderar|"
    "negeer|vergeet|negeren|"
    "zignoruj|ignoruj|zapomnij|"
    "игнорируй|игнорируйте|игнорировать|забудь|забудьте|"
    "ignorera|glöm|"
    "yok say|unut|unutun"
).translate(CONFUSABLES)
_ORDERS = (
    "instructions?|consignes?|directives?|règles|regles|"
    "instrucciones|indicaciones|reglas|directrices|"
    "anweisungen|anleitungen|regeln|vorgaben|richtlinien|"
    "istruzioni|regole|direttive|"
    "instruções|instrucoes|regras|diretrizes|"
    "instructies|regels|opdrachten|richtlijnen|"
    "instrukcje|instrukcji|zasady|reguły|"
    "инструкции|инструкций|правила|указания|"
    "instruktioner|regler|"
    "talimatları|talimatlari|talimatlar|kuralları|kurallari"
).translate(CONFUSABLES)
_NAMES_OF_THE_PROMPT = (
    "prompt (?:système|systeme|du système|de système|del sistema|de sistema|do sistema|di sistema)"
    "|system-?prompt|systemprompts?|systeemprompt|systemanweisungen|systeminstruktioner"
    "|instructions? (?:système|systeme|initiales|cachées)|instrucciones (?:del sistema|iniciales|ocultas)"
    "|(?:ursprünglichen|versteckten|geheimen) anweisungen|istruzioni (?:di sistema|iniziali|nascoste)"
    "|instruções (?:do sistema|iniciais|ocultas)|(?:oorspronkelijke|verborgen) (?:instructies|regels)"
    "|prompt systemowy|promptu systemowego|системный промпт|системные инструкции|sistem istemi(?:ni)?"
    "|(?:règles|reglas|regeln|regole|regras) (?:cachées|ocultas|secretas|versteckten|nascoste|secrètes)"
).translate(CONFUSABLES)
_WORDS_OF_ONE_SENTENCE = r"(?:[^\w.!?\n]+\w+){0,5}?[^\w.!?\n]+"

OVERRIDE = (
    rf"\b(?:{_IGNORE})\b{_WORDS_OF_ONE_SENTENCE}(?:{_ORDERS})\b"
    # Turkish puts the verb last: "önceki tüm talimatları yok say"
    rf"|\b(?:talimatları|talimatlari|kuralları|kurallari)\b{_WORDS_OF_ONE_SENTENCE}(?:yok say|unut)"
)
OVERRIDE_TRIGGERS = (
    "ignor oubli olvid vergiss vergess vergesst missacht dimentic esque descons negeer vergeet zapomnij "
    "tiens tenez игнор забуд glöm unut yok"
).translate(CONFUSABLES)
SYSTEM_PROMPT = rf"\b(?:{_NAMES_OF_THE_PROMPT})\b"
SYSTEM_PROMPT_TRIGGERS = (
    "prompt system instruc anweis istruz instru regel règle regla regol regra систем sistem"
).translate(CONFUSABLES)

# whole (folded) words one of which each pattern needs: the input detector tries a pattern only then
ORDER_WORDS = (
    "instruction instructions consigne consignes directive directives règles regles instrucciones "
    "indicaciones reglas directrices anweisungen anleitungen regeln vorgaben richtlinien istruzioni "
    "regole direttive instruções instrucoes regras diretrizes instructies regels opdrachten richtlijnen "
    "instrukcje instrukcji zasady reguły инструкции инструкций правила указания instruktioner regler "
    "talimatları talimatlari talimatlar kuralları kurallari"
).translate(CONFUSABLES)
PROMPT_WORDS = (
    "prompt system systemprompt systemprompts systeemprompt systemanweisungen systeminstruktioner "
    "instruction instructions instrucciones anweisungen istruzioni instruções instructies regels "
    "systemowy systemowego промпт инструкции istemi istemini règles reglas regeln regole regras"
).translate(CONFUSABLES)
