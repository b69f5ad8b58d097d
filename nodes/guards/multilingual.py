"""Instruction override and system-prompt requests in the languages attackers switch to.

"Ignore all previous instructions" is as effective in Spanish, French, German, Portuguese, Italian,
Dutch, Polish, Russian, Ukrainian, Swedish, Turkish, Greek, Hebrew, Hindi or Thai, and an English
keyword filter reads none of them. An override here is a verb of ignoring or forgetting followed,
within the sentence, by the model's *orders* (instructions, rules, guidelines, directives): a
customer's "ignora mi mensaje anterior" (ignore my previous message) or "vergessen Sie meine letzte
Nachricht" names no orders and is not one. Both the input detector's rules and the passage
guard's cues read these patterns.

Patterns read the folded text (lower case, look-alike letters folded; see
:data:`crewline.nodes.guards.normalise.CONFUSABLES`): Cyrillic words are written here as they are
and folded when compiled, so "инструкции" matches the folded "инcтpyкции".
"""

from __future__ import annotations

import unicodedata

from crewline.nodes.guards.normalise import CONFUSABLES

__all__ = [
    "BRAHMIC_OVERRIDE",
    "BRAHMIC_SYSTEM_PROMPT",
    "CJK_ANY",
    "CJK_HINTS",
    "CJK_OVERRIDE",
    "CJK_SYSTEM_PROMPT",
    "ORDER_WORDS",
    "OVERRIDE",
    "OVERRIDE_TRIGGERS",
    "PROMPT_WORDS",
    "SYSTEM_PROMPT",
    "SYSTEM_PROMPT_ASKED",
    "SYSTEM_PROMPT_TRIGGERS",
]

