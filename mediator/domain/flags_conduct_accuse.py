"""P-COMM-CONDUCT: accusations by verb, threats to expose someone, and short abuse (issue 21,
fourth round), on `flags_text.normalise()`d text, in English, German, Spanish, Portuguese,
Polish and Russian.

- **accusations by verb**, said to the other party: "you ripped me off", "you cheated me",
  "du hast mich abgezockt", "me estafaste", "você me roubou", "oszukałeś mnie", "ты меня кинул";
  the verb forms are the second person, so a report about someone else ("the last seller
  cheated me") is not one;
- **accusations without a basis**: crime supposed, not reported ("i bet you paid with a stolen
  card", "seguro que pagaste con una tarjeta robada"), and collusion ("support is taking a cut
  from this seller", "the mods are in on this scam", "you're running a scam");
- **threats to expose** someone's details: "it would be a shame if your address ended up
  online", "your address goes public", "I'll leak your number", "sería una pena que tu
  dirección…", "i know which school you go to", "sé dónde trabajas";
- **short abuse and insults**: "you disgust me", "how dumb are you", "you are too stupid to…",
  "cierra la boca", "cala essa boca", "zamknij mordę", "закрой рот", "vai se lascar", "du bist
  das Letzte", "eres un sinvergüenza", "ты просто клоун".

Dropped as elsewhere: reported words (`flags_conduct_forms.reported`), a negated clause ("I'm
not saying you cheated me"), the speaker about themselves ("I feel ripped off").
"""

from __future__ import annotations

import re

from mediator.domain.flags_conduct_forms import reported, self_directed
from mediator.domain.flags_text import GateSet, WordGate, compile_words, words_of

_ACCUSE_VERB = compile_words(
    r"\b(?:you|u)(?: (?:just|basically|literally|totally|clearly|obviously))? (?:ripped|cheated|"
    r"conned|swindled|fleeced|tricked|duped|robbed|scammed|screwed) (?:me|us|people|everyone|"
    r"buyers|customers|my (?:\w+ )?(?:money|brother|friend|son))\b"
    r"|\b(?:you|u) (?:took|stole|kept|pocketed) my (?:money|cash|payment) and (?:ran|"
    r"disappeared|vanished)\b"
    r"|\b(?:you|u)(?:'re| are| r)? (?:running|pulling|doing|running another) (?:a|this|the|your|"
    r"another) (?:scam|con)\b"
    r"|\b(?:con ?artist|swindler|fraudster|conman|con man)s?\b"
    # de
    r"|\bdu (?:hast|hattest) (?:mich|uns|mein geld|meine? \w+)(?: \w+){0,2}? (?:abgezockt|betrogen|"
    r"beklaut|geklaut|beschissen|verarscht|abgezogen|über den tisch gezogen)\b"
    r"|\b(?:abzocker|abzockern|abzockers|betrugerbande|dreckiger dieb)\b"
    # es
    r"|\b(?:me|nos) (?:estafaste|robaste|timaste|enganaste|estafasteis|robasteis|timasteis)\b"
    r"|\b(?:me|nos) (?:has|habeis) (?:estafado|robado|timado|enganado)\b"
    # pt
    r"|\b(?:voce|vc|tu|ce) (?:me |nos )?(?:roubou|roubaste|enganou|enganaste|golpeou|passou a "
    r"perna)\b|\b(?:voce|vc|tu) (?:me |nos )?(?:deu|aplicou) (?:um |o )?golpe\b"
    # pl
    r"|\b(?:oszukałeś|oszukałaś|okradłeś|okradłaś|ukradłeś|ukradłaś|naciągnąłeś|naciągnęłaś|"
    r"orżnąłeś|wykiwałeś|wykiwałaś|oszukaliście)\b"
    # ru
    r"|\b(?:ты|вы) (?:меня |нас )?(?:кинул|кинула|кинули|обманул|обманула|обманули|украл|украла|"
    r"украли|развел|развела|развели|ограбил|ограбила|ограбили)\b"
    r"|\b(?:обманщик|обманщица|жулик|аферист|аферистка)\w*"
)
_ACCUSE_VERB_GATE = WordGate(
    "ripped", "cheated", "conned", "swindled", "fleeced", "tricked", "duped", "robbed", "scammed",
    "screwed", "ran", "disappeared", "vanished", "scam", "con", "conartist", "conartists",
    "swindler", "swindlers", "fraudster", "fraudsters", "conman", "conmans", "hast", "hattest",
    "abzocker",
    "abzockern", "abzockers", "betrugerbande", "dreckiger", "estafaste", "robaste", "timaste",
    "enganaste", "estafasteis", "robasteis", "timasteis", "estafado", "robado", "timado",
    "enganado", "roubou", "roubaste", "enganou", "golpeou", "perna", "golpe", "oszukałeś",
    "oszukałaś", "okradłeś", "okradłaś", "ukradłeś", "ukradłaś", "naciągnąłeś", "naciągnęłaś",
    "orżnąłeś", "wykiwałeś", "wykiwałaś", "oszukaliście", "кинул", "кинула", "кинули", "обманул",
    "обманула", "обманули", "украл", "украла", "украли", "развел", "развела", "развели",
    "ограбил", "ограбила", "ограбили", "обманщи*", "жулик*", "аферист*",
)  # fmt: skip

