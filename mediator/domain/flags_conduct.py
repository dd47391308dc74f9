"""P-COMM-CONDUCT: insults, harassment, threats, abusive spam and name-calling accusations.

Works on `flags_text.normalise()`d text. Four groups, checked in this order:

- threats ("I will find you", "I know where you live", "watch your back", "kys", doxxing);
- abuse aimed at someone ("f*** you", "stfu", "shut up", "vai se foder", "иди нах…");
- insults and slurs that are insults wherever they stand ("idiot", "moron", "retard",
  "Arschloch", "pendejo", "дебил"…), also written with look-alike digits or spaced out;
- accusations by name-calling ("scammer", "liar", "thief", "Betrüger", "golpista",
  "мошенник", "you're lying", "you stole", "this is a scam", "SCAM SCAM SCAM"), and mild words
  only when aimed at someone ("are you stupid", "stupid seller", "you clown", "Clown.").

Dropped: a word in reported speech ("he called me a liar", "called the seller 'a scammer'"), an
accusation whose clause is negated ("I'm not a scammer", "no es un estafador"), plural
"scammers" with nobody addressed ("scammers often ask…"), and game titles ("Thief Simulator",
"Liar's Bar", "Assassin's Creed" never matched in the first place).

Decisions for ambiguous cases (the labelled set records them):
- A neutral question is not an accusation: "is this a scam?", "ist das Betrug?" are not flagged;
  "are you a scammer or what??" is (it names the other party).
- Swearing at a thing or at oneself ("fuck, wrong screenshot", "the stupid courier", "stupid
  mistake on my side") is frustration, not an attack on a party: not flagged.
- Shouting alone ("WHERE IS MY ORDER???") is not flagged; with abuse, the reason says so.
- Factual allegations with a reason ("the seller recovered the account", "the booster used
  hacks") are the substance of a dispute, not misconduct.
"""

from __future__ import annotations

import re

from mediator.domain.flags_conduct_accuse import accuse_evidence
from mediator.domain.flags_conduct_forms import a_thing, form_evidence, reported, self_directed
from mediator.domain.flags_text import LEFT, RIGHT, any_gate, compile_words, gate, word


def _words(*items: str) -> str:
    return "|".join(word(item) for item in items)


#: "Thief class", "Liar's Bar", "Thief Simulator": a name or a game term, not name-calling.
_NOT_A_NAME = r"(?!'s| (?:class|simulator|skin|build|spec|quest|mode|guild|outfit|set|dice|bar)\b)"