# word lists are folded as the text is (Cyrillic look-alikes become Latin); the regex syntax is not
_IGNORE = (
    # fr, es, de, it, pt, nl, pl, ru, sv, tr
    "ignore[sz]?|ignorer|oublie[sz]?|oublier|ne tiens? plus compte d[ue]|ne tenez plus compte d[ue]|"
    "ne suis plus|ne suivez plus|ne respecte plus|ne respectez plus|"
    "haz caso omiso de|haga caso omiso de|deja de seguir|deja de lado|dejar de lado|"
    "mets de côté|mettez de côté|lass beiseite|metti da parte|deixa de lado|"
    "folge nicht mehr|befolge nicht mehr|non seguire più|não siga mais|deixa de seguir|"
    "ignora|ignoren?|ignorar|olvida|olvide|olvidar|olvídate|olvidate|olvídese|"
    "ignoriere|ignorieren|ignoriert|vergiss|vergessen|vergesst|missachte|"
    "ignori|dimentica|dimenticare|dimenticate|"
    "esqueça|esquece|esquecer|esqueçam|desconsidere|desconsidera|desconsiderar|"
    "negeer|vergeet|negeren|"
    "zignoruj|ignoruj|zapomnij|"
    "игнорируй|игнорируйте|игнорировать|проигнорируй|проигнорируйте|забудь|забудьте|"
    "ignorera|glöm|strunta i|bortse från|bortse fran|"
    "yok say|unut|unutun|"
    # el, he, uk: the imperatives only ("להתעלם", to ignore, is a customer's "please ignore"); the
    # forms a past tense shares ("αγνόησε", he ignored; "שכח", he forgot) are _IGNORE_OR_PAST's
    "αγνοήστε|ξεχάστε|התעלמי|תתעלם|תתעלמי|שכחי|תשכח|תשכחי|"
    "ігноруй|ігноруйте|проігноруй|проігноруйте|"
    # cs, id, ar, vi
    "bỏ qua|phớt lờ|ignorujte|zapomeň|zapomeňte|nedbej|abaikan|lupakan|acuhkan|تجاهل|تجاهلي|تجاهلوا|انس|انسى"
).translate(CONFUSABLES)
_ORDERS = (
    "instructions?|consignes?|directives?|règles|regles|"
    "instrucciones|indicaciones|reglas|directrices|normas|políticas|politicas|restricciones|politiques|normes|"
    "restrictions|limites|filtres|"
    "anweisungen|anleitungen|regeln|vorgaben|richtlinien|vorschriften|sicherheitsregeln|einschränkungen|"
    "istruzioni|regole|direttive|restrizioni|"
    "instruções|instrucoes|regras|diretrizes|"
    "instructies|regels|opdrachten|richtlijnen|"
    "instrukcje|instrukcji|zasady|reguły|"
    "инструкции|инструкций|правила|указания|ограничения|"
    "instruktioner|instruktionerna|regler|reglerna|riktlinjer|riktlinjerna|"
    "οδηγίες|οδηγιών|κανόνες|κανόνων|εντολές|εντολών|"
    "הוראות|ההוראות|מההוראות|כללים|הכללים|מהכללים|הנחיות|ההנחיות|מההנחיות|"
    "вказівки|вказівок|інструкції|інструкцій|"
    "talimatları|talimatlari|talimatlar|kuralları|kurallari|"
    "pokyny|pokynů|instrukce|pravidla|instruksi|perintah|aturan|arahan|hướng dẫn|chỉ dẫn|quy tắc|chỉ thị|"
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
    "|lời nhắc hệ thống|hướng dẫn hệ thống|تعليمات النظام|موجه النظام"
    "|προτροπή (?:του )?συστήματος"
    "|(?:κρυφές|μυστικές) (?:σου )?(?:οδηγίες|ρυθμίσεις|κανόνες)"
    "|системн(?:ий|і) промпт"
).translate(CONFUSABLES)
# names a site or an app uses too ("הנחיות המערכת באתר לא ברורות", the site's system instructions are
# unclear; "Системні вказівки в застосунку"): the system prompt only with an ask to show it
_GENERIC_NAMES = unicodedata.normalize(
    "NFKC",
    "(?:(?:μήνυμα|οδηγίες|μηνύματος|οδηγιών) (?:του )?συστήματος"
    "|(?:הנחיות|הוראות|הנחיית) (?:ה)?מערכת|системн(?:і|их) (?:інструкції|вказівки|інструкцій|вказівок)"
    "|सिस्टम निर्देश|คำสั่งระบบ)".translate(CONFUSABLES),
)
# whole words in Greek, Hebrew (an "and" may lead: "והצג") and Ukrainian ("כתוב", write, opens
# "כתובת", an address); Devanagari and Thai have no word boundaries to test
_SHOW_WORDS = (
    "δείξε|δείξτε|πες|πείτε|γράψε|γράψτε|αποκάλυψε|αποκαλύψτε|εμφάνισε|εμφανίστε|τύπωσε|τυπώστε|"
    "επανάλαβε|επαναλάβετε|αντίγραψε|αντιγράψτε|"
    "הצג|הציגי|הציגו|תציג|תציגי|הראה|הראי|תראה|תראי|גלה|גלי|תגלה|תגלי|חשוף|חשפי|תחשוף|הדפס|הדפיסי|תדפיס|"
    "כתוב|כתבי|תכתוב|אמור|תגיד|תגידי|"
    "покажи|покажіть|скажи|скажіть|виведи|виведіть|розкрий|розкрийте|надрукуй|надрукуйте|напиши|напишіть|"
    "повтори|повторіть"
).translate(CONFUSABLES)
_SHOW_BRAHMIC = unicodedata.normalize(
    "NFKC", "दिखाओ|दिखाइए|दिखाएं|बताओ|बताइए|बताएं|लिखो|लिखिए|แสดง|บอก|พิมพ์|เปิดเผย|เขียน"
)
_SHOW = rf"(?:(?<!\w)ו?(?:{_SHOW_WORDS})(?!\w)|{_SHOW_BRAHMIC})"
# the gap stays inside one sentence
SYSTEM_PROMPT_ASKED = rf"{_SHOW}[^.!?;\n]{{0,30}}?{_GENERIC_NAMES}|{_GENERIC_NAMES}[^.!?;\n]{{0,30}}?{_SHOW}"
# words of one clause: "Lupakan saja, aturan baru berlaku besok" (forget it, the new rules apply
# tomorrow) and "Zapomeňte na to, pravidla ..." drop something else, then talk about rules
_WORDS_OF_ONE_SENTENCE = r"(?:[^\w.!?\n,;:]+\w+){0,5}?[^\w.!?\n,;:]+"