#: A crime supposed with no basis ("I bet you paid with a stolen card", "seguro que pagaste con
#: una tarjeta robada"), or collusion alleged ("support is taking a cut from this seller").
_AGENT = (
    r"(?:(?:you|u|du|tu|vc|voce|ty|ты)\b[^.!?\n]{0,15}\b(?:paid|pay|bought|buy|sell|sells|"
    r"resell|resold|sold|use|used|got|get|stole|steal|launder\w*|bezahlt|gekauft|verkaufst|"
    r"pagou|comprou|vende|revende|usou|zapłaciłeś|kupiłeś|sprzedajesz|płacisz|заплатил|купил|"
    r"продаешь|перепродаешь)|\b(?:pagaste|compraste|usaste|vendes|revendes))\b"
)
_CRIME = (
    r"(?:(?:stolen|gestohlen(?:e|en|er|es)?|geklaut(?:e|en|er|es)?|robad[ao]s?|roubad[ao]s?|"
    r"u?kradzion(?:a|e|y|ej|ych|ym|ymi|ego|emu))\b|украден|ворован|краден)"
)
_SUPPOSED = compile_words(
    r"\b(?:i bet|probably|obviously|clearly|i'm sure|i am sure|no doubt|wette|bestimmt|"
    r"wahrscheinlich|seguro que|seguramente|apuesto|aposto|com certeza|certeza que|"
    r"provavelmente|pewnie|na pewno|założę się|наверняка|небось|наверное)\b"
    rf"[^.!?\n]{{0,25}}{_AGENT}[^.!?\n]{{0,30}}\b{_CRIME}"
    r"|\b(?:you|u|du|tu|vc|voce|ty|ты) (?:probably|obviously|clearly|surely|wahrscheinlich|"
    r"bestimmt|seguramente|provavelmente|pewnie|наверняка|небось) (?:\w+ ){0,2}?(?:paid|bought|"
    r"buy|sell|resell|sold|resold|use|used|bezahlt|gekauft|verkaufst|pagaste|compraste|vendes|"
    r"pagou|comprou|vende|revende|kupiłeś|sprzedajesz|купил|продаешь|перепродаешь)\b"
    rf"[^.!?\n]{{0,30}}\b{_CRIME}"
    r"|\b(?:support|staff|admins?|mods|moderators?|the site|igitems|you guys|you people|"
    r"der support|el soporte|o suporte|suport|поддержка|админ\w*)(?: team)? (?:is|are|was|were|"
    r"must be|has been|have been|'s|'re|seems?|ist|sind|es|está|están|é|estão|jest|są)"
    r"(?: \w+)? (?:taking a cut|getting a cut|getting paid by|paid off|bribed|on the take|"
    r"in on (?:it|this|the scam|this scam)|in (?:his|her|their|the seller's) pocket|bestochen|"
    r"geschmiert|sobornad[oa]s?|comprad[oa]s? por|subornad[oa]s?|przekupion\w*|подкуплен\w*|"
    r"в доле)\b"
)
_PL_ENDINGS = ("a", "e", "y", "ej", "ych", "ym", "ymi", "ego", "emu")
_CRIME_GATE = WordGate(
    "stolen", "gestohlen", "gestohlene", "gestohlenen", "gestohlener", "gestohlenes", "geklaut",
    "geklaute", "geklauten", "geklauter", "geklautes", "robado", "robada", "robados", "robadas",
    "roubado", "roubada", "roubados", "roubadas", "украден*", "ворован*", "краден*",
    *(f"{u}kradzion{end}" for u in ("", "u") for end in _PL_ENDINGS),
)  # fmt: skip
_COLLUDERS = WordGate(
    "support", "staff", "admin", "admins", "mods", "moderators", "moderator", "site", "igitems",
    "guys", "people", "soporte", "suporte", "suport", "поддержка", "админ*",
)  # fmt: skip
_COLLUSION = WordGate(
    "cut", "bribed", "take", "pocket", "paid", "bestochen", "geschmiert", "sobornado",
    "sobornada", "sobornados", "sobornadas", "comprado", "comprada", "comprados", "compradas",
    "subornado", "subornada", "subornados", "subornadas", "przekupion*", "подкуплен*", "доле",
    " in on *",
)  # fmt: skip