_THREATS = (
    r"\bi(?:'ll| will| am going to|'m going to|'m gonna| gonna|ll)? find (?:you|u)\b"
    r"(?=\s{0,3}(?:$|[.!,;?]|and\b|irl\b|in real life|one day|wherever|i swear|trust me|soon))"
    r"|\b(?:know|find(?: out)?|found out|get|look up) where (?:you|u) live"
    r"|\bwatch (?:your|ur) back\b"
    r"|\b(?:you|u)(?:'ll| will) (?:regret|pay for)\b"
    r"(?= (?:this|that|it|what|scamming|ignoring|lying|everything)\b|\s?[.!]|\s?$)"
    r"|\bmake (?:your|ur) life (?:a )?(?:living )?"
    r"(?:hell|miserable)\b|\b(?:i(?:'ll| will)|i'm going to|i am going to|gonna|i'm gonna) "
    r"(?:dox+|swat|ddos|hack|kill|hurt|destroy|beat|end|ruin|stab|shoot) (?:you|u|your|ur)\b"
    r"|\bpost (?:your|ur) (?:address|home|face|details|info)\b|\bkill (?:yo)?urself\b|\bkys\b"
    r"|\b(?:hope|wish) (?:you|u) (?:die|get cancer|rot)\b|\bdie in a fire\b|\bgo die\b"
    r"|\b(?:you're|you are|ur) dead\b|\bgo to hell\b"
    # issue 21 (third round): veiled threats against the account or shop
    r"|\b(?:shame|pity)\b[^.!?\n]{0,10}\bif (?:your|ur) (?:account|shop|store|listing|rating|"
    r"reviews?|profile|business)\b[^.!?\n]{0,12}\b(?:got|gets|were|was|suddenly)\b"
    r"|\b(?:hate|hating) (?:for|to see) (?:something|anything)\b[^.!?\n]{0,20}\bhappen\w* to "
    r"(?:your|ur)\b"
    r"|\bthings (?:can |could |might |do )?happen to (?:your|ur|accounts?|shops?|sellers?)\b"
    r"|\b(?:shame|pity) (?:if you|to) los\w* (?:your|this|that|such a) (?:nice |good )?(?:account|"
    r"shop|store|rating|reputation|business)\b"
    r"|\b(?:shame|pity|sad|terrible|awful)\b[^.!?\n]{0,15}\bif (?:something|anything)\b"
    r"[^.!?\n]{0,20}\bhappen\w* to (?:your|ur)\b"
    r"|\bnice (?:account|shop|store|business|profile|rating|reputation|listing|channel)s? "
    r"(?:you'?ve |you )?(?:have|got) (?:there|here)\b"
    r"|(?:^|\.\.\.|…)\s{0,3}(?:accidents|unfälle|acidentes|accidentes|wypadki|несчастные случаи)"
    r" (?:can |do |will |können |podem |pueden |się )?(?:happen|passieren|acontecem|ocurren|pasan|"
    r"zdarzają się|się zdarzają|случаются|бывают)\b\s?,?\s?(?:\.\.\.|…|$|just saying|nur so gesagt|"
    r"só (?:dizendo|falando)|solo digo|tylko mówię|просто говорю)"
    r"|\b(?:account|conta|cuenta|konto|аккаунт\w*|акк|loja|tienda|sklep|магазин|shop|store)\b"
    r"[^.!?\n]{0,40}\b(?:pena|lástima|schade|szkoda|жаль|жалко|shame|pity)\b[^.!?\n]{0,30}"
    r"(?:\b(?:perd|verlier|strac|lose|los)\w*|потеря\w*)"
    r"|\b(?:pena|lástima|schade|szkoda|shame|pity)\b[^.!?\n]{0,20}\b(?:perder|verlieren|stracić|"
    r"lose)\b[^.!?\n]{0,12}\b(?:conta|cuenta|konto|account|shop|loja|tienda|sklep)\b"
    r"|(?:\b(?:pena|lástima|schade|szkoda|shame|pity)\b|жаль|жалко)[^.!?\n]{0,45}"
    r"(?:\b(?:banned|suspended|closed|gesperrt|gebannt|banid[ao]|suspens[ao]|baneada|"
    r"suspendida|zbanowan\w*|zablokowan\w*)\b|забан\w*|заблокир\w*)"
    r"|\baccidents (?:can |do )?happen to (?:accounts|sellers|shops|people like you)\b"
    r"|\bpena se (?:algo|alguma coisa)\b[^.!?\n]{0,10}\b(?:acontec|ocorr)\w* (?:com|a|à) "
    r"(?:sua|tua|seu|teu)\b"
    r"|\b(?:pena|lástima)\b[^.!?\n]{0,10}\b(?:que|si)\b[^.!?\n]{0,10}\b(?:pas|ocurr)\w*"
    r"[^.!?\n]{0,10}\b(?:tu|a tu)\b"
    r"|\bschade\b[^.!?\n]{0,10}\bwenn\b[^.!?\n]{0,20}\b(?:deinem|deiner|dein)\b[^.!?\n]{0,20}"
    r"\b(?:etwas|was) (?:passier|zustöß|geschieh)\w*"
    r"|\bszkoda\b[^.!?\n]{0,10}\b(?:gdyby|jakby|by)\b[^.!?\n]{0,20}\bco[śs] (?:się )?sta\w*"
    r"[^.!?\n]{0,10}\b(?:twoim|twoją|twoja|twoje)\b"
    r"|\bжаль,? если\b[^.!?\n]{0,30}(?:твоим|твоей|тво\w*)[^.!?\n]{0,20}что-?то случит\w*"
    r"|\bжаль,? если\b[^.!?\n]{0,10}что-?то случит\w*[^.!?\n]{0,10}(?:твоим|твоей|тво\w*)"
    r"|\bich finde dich\b(?!\s(?:nicht|im|in|auf|online|bei|als|unter))"
    r"|\bich weiss?,? wo du wohnst\b"
    r"|\bte voy a matar\b"
    r"|\bich (?:werde|werd|will) dich finden\b(?=\s{0,3}(?:$|[.!,;?…]|und\b|wo\b))"
    # issue 21: wishing harm on a person or their business
    r"|\b(?:hope|wish|pray)\w* (?:that )?(?:you|u|your|ur)\b[^.!?\n]{0,30}\b(?:burns?|burned|"
    r"burnt|die|dies|died|rots?|suffers?|crash\w*|bankrupt|goes under|get (?:hit|run over|sick|"
    r"cancer|aids|killed|hurt|robbed)|gets? (?:hit|run over|cancer|killed|hurt))\b"
    r"|\bget cancer\b|\b(?:just |go |please )?die already\b|\bdrop dead\b"
    # knowing or finding where someone is, coming for them
    r"|\bi (?:know|have|got|found) (?:your|ur) (?:address|home|house|workplace|family|parents)\b"
    r"(?! (?:is|was|in|on))"
    r"|\b(?:find|found|know|figure) out (?:who|where) (?:you|u) (?:are|live|work)\b"
    r"|\b(?:come|coming|show(?:ing)? up|driv(?:e|ing)) (?:to|at|by) (?:your|ur) "
    r"(?:house|home|place|door|work)\b"
    r"|\bsleep with one eye open\b|\b(?:you|u)(?:'ll| will|'re going to| are going to) "
    r"(?:be sorry|regret)\b(?! nothing| it not| not)|\bwatch what happens\b"
    r"|\bsee what happens (?:to|when)\b"
    r"|\bmake sure (?:you|u) never (?:sell|work|trade|play|get)\b|\bi(?:'ll| will) get (?:you|u)\b"
    r"|\bfind (?:your|ur) (?:parents|family|mom|mother|dad|kids|wife|girlfriend)\b"
    # harassment as a promise
    r"|\b(?:i(?:'ll| will)|i'm going to|i am going to|gonna) (?:keep )?(?:messag|spam|call|"
    r"text|bother|harass|ping)\w* (?:you|u)\b[^.!?\n]{0,30}\b(?:every|all (?:day|night)|until|"
    r"till|nonstop|non-stop)\b"
    r"|\b(?:leave|post|write|spam)\w* (?:bad |fake |negative |1[- ]star |one[- ]star )reviews? "
    r"(?:on|under|for) (?:every|all)\b"
    r"|\bpost (?:your|ur) (?:face|name|real name|photo|picture|number)\b"
    r"|\bdein (?:laden|shop|geschäft)\b[^.!?\n]{0,20}\b(?:abbrennt|brennt ab|abbrennen|pleite)"
    r"|\bich weiß?,? wo du wohnst\b|\bdu wirst es bereuen\b"
    r"|\bojalá\b[^.!?\n]{0,30}\b(?:queme|quiebre|muera|mueras|pudra)\b|\bte vas a arrepender\b"
    r"|\bte vas a arrepentir\b|\bsé dónde vives\b"
    r"|\bvou acabar com (?:você|voce|vc|tigo)\b|\bsei onde (?:você|voce|vc) mora\b"
    r"|\bvocê vai se arrepender\b|\bobyś\b[^.!?\n]{0,30}\b(?:zbankrutował|zdechł|spłonął)\w*"
    r"|\bwiem,? gdzie mieszkasz\b|\bpożałujesz\b"
    r"|я тебя достану|достану тебя|\bчтоб(?:ы)? (?:ты|твой|твоя|твое|твоё|тебя)\b[^.!?\n]{0,30}"
    r"(?:сгор|сдох|разорил|подох)|знаю,? где ты живешь|пожалеешь"
)
_FUCK = r"(?:f[u*#@v]{1,3}c?k+|f\*{3}|fck|fk|fuk|phuck|f u c k)"
_ABUSE = (
    rf"{LEFT}{_FUCK}(?:ing|in)? (?:you|u|ya|yourself|urself|off|your|ur)\b"
    r"|\b(?:stfu|gtfo)\b|\bshut (?:the (?:fuck|f\*+k|hell) )?up\b|\bscrew (?:you|u)\b"
    r"|\bshut (?:your|ur) (?:mouth|face|trap)\b|\b(?:go )?f (?:off|yourself|urself)\b"
    r"|\bbite me\b|\bvai se foder\b|\bvai tomar no cu\b|\bcala (?:a )?boca\b|\bcállate\b"
    r"|\bhalt (?:die|deine|dein) (?:fresse|maul)\b|\bhalt'?s maul\b|\bverpiss dich\b"
    r"|\b(?:s|wy)pierdalaj\b|\bodpierdol|иди на ?х|пош[её]л на ?х|заткнись"
    # issue 21
    r"|\bhalt (?:die|deine) klappe\b|\bvete a la mierda\b|\bvai (?:à|a|pra|para a) merda\b"
    r"|\bvá se foder\b|\bidź do diabła\b|(?:^|[.!?,\n]\s?)(?:пош[её]л|иди) ты\b"
    r"|\b(?:answer|reply|respond|refund|pay) me\b"
    r"(?:[\s,.!?]{1,4}(?:answer|reply|respond|refund|pay) me\b){2,}"
)
#: Insults wherever they stand (canonical name first, then its other spellings).
_INSULTS: tuple[tuple[str, str], ...] = (
    ("idiot", f"(?:{_words('idiot', 'idiots', 'idiotic', 'idiota', 'idioten')})(?!-proof)"),
    ("moron", _words("moron", "morons", "moronic")),
    ("imbecile", _words("imbecile", "imbécil")),
    ("retard", _words("retard", "retarded", "retards")),
    ("dumbass", _words("dumbass", "jackass")),
    ("asshole", _words("asshole", "arsehole", "arschloch")),
    ("bitch", _words("bitch", "bitches") + r"|b1tch|сука|суки|ty kurwo"),
    ("bastard", _words("bastard", "bastards")),
    ("dickhead", _words("dickhead", "wanker", "twat", "cunt", "scumbag", "shithead")),
    ("motherfucker", _words("motherfucker")),
    ("piece of shit", r"piece of (?:shit|sh\*t|crap|garbage|trash)"),
    ("loser", _words("loser", "losers")),
    ("trash human", r"trash (?:human|person)|human (?:trash|garbage)|тварь"),
    ("scum", r"scum|lowlife|dirtbag"),
    (
        "Vollidiot",
        _words("vollidiot", "wichser", "hurensohn", "missgeburt", "spasti", "spast")
        + "|"
        + _words("penner", "trottel", "vollpfosten", "spacko"),
    ),
    ("pendejo", _words("pendejo", "gilipollas", "cabrón", "ratero", "culero") + r"|hijo de puta"),
    ("otário", _words("otário", "babaca", "arrombado") + r"|filho da puta"),
    ("debil", _words("debil", "debilu", "debilem", "kretyn", "kretynie") + r"|ty chuju|jebany"),
    ("идиот", r"идиот\w*|дебил\w*|урод\w*|мудак\w*|придур\w*|лох|лохи|чмо|мразь"),
)
#: Name-calling accusations: flagged unless negated or reported.
_ACCUSATIONS: tuple[tuple[str, str], ...] = (
    ("scammer", word("scammer") + r"|sc@mmer|scamer|fraudster|кидал[аы]"),
    ("liar", rf"liar{_NOT_A_NAME}|"
     + _words("lügner", "lügnerin", "mentiroso", "mentirosa", "kłamca")),
    ("thief", rf"(?:thief|thieving){_NOT_A_NAME}|" + _words("ladrón", "ladrão", "ladra", "dieb")),
    ("crook", rf"crook{_NOT_A_NAME}|crooks"),
    ("you're lying", r"(?:you(?:'re| are)?|u r|ur|stop|keep|quit) lying|you lie[ds]?\b|lying piece"
     r"|lügst"),
    ("you stole", r"(?:you|u) (?:stole|are stealing|'re stealing)"),
    ("you scam people",
     r"(?:you|u) (?:scam|scammed|are scamming|'re scamming|ripped off|rob|robbed)"
     r" (?:me|people|us|everyone|everybody|buyers|customers)"),
    ("fraud", r"(?:is|are|you|you're|ur) (?:a |an |such a )?(?:total |complete )?fraud"),
    ("Betrüger", _words("betrüger", "betrügerin", "estafador", "estafadora", "golpista")),
    ("oszust", r"oszust(?:a|em|ie|u)?|oszuście|złodziej\w*"),
    ("мошенник", r"мошенник(?:и|а|ов|ом)?" + RIGHT + r"|вор(?:ы|ов)?" + RIGHT + r"|лжец"),
    ("scam", r"scam(?:mer)? (?:seller|shop|store|site|artist)"),
    ("scam", r"scam(?:\W{1,3}scam){2,}"),
    (
        "scam",
        r"(?:this|it|that|he|she|you|seller|shop|store|listing|guy) ?(?:is|'s|are|'re|r) "
        r"(?:a |an |such a )?(?:total |complete |fucking |fkn |obvious |clear )?scam(?!\w|\s?\?)",
    ),
    ("scammers", r"(?:you|you guys|you people|y'?all|all of you|you all|bunch of)\b[^.!?\n]{0,20}"
     + word("scammers")),
)  # fmt: skip
#: Mild words that insult only when aimed at someone: adjectives and animal or object names.
_MILD = (
    r"stupid|dumb|useless|pathetic|worthless|trash|garbage|joke|estúpido|inútil|burro|burra|"
    r"incompetent|disgusting|brain-?dead|braindead|clueless|"
    r"lixo|merda|głupi|głupek|тупой|тупая"
)
_CREATURE = r"clown|donkey|muppet|rat|snake|parasite|pig|cow|козел"
_MODIFIER = (
    r"(?:(?:an?|so|such an?|fucking|f\*cking|f\*\*king|fkn|fcking|absolute|total|complete|real|"
    r"little|disgusting|incompetent|un|una|um|uma) ){0,3}"
)
_PARTY = r"seller|buyer|guy|person|staff|bitch|b1tch|clown|cow|pig|fool|admin|mod|kid|people"
_TARGETED = (
    # "you're a joke", "are you stupid", "seu lixo", "ты тупой"
    r"\b(?:you|u|ur|you're|youre|you are|u r|are you|r u|eres|seu|sua|ty|ты|jesteś)\s{1,3}"
    rf"{_MODIFIER}(?:{_MILD}|{_CREATURE})\b"
    # "this clown", "what a snake", "thieving little rat" (not "this trash key")
    rf"|\b(?:this|that|what an?|such an?|thieving|fucking)\s{{1,3}}{_MODIFIER}(?:{_CREATURE})s?\b"
    rf"|\b(?:{_MILD})\s{{1,3}}(?:{_PARTY})s?\b"
    # "Clown.", "…, thief!" on their own
    r"|(?:^|[.!?\n,])\s{0,3}(?:clown|liar|thief|scammer|loser|fraud|crook|rat)s?\s{0,3}"
    r"(?:[.!?]|$)"
    # issue 21: "you people are useless", "waste of oxygen", "do you even have a brain"
    r"|\b(?:you people|you guys|you lot|y'?all|all of you|your (?:support|team|shop|company))"
    rf"\s{{1,3}}(?:are|r|is)\s{{1,3}}{_MODIFIER}(?:{_MILD}|{_CREATURE}|idiots|morons|clowns)\b"
    r"|\b(?:waste of (?:oxygen|space|air|skin)|brain-?dead|pathetic excuse for)\b"
    r"|\b(?:do|does) (?:you|u) (?:even )?have (?:a|any) (?:brain|brains|brain cells)\b"
    r"|\bdumb as (?:a )?(?:rock|brick|bricks|post)s?\b"
    r"|\b(?:incompetent|useless|brain-?dead)\s{1,3}(?:morons?|idiots?|clowns?|people)\b"
)