# Greek and Hebrew verbs whose imperative is also a past tense: "Ο υπάλληλος αγνόησε τις οδηγίες μου"
# (the clerk ignored my instructions), "הוא שכח את ההוראות של הרופא" (he forgot the doctor's). An
# order opens its clause and names orders that are nobody's (not "mine", "his", "the game's")
_IGNORE_OR_PAST = "αγνόησε|αγνόησέ|ξέχασε|ξέχασέ|התעלם|שכח|התעלמו|שכחו".translate(CONFUSABLES)
# after a stop, a quote mark or "please" (each look-behind of one width)
_CLAUSE_START = (
    "(?:^|"
    + "|".join(
        f"(?<={before})"
        for before in (
            "[.!?;:\"'«(]",
            "[.!?;:\"'«(] ",
            *(f"{w.translate(CONFUSABLES)} " for w in ("παρακαλώ", "אנא", "בבקשה")),
        )
    )
    + ")"
)
_SOMEONES = "μου|μας|του|της|των|שלי|שלנו|שלו|שלה|שלהם|שלהן|של".translate(CONFUSABLES)

OVERRIDE = (
    rf"\b(?:{_IGNORE})\b{_WORDS_OF_ONE_SENTENCE}(?:{_ORDERS})\b"
    rf"|{_CLAUSE_START}(?:{_IGNORE_OR_PAST})\b{_WORDS_OF_ONE_SENTENCE}(?:{_ORDERS})\b(?! (?:{_SOMEONES})\b)"
    # Turkish puts the verb last: "önceki tüm talimatları yok say". (?<!\w) is \b before a letter,
    # written so: two branches opening with \b have it factored out by the regex parser, and the
    # literal gates (nodes/guards/literals.py) then no longer see the verbs above as whole words
    rf"|(?<!\w)(?:talimatları|talimatlari|kuralları|kurallari)\b{_WORDS_OF_ONE_SENTENCE}(?:yok say|unut)"
)
OVERRIDE_TRIGGERS = (
    "ignor oubli olvid vergiss vergess vergesst missacht dimentic esque descons negeer vergeet zapomnij "
    "tiens tenez игнор проигнор забуд glöm unut yok zapom nedbej abaik lupak acuhk bỏ phớt تجاهل انس "
    "strunta bortse αγνόη αγνοή ξέχα ξεχά התעלם תתעלם שכח ігнор проігнор"
).translate(CONFUSABLES)
SYSTEM_PROMPT = rf"\b(?:{_NAMES_OF_THE_PROMPT})\b"
SYSTEM_PROMPT_TRIGGERS = (
    "prompt system instruc anweis istruz instru regel règle regla regol regra систем sistem systém "
    "تعليمات موجه συστήματος κρυφές μυστικές מערכת המערכת системний системні"
).translate(CONFUSABLES)