def _supposed_gate(words: frozenset[str], text: str) -> bool:
    """`_SUPPOSED`'s gate: a crime word, or someone who could collude and a word of collusion."""
    return _CRIME_GATE(words, text) or (_COLLUDERS(words, text) and _COLLUSION(words, text))


#: Someone's details and where they would be exposed.
_DETAILS = (
    r"(?:home |real |full |personal |private |work )?(?:address|name|number|phone number|"
    r"face|photos?|pictures?|details|info|identity|ip|family|school|workplace|dox)"
)
_EXPOSE = compile_words(
    rf"\b(?:your|ur) {_DETAILS}\b[^.!?\n]{{0,25}}\b(?:end(?:s|ed)? up|goes|going|go|get|gets|got|"
    r"becomes?|will be|would be) (?:online|public|viral|everywhere|leaked|posted|"
    r"published|on (?:the )?(?:internet|net|twitter|reddit|tiktok|forums?|social media))\b"
    rf"|\b(?:i|we)(?:'ll| will|'m going to| am going to|'m gonna| gonna| are going to)? "
    rf"(?:leak|publish|expose|dox|doxx|spread|post) (?:your|ur) {_DETAILS}\b"
    rf"[^.!?\n]{{0,30}}\b(?:online|everywhere|public|forums?|internet|twitter|reddit)"
    rf"|\b(?:i|we)(?:'ll| will|'m going to| am going to|'m gonna| gonna) (?:leak|publish|expose|"
    rf"dox|doxx) (?:your|ur) {_DETAILS}\b"
    rf"|\b(?:shame|pity|sad|terrible|awful)\b[^.!?\n]{{0,20}}\bif (?:your|ur) {_DETAILS}\b"
    r"|\bi know (?:which|what) (?:school|street|city|town|building|office|company|gym|club) "
    r"(?:you|u)\b"
    r"|\b(?:know|found out|find out) where (?:you|u) (?:work|go to school|study)\b"
    r"|\b(?:you|u)(?:'re not going to| won'?t|'ll not| will not) (?:like|enjoy) what (?:i|we) "
    r"(?:do|'ll do|will do|have planned|do next)\b"
    r"|\bmake (?:your|ur) (?:face|name|address|number|details) (?:famous|known|public|viral)\b"
    rf"|\b(?:your|ur) {_DETAILS}\b[^.!?\n]{{0,25}}\ball over (?:the )?(?:internet|net|web|forums?|"
    r"twitter|reddit|social media|tiktok)\b"
    r"|\b(?:you(?:'ll| will)|you'?re going to|you don'?t know|you have no idea) (?:see )?what "
    r"(?:i'm|i am|we're|we are|i'll be) capable of\b"
    r"|\beveryone (?:on|in|at) my (?:\w+ ){0,2}(?:will|is going to|gonna|'ll) (?:know|see|hear "
    r"about) (?:what|who|how) (?:you|u)\b"
    r"|\b(?:better )?(?:hope|pray) (?:we|i) never (?:meet|see each other|cross paths)\b"
    # de, es, pt, pl, ru: a shame if your address… ; I know where you work
    r"|\b(?:schade|blöd)\b[^.!?\n]{0,10}\bwenn (?:deine?|dein) (?:adresse|name|nummer|"
    r"telefonnummer|gesicht|fotos?|bilder|daten|familie)\b"
    r"|\b(?:pena|lastima)\b[^.!?\n]{0,10}\b(?:que|si) (?:tu|tus) (?:direccion|nombre|numero|"
    r"telefono|cara|fotos?|datos|familia)\b"
    r"|\bpena se (?:o |a )?(?:seu|sua|teu|tua|seus|suas) (?:endereco|nome|numero|telefone|cara|"
    r"rosto|fotos?|dados|familia)\b"
    r"|\bszkoda\b[^.!?\n]{0,20}\b(?:gdyby|jakby|jeśli|jeżeli)\b[^.!?\n]{0,10}\b(?:twój|twoje|twoja|"
    r"twoich) (?:adres|nazwisko|numer|zdjęcia|dane|rodzina)\b"
    r"|жал(?:ь|ко),? (?:если|коли)(?: бы)? (?:твой|твои|твоя|твое|твоё) (?:адрес|номер|фото|"
    r"данные|имя|лицо|семья)"
    r"|\bs[eé] (?:quien eres y )?donde (?:trabajas|estudias)\b|\bsei onde (?:voce|vc) "
    r"(?:trabalha|estuda)\b|\bweiss?,? wo du (?:arbeitest|zur schule)\b"
    r"|\bwiem,? gdzie (?:pracujesz|się uczysz)\b|знаю,? где ты (?:работаешь|учишься)"
)
_EXPOSE_GATE = WordGate(
    "online", "public", "viral", "everywhere", "leaked", "posted", "published", "internet", "net",
    "twitter", "reddit", "tiktok", "forum", "forums", "social", "leak", "publish", "expose", "dox",
    "doxx", "spread", "post", "shame", "pity", "sad", "terrible", "awful", "school", "street",
    "city", "town", "building", "office", "company", "gym", "club", "work", "study", "like",
    "enjoy", "famous", "known", "web", "capable", "everyone", "meet", "cross", "see", "schade",
    "blöd",
    "pena", "lastima",
    "szkoda", "жаль", "жалко", "trabajas", "estudias", "trabalha", "estuda", "arbeitest",
    "schule", "pracujesz", "uczysz", "работаешь", "учишься",
)  # fmt: skip

