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
    "CJK_ANY",
    "CJK_HINTS",
    "CJK_OVERRIDE",
    "CJK_SYSTEM_PROMPT",
    "CJK_VERB_FIRST",
    "CJK_VERB_LAST",
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
    "yok say|unut|unutun|"
    # cs, id, ar
    "ignorujte|zapomeň|zapomeňte|nedbej|abaikan|lupakan|acuhkan|تجاهل|تجاهلي|تجاهلوا|انس|انسى"
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
    "talimatları|talimatlari|talimatlar|kuralları|kurallari|"
    "pokyny|pokynů|instrukce|pravidla|instruksi|perintah|aturan|arahan|"
    "التعليمات|تعليمات|الأوامر|أوامر|القواعد|قواعد|الإرشادات|إرشادات"
).translate(CONFUSABLES)
_NAMES_OF_THE_PROMPT = (
    "prompt (?:système|systeme|du système|de système|del sistema|de sistema|do sistema|di sistema)"
    "|system-?prompt|systemprompts?|systeemprompt|systemanweisungen|systeminstruktioner"
    "|instructions? (?:système|systeme|initiales|cachées)|instrucciones (?:del sistema|iniciales|ocultas)"
    "|(?:ursprünglichen|versteckten|geheimen) anweisungen|istruzioni (?:di sistema|iniziali|nascoste)"
    "|instruções (?:do sistema|iniciais|ocultas)|(?:oorspronkelijke|verborgen) (?:instructies|regels)"
    "|prompt systemowy|promptu systemowego|системный промпт|системные инструкции|sistem istemi(?:ni)?"
    "|(?:règles|reglas|regeln|regole|regras) (?:cachées|ocultas|secretas|versteckten|nascoste|secrètes)"
    "|systémov(?:ý|é|ého) (?:prompt|promptu|pokyny|instrukce)|prompt sistem|instruksi sistem"
    "|تعليمات النظام|موجه النظام"
).translate(CONFUSABLES)
_WORDS_OF_ONE_SENTENCE = r"(?:[^\w.!?\n]+\w+){0,5}?[^\w.!?\n]+"

OVERRIDE = (
    rf"\b(?:{_IGNORE})\b{_WORDS_OF_ONE_SENTENCE}(?:{_ORDERS})\b"
    # Turkish puts the verb last: "önceki tüm talimatları yok say". (?<!\w) is \b before a letter,
    # written so: two branches opening with \b have it factored out by the regex parser, and the
    # literal gates (nodes/guards/literals.py) then no longer see the verbs above as whole words
    rf"|(?<!\w)(?:talimatları|talimatlari|kuralları|kurallari)\b{_WORDS_OF_ONE_SENTENCE}(?:yok say|unut)"
)
OVERRIDE_TRIGGERS = (
    "ignor oubli olvid vergiss vergess vergesst missacht dimentic esque descons negeer vergeet zapomnij "
    "tiens tenez игнор забуд glöm unut yok zapom nedbej abaik lupak acuhk تجاهل انس"
).translate(CONFUSABLES)
SYSTEM_PROMPT = rf"\b(?:{_NAMES_OF_THE_PROMPT})\b"
SYSTEM_PROMPT_TRIGGERS = (
    "prompt system instruc anweis istruz instru regel règle regla regol regra систем sistem systém "
    "تعليمات موجه"
).translate(CONFUSABLES)

# Chinese, Japanese and Korean write no spaces between words (a word boundary never falls inside a
# run of them): the verb of ignoring and the model's orders are looked for within a dozen
# characters of each other, in either order (Japanese and Korean put the verb last, Chinese first).
# "前回のメールは無視してください" (ignore my previous email) names no orders and is not one.
_CJK_IGNORE = "無視|无视|忽略|忽視|忘れ|忘记|忘掉|忘記|不要理会|不要理會|别管|무시|잊어|잊고|잊으"
_CJK_ORDERS = (
    "指示|指令|命令|ルール|規則|规则|規定|设定|設定|提示词|提示詞|说明|說明|지시|명령|규칙|지침|설정"
)
_CJK_GAP = "[^。！？!?.\n]{0,12}?"
CJK_VERB_FIRST = f"(?:{_CJK_IGNORE}){_CJK_GAP}(?:{_CJK_ORDERS})"
CJK_VERB_LAST = f"(?:{_CJK_ORDERS}){_CJK_GAP}(?:{_CJK_IGNORE})"
CJK_OVERRIDE = f"{CJK_VERB_FIRST}|{CJK_VERB_LAST}"
# the system prompt by name, and the modes a jailbreak switches on ("answer in admin mode")
CJK_SYSTEM_PROMPT = (
    "システムプロンプト|系统提示|系統提示|系统指令|系統指令|시스템 ?프롬프트|"
    "(?:管理者|開発者|开发者|管理员|管理員|デバッグ|관리자|개발자) ?(?:モード|模式|모드)"
)
CJK_ANY = f"{CJK_OVERRIDE}|{CJK_SYSTEM_PROMPT}"
# what each CJK pattern needs somewhere in the text (a cheap test before the regex)
CJK_HINTS = tuple("無无忽忘不别무잊システム系統统管開开デ관개시")

# whole (folded) words one of which each pattern needs: the input detector tries a pattern only then
ORDER_WORDS = (
    "instruction instructions consigne consignes directive directives règles regles instrucciones "
    "indicaciones reglas directrices anweisungen anleitungen regeln vorgaben richtlinien istruzioni "
    "regole direttive instruções instrucoes regras diretrizes instructies regels opdrachten richtlijnen "
    "instrukcje instrukcji zasady reguły инструкции инструкций правила указания instruktioner regler "
    "talimatları talimatlari talimatlar kuralları kurallari pokyny pokynů instrukce pravidla instruksi "
    "perintah aturan arahan التعليمات تعليمات الأوامر أوامر القواعد قواعد الإرشادات إرشادات"
).translate(CONFUSABLES)
PROMPT_WORDS = (
    "prompt system systemprompt systemprompts systeemprompt systemanweisungen systeminstruktioner "
    "instruction instructions instrucciones anweisungen istruzioni instruções instructies regels "
    "systemowy systemowego промпт инструкции istemi istemini règles reglas regeln regole regras "
    "systémový systémové systémového sistem تعليمات موجه"
).translate(CONFUSABLES)