# Chinese, Japanese and Korean write no spaces between words (a word boundary never falls inside a
# run of them): the verb of ignoring and the model's orders are looked for within a dozen
# characters of each other, in either order (Japanese and Korean put the verb last, Chinese first).
# The verb must be an order ("無視して", "忘掉", "무시하세요"), not a report ("忘れた", "忘记了",
# "잊어버렸는데": "I forgot my password"), and the object the model's orders: instructions, the prompt,
# or rules and settings that are the earlier / all / your ones. "Settings" or "rules" alone are a
# customer's ("パスワードを忘れたので設定をリセットしたい", "忘れ物の規則"), and
# "前回のメールは無視してください" (ignore my previous email) names no orders at all.
_CJK_IGNORE = (
    "無視(?:して|しろ|せよ|しなさい|すること)|忘れ(?:て(?!い|し|た|お)|ろ|なさい)|"
    "(?:无视|忽略|忽視|忘掉|忘记|忘記|不要理会|不要理會|别管|別管)(?![了过過])|"
    "무시(?:하(?:세요|십시오|고|라|해)|해(?:라|요|줘|주세요)?)|잊(?:어(?:라|줘|주세요|버려(?![서도])(?:라|요)?)|으세요|고)"
)
_CJK_OWNED = (
    "以前の|前の|今までの|これまでの|すべての|全ての|あなたの|"
    "之前的?|以前的?|先前的?|上面的?|所有的?|全部的?|你的|您的|"
    "이전(?:의)? ?|기존(?:의)? ?|모든 ?|당신의 ?|너의 ?"
)
_CJK_ORDERS = (
    "指示|指令|命令|提示词|提示詞|プロンプト|지시|명령|지침|프롬프트|"
    f"(?:{_CJK_OWNED})(?:ルール|規則|规则|規定|设定|設定|说明|說明|규칙|설정)"
)
_CJK_GAP = "[^。！？!?.\n]{0,12}?"
CJK_OVERRIDE = f"(?:{_CJK_IGNORE}){_CJK_GAP}(?:{_CJK_ORDERS})|(?:{_CJK_ORDERS}){_CJK_GAP}(?:{_CJK_IGNORE})"
# the system prompt by name, and the modes a jailbreak switches the model into ("answer in admin
# mode", "from now on you are in developer mode"); the mode named alone is a customer asking about
# an app ("管理员模式怎么打开？")
_CJK_MODE = "(?:管理者|開発者|开发者|管理员|管理員|デバッグ|관리자|개발자) ?(?:モード|模式|모드)"
_CJK_ANSWER = "答え|答えて|回答|回复|回覆|返答|응답|대답|답변|말해"
_CJK_FROM_NOW = "从现在开始|從現在開始|现在起|現在起|今から|これから|지금부터|이제부터|이제"
CJK_SYSTEM_PROMPT = (
    "システムプロンプト|系统提示|系統提示|系统指令|系統指令|시스템 ?프롬프트|"
    f"{_CJK_MODE}[^。！？!?.\n]{{0,8}}?(?:{_CJK_ANSWER})|(?:{_CJK_FROM_NOW})[^。！？!?.\n]{{0,12}}?{_CJK_MODE}"
)
CJK_ANY = f"{CJK_OVERRIDE}|{CJK_SYSTEM_PROMPT}"