_ABUSE = compile_words(
    r"\b(?:you|u) (?:disgust|sicken|repulse) me\b|\b(?:you|u) make me sick\b"
    r"|\b(?:you're|you are|ur|u r|youre) (?:the )?(?:worst|lowest|most disgusting|most pathetic) "
    r"(?:kind of |type of |sort of |excuse for an? )?(?:human|person|people|seller|trader|scum)\b"
    r"|\b(?:que|qué) (?:asco|nojo) de (?:persona|pessoa|tipo|gente|vendedor|vendedora)\b"
    r"|\bhow (?:dumb|stupid|useless|incompetent|clueless|pathetic|thick|retarded) (?:are|r|can) "
    r"(?:you|u)\b"
    r"|\b(?:you|u)(?:'re| are| r) (?:too|so|this|that) (?:dumb|stupid|useless|incompetent|"
    r"clueless|thick|lazy) to\b"
    r"|\bshut (?:your|ur) (?:trap|pie ?hole|gob|hole)\b"
    r"|\b(?:cierra|callate) (?:la|el|tu) (?:boca|pico|hocico)\b"
    r"|\bcala (?:a |essa |tua |sua )?boca\b|\bvai (?:se|te) (?:lascar|danar|catar coquinho)\b"
    r"|\bzamknij (?:mordę|ryj|japę|pysk|gębę|dziób)\b|\bзакрой (?:рот|пасть|варежку|хлебало)\b"
    r"|\bзаткни (?:рот|пасть|хлебало)\b"
    r"|\bdu bist (?:echt |wirklich |einfach |so |total |nur )*(?:das letzte|der letzte dreck|"
    r"erbärmlich|widerlich|armselig|ein witz|eine witzfigur|lächerlich)\b|\bwitzfigur\b"
    r"|\beres (?:un |una |muy |tan )*(?:sinverguenza|caradura|miserable|rata|basura|asco)\b"
    r"|\b(?:ты|вы) (?:просто |реально |настоящий |конченый |полный )?(?:клоун|обманщик|жулик|"
    r"ничтожество|отброс|позорище|урод|тупица)\b"
    r"|\b(?:voce|vc|tu|ce) (?:e|es) (?:um |uma |mt |mto |muito |mesmo |so )*(?:burro|burra|"
    r"idiota|lixo|otario|babaca|imbecil|palhaco|ridiculo|ridicula|patetico|patetica)\b"
)
_ABUSE_GATE = WordGate(
    "disgust", "sicken", "repulse", "sick", "worst", "lowest", "most", "asco", "nojo", "dumb",
    "stupid", "useless", "incompetent",
    "clueless", "pathetic", "thick", "retarded", "lazy", "trap", "pie", "piehole", "gob", "hole",
    "boca", "pico", "hocico", "lascar", "danar", "coquinho", "mordę", "ryj", "japę", "pysk",
    "gębę", "dziób", "рот", "пасть", "варежку", "хлебало", "letzte", "erbärmlich", "widerlich",
    "armselig", "witz", "witzfigur", "lächerlich", "sinverguenza", "caradura", "miserable", "rata",
    "basura", "asco", "клоун", "обманщик", "жулик", "ничтожество", "отброс", "позорище", "урод",
    "тупица", "burro", "burra", "idiota", "lixo", "otario", "babaca", "imbecil", "palhaco",
    "ridiculo", "ridicula", "patetico", "patetica",
)  # fmt: skip