def _grouped(prefix: str, entries: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    source = "|".join(f"(?P<{prefix}{i}>{pattern})" for i, (_, pattern) in enumerate(entries))
    return compile_words(rf"{LEFT}(?:{source}){RIGHT}")


_THREAT = compile_words(_THREATS)
_ABUSE_RE = compile_words(_ABUSE)
_INSULT = _grouped("i", _INSULTS)
_ACCUSE = _grouped("a", _ACCUSATIONS)
_TARGETED_RE = compile_words(_TARGETED)
_NAMES = {f"i{i}": name for i, (name, _) in enumerate(_INSULTS)}
_NAMES.update({f"a{i}": name for i, (name, _) in enumerate(_ACCUSATIONS)})

# Gates (see `flags_text.gate`): threats and abuse are looked for in the text, the word lists in
# the squashed text, where "1d10t" and "s c a m m e r" read as plain words.
_THREAT_GATE = gate(
    "find you", "find u", "finde dich", "where you", "where u", "out who", "watch", "regret",
    "pay for", "ur life", "dox", "swat", "ddos", "hack", "kill", "hurt", "destroy", "beat",
    "end you", "end u", "ruin", "stab", "shoot", "post your", "post ur", "kys", "hope", "wish",
    "fire", "go die", "dead", "to hell", "wohnst", "vou te", "te voy", "znajdę", "найду",
    # issue 21
    "pray", "cancer", "die already", "drop dead", "ur address", "ur home", "ur house",
    "ur place", "ur door", "ur work", "ur family", "ur parents", "eye open", "be sorry",
    "what happens", "make sure", "get you", "get u",
    # "i'll / i will / going to / gonna / keep" + message, spam, call… ("…(keep )?calling you")
    *(
        f"{before} {verb}"
        for before in ("ll", "will", "to", "gonna", "keep")
        for verb in ("messag", "spam", "call", "text", "bother", "harass", "ping")
    ),
    *(f"review{s} {on}" for s in ("", "s") for on in ("on", "under", "for")),
    "dein", "bereuen", "ojalá", "arrepen", "sé dónde", "acabar com", "sei onde", "obyś",
    "gdzie mieszkasz", "pożałujesz", "достану", "чтоб", "где ты живешь", "пожалеешь",
    # issue 21 (third round)
    "shame", "pity", "happen", "have there", "got there", "have here", "got here", "pena",
    "lástima", "schade", "szkoda", "жаль", "dich finden", "жалко", "accidents", "unfälle",
    "acidentes", "accidentes", "wypadki", "несчастные",
)  # fmt: skip
_ABUSE_WORDS = gate(
    "fck", "fk", "phuck", "f u c k", "stfu", "gtfo", "shut", "screw", "bite me",
    "foder", "tomar no cu", "boca", "cállate", "fresse", "maul", "verpiss", "pierdal",
    "pierdol", "иди на", "пош", "заткн", "f off", "f yourself", "f urself",
    "klappe", "mierda", "merda", "foder", "diabła", "иди ты", "answer me", "reply me",
    "respond me", "refund me", "pay me",
)  # fmt: skip
_ABUSE_GATE = compile_words(r"f[u*#@v]{1,3}c?k|f\*\*\*|" + _ABUSE_WORDS.pattern)
_INSULT_GATE = gate(
    "idiot", "moron", "imbecil", "retard", "dumbass", "jackass", "asshole", "arsehole",
    "arschloch", "bitch", "сук", "kurwo", "bastard", "dickhead", "wanker", "twat", "cunt",
    "scumbag", "shithead", "motherfucker", "pieceof", "loser", "trash", "human", "тварь", "scum",
    "lowlife", "dirtbag", "wichser", "hurensohn", "missgeburt", "spast", "penner", "trottel",
    "vollpfosten", "spacko", "pendejo", "gilipollas", "cabrón", "ratero", "culero", "puta",
    "otário", "babaca",
    "arrombado", "debil", "kretyn", "chuj", "jebany", "идиот", "дебил", "урод", "мудак", "придур",
    "лох", "чмо", "мразь",
)  # fmt: skip
_ACCUSE_GATE = gate(
    "scam", "fraud", "кидал", "liar", "lügner", "mentiros", "kłamc", "thief", "thiev", "ladr",
    "dieb", "crook", "lying", "lie", "lügst", "stole", "stealing", "ripped", "urob", "betrüg",
    "estafador", "golpista", "oszus", "złodziej", "мошенник", "вор", "лжец",
)  # fmt: skip
_TARGETED_GATE = gate(
    "stupid", "dumb", "useless", "pathetic", "worthless", "trash", "garbage", "joke", "estúpido",
    "inútil", "burr", "lixo", "merda", "głup", "туп", "clown", "donkey", "muppet", "rat", "snake",
    "parasite", "pig", "cow", "козел", "liar", "thief", "scam", "loser", "fraud", "crook",
    "incompetent", "disgusting", "brain", "clueless", "waste", "pathetic", "dumb", "idiot",
    "moron",
)  # fmt: skip
#: Whether any of the gates above can pass: one scan of the squashed text, where "f*ck" reads
#: "fck" ("f***" is looked for apart: it squashes to "f").
_ANY_GATE = any_gate(
    text=(_THREAT_GATE, _ABUSE_WORDS),
    squashed=(_INSULT_GATE, _ACCUSE_GATE, _TARGETED_GATE),
    also=r"f[u#av]{0,3}c?k",
)

#: "he called me a …", "called the seller 'a …'", "he said I was a …": words reported.
_REPORTED = re.compile(
    r"(?:\bcall(?:ed|s|ing)?\s(?:[\w']+\s){0,2}|\b(?:said|says|claims?|claimed|thinks?|thought)"
    r"\s(?:that\s)?(?:i|he|she|we|they|i'm|he's|she's)\s(?:was\s|am\s|is\s|were\s|are\s)?"
    r"|\baccus\w*\s\w+\sof\sbeing\s)['\"]?(?:an?\s)?['\"]?\s?$"
)
#: A question about a third party ("is the seller a scammer?"), not one aimed at the reader.
_ASKING = compile_words(r"^\s*(?:is|isn't|was|could|can|would|does|did|ist|es|é|czy|это)\b")
_NEGATION = compile_words(
    r"\b(?:not|never|no|isn'?t|aren'?t|wasn'?t|nobody|no one|nicht|kein\w*|nie|nunca|ninguém|"
    r"não|не|ни)\b"
)


def conduct(text: str, squashed: str, *, gated: bool = True) -> str | None:
    """Why `text` (normalised; `squashed` is `squash(text)`) breaks the conduct rule, or None.
    `gated=False` runs every rule without its gate (for tests)."""
    found = conduct_evidence(text, squashed, gated=gated)
    return None if found is None else found[0]


def conduct_evidence(text: str, squashed: str, *, gated: bool = True) -> tuple[str, str] | None:
    """(reason, the part of `text` it rests on), as `conduct`, or None."""
    if gated and _ANY_GATE.search(squashed) is None and "f*" not in text:
        return _form(text, gated=gated)  # none of the gates below passes: most chat lines
    if not gated or _THREAT_GATE.search(text):
        for threat in _THREAT.finditer(text):
            if not reported(text, threat.start()):
                return f"threat: '{_short(threat.group())}'", threat.group()
    if (not gated or _ABUSE_GATE.search(text)) and (match := _ABUSE_RE.search(text)):
        return f"abuse: '{_short(match.group())}'", match.group()
    if not gated or _INSULT_GATE.search(squashed):
        for insult in _INSULT.finditer(text):
            start = insult.start()
            if not (
                _reported(text, start)
                or reported(text, start)
                or self_directed(text, start)
                or a_thing(text, insult.end())
            ):
                return f"insult: '{_NAMES[insult.lastgroup or '']}'", insult.group()
    if not gated or _ACCUSE_GATE.search(squashed):
        for accusation in _ACCUSE.finditer(text):
            start = accusation.start()
            if not (
                _reported(text, start)
                or reported(text, start)
                or _negated(text, start)
                or _asking(text, accusation)
                or _SOMEONE_BEFORE_YOU.search(text, max(0, start - 30), start) is not None
            ):
                return f"accusation: '{_NAMES[accusation.lastgroup or '']}'", accusation.group()
    if (not gated or _TARGETED_GATE.search(squashed)) and (match := _TARGETED_RE.search(text)):
        phrase = match.group().strip(" .!?,\n")
        return f"insult: '{_short(phrase)}'", phrase
    return _form(text, gated=gated)


def _form(text: str, *, gated: bool) -> tuple[str, str] | None:
    """Threats, wishes of harm and insults read by their form (`flags_conduct_forms`), then
    accusations by verb, threats to expose and short abuse (`flags_conduct_accuse`)."""
    if (form := form_evidence(text, gated=gated) or accuse_evidence(text, gated=gated)) is not None:
        kind, words = form
        return f"{kind}: '{_short(words)}'", words
    return None


#: "the guy before you stole my code": someone else, placed by "you".
_SOMEONE_BEFORE_YOU = re.compile(
    r"\b(?:guy|seller|person|one|buyer|owner|man|woman|someone|somebody) (?:before|after) $"
)


def _reported(text: str, start: int) -> bool:
    return _REPORTED.search(text[max(0, start - 40) : start]) is not None


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - 30) : start]
    return _NEGATION.search(re.split(r"[.!?;,\n]", before)[-1]) is not None


def _asking(text: str, match: re.Match[str]) -> bool:
    """Whether `match` sits in a question about someone else ("is this seller a scammer?")."""
    before = re.split(r"[.!?\n]", text[max(0, match.start() - 60) : match.start()])[-1]
    after = text[match.end() : match.end() + 60]
    end = re.search(r"[.!?\n]", after)
    return end is not None and end.group() == "?" and _ASKING.search(before) is not None


def _short(matched: str) -> str:
    """A matched phrase, tidy and bounded, for the reason text."""
    flat = " ".join(matched.split())
    return flat if len(flat) <= 30 else flat[:29] + "…"