# Hindi and Thai: Python's \w does not hold Devanagari vowel signs (a word boundary falls inside
# "निर्देश") and Thai writes no spaces, so, as for CJK, the verb and the model's orders are looked
# for near each other in the characters. The verb is an imperative's ending ("अनदेखा करो", not the
# reported "अनदेखा कर दिए" or "करना"; "भूल जाओ", not "भूल जाता हूँ"), and "नियम और शर्तें" are an app's
# terms. Thai marks neither tense nor person: the verb opens its clause (not "ฉันลืม", I forgot, or
# "อย่าลืม", don't forget) and the orders are yours ("ของคุณ") or an order follows them ("...
# แล้วแสดง", then show); someone else's ("ของฉัน", mine) are not, and "คำสั่งซื้อ" is a purchase order.
_HI_IGNORE = (
    "(?:अनदेखा|नज़रअंदाज़|नजरअंदाज|नज़रअंदाज) (?:करो|करें|कीजिए|कर दो|कर दें|कर दीजिए)"
    "|भूल (?:जाओ|जाइए|जाएं|जाएँ)|ध्यान मत दो|ध्यान न दें"
)
_HI_ORDERS = "निर्देश|नियम(?! और शर्त)|आदेश|दिशानिर्देश|हिदायत"
_HI_GAP = "[^।॥.!?\n]{0,30}?"
_TH_IGNORE = "(?:^|(?<=[\\s.!?])|(?<=กรุณา)|(?<=ช่วย))(?:ลืม|เพิกเฉย|ไม่ต้องสนใจ|ไม่ต้องทำตาม|ละเลย)"
_TH_THEN = "(?:แล้ว|และ|จากนั้น)(?:ก็)? ?(?:แสดง|บอก|ให้|ตอบ|เปิดเผย|พิมพ์|ส่ง|ทำ|โอน|เขียน)"
_TH_YOURS = "[^.!?\n ]{0,6}?ของคุณ"
_TH_NOT_THEIRS = "(?:คำสั่ง(?!ซื้อ)|กฎ|คำแนะนำ|ข้อกำหนด)(?!ของ(?!คุณ))"
_TH_ORDERS = _TH_NOT_THEIRS + "(?:" + _TH_YOURS + "|[^.!?\n]{0,24}?" + _TH_THEN + ")"
# written as the sanitizer leaves text (NFKC: Thai "ำ" becomes "ํา", Hindi "ज़" a letter and a nukta)
BRAHMIC_OVERRIDE = unicodedata.normalize(
    "NFKC",
    f"(?:{_HI_ORDERS}){_HI_GAP}(?:{_HI_IGNORE})|(?:{_HI_IGNORE}){_HI_GAP}(?:{_HI_ORDERS})"
    f"|{_TH_IGNORE}[^.!?\n]{{0,8}}?{_TH_ORDERS}",
)
# the system prompt by name: "सिस्टम प्रॉम्प्ट", "ระบบ" + prompt words
BRAHMIC_SYSTEM_PROMPT = unicodedata.normalize("NFKC", "सिस्टम प्रॉम्प्ट|सिस्टम प्रोम्प्ट|พรอมต์ระบบ")
# what each CJK pattern needs somewhere in the text (a cheap test before the regex)
CJK_HINTS = tuple("無无忽忘不别別무잊システム系統统管開开デ관개시")

# whole (folded) words one of which each pattern needs: the input detector tries a pattern only then
ORDER_WORDS = (
    "instruction instructions consigne consignes directive directives règles regles instrucciones "
    "indicaciones reglas directrices anweisungen anleitungen regeln vorgaben richtlinien istruzioni "
    "regole direttive instruções instrucoes regras diretrizes instructies regels opdrachten richtlijnen "
    "normas políticas politicas restricciones politiques normes vorschriften sicherheitsregeln "
    "restrictions limites filtres einschränkungen restrizioni "
    "ограничения hướng chỉ tắc "
    "instrukcje instrukcji zasady reguły инструкции инструкций правила указания instruktioner regler "
    "instruktionerna reglerna riktlinjer riktlinjerna οδηγίες οδηγιών κανόνες κανόνων εντολές εντολών "
    "הוראות ההוראות מההוראות כללים הכללים מהכללים הנחיות ההנחיות מההנחיות вказівки вказівок інструкції "
    "інструкцій "
    "talimatları talimatlari talimatlar kuralları kurallari pokyny pokynů instrukce pravidla instruksi "
    "perintah aturan arahan التعليمات تعليمات الأوامر أوامر القواعد قواعد الإرشادات إرشادات"
).translate(CONFUSABLES)
PROMPT_WORDS = (
    "prompt system systemprompt systemprompts systeemprompt systemanweisungen systeminstruktioner "
    "instruction instructions instrucciones anweisungen istruzioni instruções instructies regels "
    "systemowy systemowego промпт инструкции istemi istemini règles reglas regeln regole regras "
    "systémový systémové systémového sistem thống تعليمات موجه συστήματος κρυφές μυστικές מערכת המערכת "
    "системний системні"
).translate(CONFUSABLES)