_NEGATION = compile_words(
    r"\b(?:not|never|no|isn'?t|aren'?t|wasn'?t|don'?t|didn'?t|nicht|kein\w*|nie|nunca|não|"
    r"не|ни)\b"
)

#: (kind, pattern, gate), tried in this order.
_RULES = (
    ("threat", _EXPOSE, _EXPOSE_GATE),
    ("accusation", _ACCUSE_VERB, _ACCUSE_VERB_GATE),
    ("accusation", _SUPPOSED, _supposed_gate),
    ("abuse", _ABUSE, _ABUSE_GATE),
)


#: All the gates above at once: most messages pass none, and cost one set test.
_ANY = GateSet([_EXPOSE_GATE, _ACCUSE_VERB_GATE, _CRIME_GATE, _COLLUDERS, _ABUSE_GATE])


def accuse_evidence(text: str, *, gated: bool = True) -> tuple[str, str] | None:
    """(kind, the words) of an accusation, exposure threat or short abuse, or None."""
    words = words_of(text) if gated else frozenset()
    if gated and not _ANY.any(words, text):
        return None  # `_supposed_gate` needs `_CRIME_GATE` or `_COLLUDERS`
    for kind, pattern, rule_gate in _RULES:
        if gated and not rule_gate(words, text):
            continue
        for match in pattern.finditer(text):
            start = match.start()
            if reported(text, start) or self_directed(text, start) or _negated(text, start):
                continue
            return kind, match.group().strip(" .!?,\n")
    return None


def _negated(text: str, start: int) -> bool:
    before = re.split(r"[.!?;,\n]", text[max(0, start - 30) : start])[-1]
    return _NEGATION.search(before) is not None
