"""P-COMM-CONDUCT by the shape of a sentence, not by a phrase list (issue 21).

`flags_conduct` lists phrases; a wording it lacks is missed. The forms here read structure, so
that new words in a known shape are caught, in English, German, Spanish, Portuguese, Polish and
Russian (on `flags_text.normalise()`d text: lower case, no accents):

- threats: hunting or tracking someone down, finding them (with nothing after that makes it an
  errand: "I'll find you a better deal", "find you in game"), knowing people, "you('ll| are
  gonna) regret (this|it)", "see what happens", "ich mach dich fertig", "arruinar tu vida";
- wishes of harm: "hope/wish/pray/may + you/your … + a harm" ("hope your account gets banned",
  "may your shop burn"), and "you deserve to get robbed"; a negation between the two ("hope
  your account does not get banned") or a harm undone ("unbanned") is not one;
- insults by structure: "you [adjective] little [noun]", "you filthy pig", "[noun] of a seller",
  "hey dumbo", "du dummer Hund", "ty śmieciu", "você é um lixo".

Dropped: the speaker's own words about themselves ("I feel like an idiot"), a report of what
someone else said ("he called me an idiot", "он назвал меня идиотом"), and names of things in
games ("Bastard Sword", "loser's bracket", "the Pig mount") — see `self_directed`, `reported`.
"""

from __future__ import annotations

import re

from mediator.domain.flags_text import GateSet, WordGate, compile_words, words_of

#: What a wish of harm wishes. Whole words: "banned" is not "unbanned".
_HARM = (
    r"\b(?:(?:get|gets|getting|be|is|are|goes|go|got) )?"
    r"(?:banned|robbed|stolen|hacked|scammed|sued|"
    r"fired|evicted|arrested|jailed|killed|murdered|hurt|raped|beaten|run over|hit by|"
    r"shut down|closed down|burned|burnt|bankrupt|broke|ruined|destroyed|cancer|aids|"
    r"(?:a )?(?:slow |painful |horrible |long |miserable )*death)\b"
    r"|\b(?:burns?|burning|dies?|dying|rots?|rotting|suffers?|suffering|chokes?|choking|"
    r"crash(?:es)? and burns?|goes under|goes bankrupt|lose everything|loses everything|"
    r"fails?|failing|end(?:s)? up (?:on the street|homeless|broke|in jail)|"
    r"lose (?:your|ur) (?:shop|store|account|business|job|house|home)|"
    r"finds? out what (?:you|u) are|never sells? anything again|burn to the ground|"
    r"gets? what(?:'s| is) coming)\b"
    # de, es, pt, pl, ru
    r"|\b(?:abbrennt|pleite geht|gesperrt wird|verreckst|krepierst|stirbst|pleite|"
    r"quiebres?|mueras?|pudras?|quemes?|quede en la calle|"
    r"morra|morras|quebre|falir|apodreca|"
    r"zdech\w*|spłon\w*|zbankrutu\w*"
    r")\b|сдох\w*|сгор\w*|разорил\w*|подох\w*"
)
_WISH = compile_words(
    r"\b(?:hope|hoping|wish|wishing|pray|praying|may)\b(?: (?:that|to god))?"
    r" (?:you|u|your|ur|ya)\b([^.!?\n]{0,60}?)"
    + f"(?:{_HARM})"
    + r"|\b(?:you|u)(?: really| all| fully)? deserves? (?:to )?([^.!?\n]{0,20}?)"
    + f"(?:{_HARM})"
    + r"|\b(?:ojala|espero que|tomara que|oby|żebyś|zebys|mam nadzieję,? że|hoffe,? (?:dass )?"
    r"|hoffentlich)\b"
    r"([^.!?\n]{0,40}?)"
    + f"(?:{_HARM})"
    + r"|\bчтоб(?:ы)? (?:ты|твой|твоя|твое|тебя)\b([^.!?\n]{0,30}?)(?:сдох|сгор|разорил|подох|"
    r"разорвало|черти)|\bчтоб тебя()\s?(?:[.!]|$)"
)
_WISH_UNDO = re.compile(r"n't\b|\b(?:not|never|no|nicht|nao|nie|не)\b|\bun(?:banned|locked)")
_WISH_GATE = WordGate(
    "hope", "hoping", "wish", "wishing", "pray", "praying", "may", "deserve", "deserves", "ojala",
    "espero", "tomara", "oby", "nadzieję", "hoffe", "hoffentlich", "żebyś", "чтоб", "чтобы",
)  # fmt: skip

_YOU = r"(?:you|u|ya|ur|you're|youre|you are|u r)"
#: Nouns that insult a person: beasts, excrement, nobodies.
_BEASTS = (
    r"pig|pigs|swine|rat|rats|weasel|snake|worm|maggot|cockroach|roach|leech|vulture|donkey|"
    r"monkey|ape|dog|mutt|cow|sheep|hyena|parasite|vermin|clown|muppet|dumbo|moron|idiot|"
    r"turd|scumbag|scum|creep|freak|loser|troll|bozo|buffoon|fool|dimwit|halfwit|"
    r"nitwit|dipshit|twit|git|crybaby|whiner|prick|tosser|knob|jerk|cretin|degenerate|peasant|fraud|"
    r"crook|liar|thief|disgrace"
)
#: Words that are no adjective before a noun ("you sold the pig mount", "you got a rat pet").
_NOT_ADJECTIVE = frozenset(
    [
        "a",
        "an",
        "the",
        "my",
        "your",
        "his",
        "her",
        "our",
        "their",
        "this",
        "that",
        "these",
        "those",
        "some",
        "any",
        "got",
        "get",
        "have",
        "has",
        "had",
        "sold",
        "sell",
        "saw",
        "see",
        "bought",
        "buy",
        "gave",
        "give",
        "sent",
        "send",
        "took",
        "take",
        "want",
        "need",
        "like",
        "is",
        "are",
        "was",
        "were",
        "will",
        "can",
        "could",
        "should",
        "would",
        "did",
        "do",
        "does",
        "also",
        "just",
        "still",
        "never",
        "ever",
        "even",
        "only",
        "really",
        "know",
        "knew",
        "care",
        "cared",
        "made",
        "make",
        "left",
        "paid",
        "pay",
        "offered",
        "gave",
        "said",
        "say",
        "told",
        "mean",
        "meant",
        "think",
        "thought",
        "as",
        "so",
        "too",
        "very",
        "not",
        "no",
        "with",
        "and",
        "or",
        "but",
        "for",
        "of",
        "in",
        "on",
        "at",
        "to",
    ]
)
#: A following word that makes the noun a thing in a game or a shop.
_THING_AFTER = re.compile(
    r"\s?(?:'s\b|(?:mount|pet|skin|set|outfit|costume|emote|class|boss|plush|figure|toy|card|"
    r"sword|bracket|king|queen|mode|guild|build|spec|simulator|game|item|key|bundle|dlc|pack|"
    r"edition|quest|slayer|hunter|skill|armor|armour|helm|shield|bow|staff)s?\b)"
)
_YOU_NOUN = compile_words(
    rf"\b{_YOU} ((?:[a-z]{{2,15}} ){{0,2}}?)(?:little |fucking |fkn |stupid |dumb |filthy |"
    rf"absolute |complete |total |utter |useless |worthless |pathetic |brainless |greedy |"
    rf"sad |dirty |lying |thieving |miserable |disgusting )?(?:{_BEASTS})s?\b"
    rf"|\b{_YOU} (?!(?:a|an|the|my|your|so|very|too|really|just|also|still|not|no)\b)"
    rf"([a-z]{{3,15}}) little (?!(?:time|bit|effort|money|help|use|chance|value|more|less|about|"
    rf"to|of|for|while|later|longer|sense|attention|info|information|details?|left|else|"
    rf"patience|interest)\b)[a-z]{{2,15}}\b"
)
_FRIENDLY = re.compile(
    r"\b(?:cute|sweet|lovely|clever|smart|brave|lucky|legend|genius|angel|star|"
    r"champ|beauty|gem|hero|king|queen|boss|beast)\b"
)
_OF_A_PARTY = compile_words(
    r"\b(?:joke|disgrace|excuse|embarrassment|piece of (?:garbage|trash|shit|crap|work)|waste|"
    r"clown|idiot|moron|scum|rat|snake|pig|fraud|thief|liar|crook|shame|sorry excuse|"
    r"idiota|lixo|merda|porcaria|vergüenza|verguenza|basura|mierda|arschloch|schande|witz|"
    r"dreck)s? (?:of|de|von|do|da|del) (?:an? |um |uma |un |una |einem |einer )?"
    r"(?:seller|buyer|human(?: being)?|person|man|woman|trader|vendedor|vendedora|comprador|"
    r"compradora|verkaufer|verkauferin|kaufer|mensch|ser humano|sprzedawc\w*|człowieka|"
    r"продав\w*|человек\w*)\b"
    r"|\b(?:seller|vendedor|vendedora|verkaufer|comprador)\w* (?:(?:de|von|do) )?(?:merda|mierda|"
    r"lixo|basura|mist|scheisse|scheiße|idiota|burro|inutil|porco|nojento|de mierda)\b"
    r"|\b(?:clown|scam|fraud|thief|liar|joke|rat|snake|crook|muppet|"
    r"lying|thieving|scummy|trash|garbage)(?: ass)? (?:seller|buyer|shop|store|trader)\b"
)
_HEY = compile_words(
    rf"(?:^|[.!?,\n]\s?|\b(?:hey|hi|oi|yo|listen|listen here|ok|okay|well|look|thanks|thx|"
    rf"sorry|hello)\s)(?:you )?(?:{_BEASTS}|dummy|dumbass|stupid|dickhead|idiota|burro|imbecil|"
    rf"pendejo|otario|trottel|idiot|"
    rf"penner|debilu|idioto|frajerze|дурак|идиот)\s?(?:[.!?,\n]|$)"
)
#: "du dummer Hund", "ty śmieciu", "você é um lixo", "eres una rata", "ты тупой": by language.
_NATIVE = compile_words(
    r"\bdu (?:bist )?(?:so |ein |eine |echt |total |voll |einfach |der |die |das |letzte |"
    r"ein stuck )*(?:dumm\w*|blod\w*|hund|kuh|dreck|abschaum|mull|witz|"
    r"opfer|arsch|idiot|penner|versager|lappen|affe|schwein|sau|ratte|missgeburt|wichser|"
    r"trottel|dreckssack|mistkerl|drecksau|bastard|nichtsnutz|clown|betruger)\b"
    r"|\b(?:voce|vc|tu|ce) (?:e|es) (?:um |uma |mesmo |muito |so )*(?:lixo|idiota|burro|burra|"
    r"otario|babaca|merda|inutil|ladrao|ladra|imbecil|palhaco|verme|rato|porco|vagabund\w*|"
    r"safad\w*|canalha|escroto|nojento|corno|mentiroso)\b"
    r"|\b(?:seu|sua) (?:grande )?(?:merda|lixo|idiota|burro|otario|babaca|verme|"
    r"vagabund\w*|safad\w*|canalha|escroto|corno|imbecil|palhaco|besta|anta|jumento|"
    r"vigarista|trambiqueiro|picareta|golpista|caloteiro)\b"
    r"|\beres (?:un |una |muy |tan |el |la )*(?:idiota|imbecil|estupid\w*|inutil|rata|basura|"
    r"cerdo|cerda|payaso|ladron|estafador\w*|mentiros\w*|pendejo|tonto|tonta|gilipollas|"
    r"mierda|subnormal|retrasad\w*)\b"
    r"|\b(?:maldito|maldita|puto|puta|pinche|jodido|asqueroso) (?:estafador\w*|ladron\w*|"
    r"vendedor\w*|idiota|imbecil|rata|mentiros\w*|cabron)\b"
    r"|\b(?:pedazo de (?:mierda|basura|idiota)|hijo de (?:perra|puta)|hija de (?:perra|puta)|"
    r"filho da (?:mae|puta)|filha da (?:mae|puta)|cara de (?:pau|merda))\b"
    r"|\bty (?:\w+ )?(?:idioto|debilu|śmieciu|frajerze|złodzieju|kretynie|chuju|gnoju|głupku|"
    r"matole|palancie|oszuscie|swinio|szmato|pajacu|baranie|dzbanie|kurwo|cwelu|skurwysynu)\b"
    r"|\bjesteś (?:\w+ )?(?:zerem|idiotą|debilem|śmieciem|kretynem|złodziejem|oszustem|"
    r"frajerem|głupi|głupia|nikim|szmatą|pajacem)\b"
    r"|\b(?:ты|вы) (?:\w+ )?(?:тупой|тупая|дурак|дура|идиот|дебил|урод|козел|козёл|мудак|"
    r"ничтожество|скотина|свинья|крыса|мошенник|вор|лжец|придурок|кретин|чмо|мразь)"
    r"|скотин\w*|ничтожеств\w*|\bdumb ?fuck\w*|\bdumbfuck\w*|\bdipshit\b|\bfuckface\b"
    r"|\b(?:your|ur) (?:mother|mom|mum|parents) should (?:have|'ve)\b"
    r"|\b(?:nobody|no one) (?:would|will|is going to) miss (?:you|u)\b"
    r"|\b(?:you|u)(?: are| r|'re|re) (?:a |an |such a |an absolute |a total |a complete )?"
    r"(?:disgrace|embarrassment|waste of \w+|failure|nobody|nothing|parasite|vermin|subhuman|"
    r"degenerate)\b(?! (?:to worry|wrong|to do|else|more|special))"
    r"|\bbist du (?:eigentlich |echt |so |denn |wirklich )?(?:blod|dumm|bescheuert|doof|"
    r"behindert)\w*|\b(?:blod|dumm|bescheuert|doof|behindert)\w* bist du\b"
)
#: Gates (see `flags_text.gate`), one per insult form.
_BEAST_GATE = WordGate(
    *_BEASTS.split("|"), *(f"{w}s" for w in _BEASTS.split("|")), "little", "dummy", "dumbass",
    "stupid", "dickhead", "idiota", "burro", "imbecil", "pendejo", "otario", "trottel", "penner",
    "debilu", "idioto", "frajerze", "дурак", "идиот",
)  # fmt: skip
_OF_A_PARTY_GATE = WordGate(
    "seller*", "buyer", "human", "person", "man", "woman", "trader", "vendedor*", "comprador*",
    "verkaufer*", "kaufer", "mensch", "humano", "człowieka", "sprzedawc*", "продав*", "человек*",
    "shop", "store",
)  # fmt: skip
_NATIVE_GATE = WordGate(
    "du", "voce", "vc", "tu", "ce", "seu", "sua", "eres", "maldito", "maldita", "puto", "puta",
    "pinche", "jodido", "asqueroso", "pedazo", "hijo", "hija", "filho", "filha", "cara", "ty",
    "jesteś", "ты", "вы", "скотин*", "ничтожеств*", "dumb*", "dipshit", "fuckface", "should",
    "miss", "disgrace", "waste", "failure", "nobody", "nothing", "parasite", "vermin",
    "subhuman", "degenerate", "embarrassment", "bist",
)  # fmt: skip
_INSULT_FORMS = (
    (_YOU_NOUN, _BEAST_GATE),
    (_OF_A_PARTY, _OF_A_PARTY_GATE),
    (_HEY, _BEAST_GATE),
    (_NATIVE, _NATIVE_GATE),
)

#: Threat forms, each with the words its gate needs (one of them).
#: After "I'll find you" in any language: the end of the clause, "and", "wherever", "in
#: person", not an object ("te voy a encontrar un buen precio").
_FIND_END = (
    r"(?=\s{0,3}(?:$|[.!,;?…]|(?:y|e|i|и|und|and|donde|onde|wo|gdzie|где|wherever|cuando|"
    r"quando|irl|pessoalmente|en persona|osobiście|лично)\b))"
)
_THREAT_ENTRIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        r"\b(?:track|hunt|chase|run) (?:you|u|ya) down\b(?! in (?:the )?game| in-game| ingame)",
        ("down",),
    ),
    (
        r"\bmake (?:you|u) pay(?: for (?:this|that|it|what you did))?\s?(?:[.!]|$)"
        r"|\bmake (?:you|u) pay for (?:this|that|it|what)\b"
        r"|\bhearing from (?:my|some of my|our) (?:friends|boys|guys|people|cousins|brothers)\b"
        r"|\b(?:enjoy )?your last days\b"
        r"|\b(?:pray|hope) (?:you|u) never (?:meet|see|run into|find) me\b"
        r"|\bmake (?:you|u) regret\b|\bget what(?:'s| is) coming(?: to (?:you|u))?\b"
        r"|\b(?:hunt|track) down (?:every|all|each) [^.!?\n]{0,25}\b(?:you|your|ur)\b"
        r"|\bend up (?:dead|in a ditch|hurt|in (?:the |a )?hospital|six feet under|in a body bag)"
        r"|\b(?:should|better|'d better|had better|need to) watch (?:yourself|your step)\b"
        r"(?! on| with| when| at| in the)",
        ("pay", "hearing", "last", "never", "regret", "coming", "hunt", "track", "end", "watch"),
    ),
    (
        r"\b(?:i|we)(?:'ll| will|'m gonna| am going to|'m going to| gonna| are going to)? "
        r"(?:\w+ )?(?:break|smash|bash|punch|kick|beat) (?:your|ur) (?:legs?|arms?|face|head|"
        r"teeth|nose|bones|skull|kneecaps)\b(?! in (?:the )?game)"
        r"|\b(?:you|u) (?:better|'d better|had better|should) (?:start )?pray(?:ing)?\b"
        r"|\b(?:you're|you are|ur) going down\b(?! (?:the|to|in|a|with))"
        r"|\byour (?:shop|store|house|business|account|life|family) (?:will|is going to|gonna) "
        r"(?:burn|die|suffer|go down|be destroyed|pay)\b",
        (
            *("legs", "leg", "arms", "arm", "face", "head", "teeth", "nose", "bones", "skull"),
            *("kneecaps", "down", "burn", "die", "suffer", "destroyed", "pay", "pray", "praying"),
        ),
    ),
    (
        r"\bhacer(?:te)? la vida (?:imposible|un infierno|imposivel)|\bla vida imposible\b"
        r"|\b(?:vida|leben) (?:um inferno|zur holle|un infierno)\b"
        r"|\b(?:vou|voy a|vamos a) acabar (?:com )?(?:voce|vc|contigo|tigo|com voce)\b",
        ("vida", "leben", "acabar"),
    ),
    (
        r"\b(?:i|we|i'll|we'll|i will|we will|i'm|we're|gonna|going to|will) "
        r"(?:(?!not\b|cannot\b|can\b|could\b|couldn|don|didn|won|never\b)\w+ ){0,2}?"
        r"(?:come |go )?(?:find|get|catch) (?:you|u|ya)\b(?!(?: a| an| the| some| one| another|"
        r" in[ -]?game| on the| in the| on steam| there| online| at the| later| tomorrow| when))"
        r"(?=\s{0,3}(?:$|[.!,;?]|and\b|irl\b|in real life|one day|wherever|i swear|trust me|"
        r"soon|mark my|eventually|sooner|no matter|if it|even if|just wait))"
        r"|\b(?:and|then) (?:then )?(?:come )?find (?:you|u)\s?(?:[.!]|$)",
        ("find", "get", "catch"),
    ),
    (r"\b(?:i'm|i am|we're|we are) coming for (?:you|u)\b", ("coming",)),
    (
        r"\b(?:make|turn) (?:your|ur) (?:life|days|lives) (?:into )?(?:a )?(?:living )?(?:hell|"
        r"nightmare|misery|miserable)\b|\byour days (?:[\w']+ ){0,4}are numbered\b",
        ("hell", "nightmare", "misery", "miserable", "numbered"),
    ),
    (r"\b(?:don't|dont|better not|won't) sleep (?:too |so )?(?:well|tight|soundly)\b", ("sleep",)),
    (
        r"\b(?:you're|you are|ur|u r) (?:so )?(?:finished|done for|toast)\b(?! with| the)",
        ("finished", "done", "toast"),
    ),
    (
        r"\bkeep (?:it|this) up and (?:you'll|you will|u will|u'll) (?:see\s?(?:[.!]|$)|regret|"
        r"be sorry)"
        r"|\bkeep (?:ignoring|scamming|lying)\b[^.!?\n]{0,20}\bsee what\b",
        ("keep",),
    ),
    (
        r"\bi know (?:your|ur) (?:[\w']+ ){0,2}(?:address|house|home|school|workplace)\b"
        r"(?! (?:is|was|in|on))"
        r"|\b(?:i|we) (?:know|have|found|got) (?:your|ur) (?:real name|full name|ip(?: address)?|"
        r"real address)\b(?! (?:is|was|in|from|on))",
        ("address", "house", "home", "school", "workplace", "name", "ip"),
    ),
    (
        r"\b(?:always|eventually) find (?:sellers|people|scammers|guys|thieves|liars) like "
        r"(?:you|u)\b",
        ("always", "eventually"),
    ),
    (
        r"\bi know (?:some )?(?:people|guys|someone|somebody|a guy|people who)\b"
        r"(?:(?: who| that)[^.!?\n]{0,25}\b(?:find|visit|deal with|hurt|hack|take care of|track|"
        r"get to|reach|pay) (?:you|u|ya|your)\b|(?=\s{0,3}(?:$|[.!,;?]|irl|in real)))",
        ("people", "guys", "someone", "somebody", "guy"),
    ),
    (
        r"\b(?:you|u)(?:'ll| will|'re gonna| are gonna|'re going to| are going to| r gonna) "
        r"(?:regret|pay for) (?:this|that|it|scamming|ignoring|lying|cheating|messing|what you)\b"
        r"|\b(?:you|u)(?:'ll| will|'re gonna| are gonna|'re going to| are going to) regret"
        r"\s?(?:[.!]|$)",
        ("regret", "pay"),
    ),
    (
        r"\b(?:and|or|then) (?:you'll |you will |we'll |let's )?(?:see|watch) what happens\b",
        ("happens",),
    ),
    (
        r"\b(?:make sure )?everyone (?:knows|will know|finds out) (?:who|where) (?:you|u) "
        r"(?:are|live)\b",
        ("everyone",),
    ),
    (
        r"\bi(?:'ll| will| am going to|'m going to|'m gonna| gonna) (?:\w+ )?(?:ruin|destroy|"
        r"end|wreck) (?:your|ur) (?:life|lives|business|shop|store|career|reputation)\b",
        ("ruin", "destroy", "end", "wreck"),
    ),
    (
        r"\bich (?:mach|mache) dich (?:fertig|kalt|platt)\b|\bich (?:bring|bringe) dich um\b"
        r"|\bich (?:krieg|kriege|erwisch|erwische) dich\b"
        r"(?! (?:im spiel|ingame|online|nicht))",
        ("dich",),
    ),
    (
        r"\b(?:du )?wirst (?:es |das |dies )?(?:noch |schon )?(?:bereuen|sehen)\s?(?:[.!]|$)"
        r"|\bwirst (?:es |das )?(?:noch )?bereuen\b",
        ("wirst",),
    ),
    (
        r"\barruinar\w* (?:tu|la) (?:vida|negocio|tienda)|\barruinare tu\b",
        ("arruin*",),
    ),
    (
        r"\bte vas a enterar\s?(?:[.!]|$)|\bme las vas a pagar\b"
        r"|\b(?:vas|va|vai|vais) a? ?pagar (?:caro|por esto|por eso|por isso)\b"
        r"|\bte (?:voy|vamos) a (?:matar|pegar|destrozar|reventar)\b"
        r"(?! (?:en el juego|en juego|online))"
        rf"|\bte (?:voy|vamos) a (?:encontrar|buscar)\b{_FIND_END}|\bte (?:encontraré|buscaré)\b"
        rf"{_FIND_END}|\bvoy a ir (?:por|a por) ti\b",
        ("enterar", "pagar", "voy", "vamos", "encontraré", "buscaré"),
    ),
    (
        r"\bvai se arrepender\b|\bvou te (?:matar|destruir|arrebentar|quebrar)\b"
        r"|\bvou te (?:pegar|achar|encontrar)\s?(?:[.!]|$)|\bvou acabar com (?:sua|tua) vida\b"
        rf"|\b(?:vou|vamos) te (?:pegar|achar|encontrar)\b{_FIND_END}"
        rf"|\b(?:vou|vamos|irei) atrás de (?:você|voce|vc|ti)\b{_FIND_END}"
        rf"|\bte (?:acharei|encontrarei)\b{_FIND_END}",
        ("arrepender", "vou", "vamos", "irei", "acharei", "encontrarei"),
    ),
    (
        r"\bzapłacisz (?:mi )?za to\s?(?:[.!]|$)|\bpożałujesz\b|\bdopadnę cię\b"
        r"|\bzniszczę cię\b|\bznajdę cię\b(?! w grze)|\bdorwę cię\b(?! w grze)"
        rf"|\bcię znajdę\b{_FIND_END}",
        ("zapłacisz", "pożałujesz", "dopadnę", "zniszczę", "znajdę", "dorwę"),
    ),
    (
        r"(?:я тебя найду|найду тебя)(?! в игре| в списке| в друзьях)"
        rf"|\bя (?:тебя )?(?:вычислю|отыщу)(?: тебя)?\b{_FIND_END}"
        r"|(?:\bи|ты) (?:за это )?ответишь\s?(?:[.!]|$)|ответишь за (?:это|всё|все)"
        r"|пожалеешь|тебе конец\s?(?:[.!]|$)|я тебя (?:уничтожу|закопаю|достану)|\bсдохни\b",
        ("найду", "ответишь", "пожалеешь", "конец", "тебя", "сдохни", "вычислю", "отыщу"),
    ),
)
_THREAT_FORMS = tuple(
    (compile_words(source), WordGate(*words)) for source, words in _THREAT_ENTRIES
)

_ABUSE_FORMS = compile_words(
    r"\bfick (?:dich|deine?n?|euch)\b|\bjodete\b|\bjoder contigo\b|\bvete a la (?:verga|chingada|"
    r"mierda)\b|\bchinga tu madre\b|\bvai (?:se|te) ferrar\b|\bvai tomar no (?:cu|c\*|c\.)"
    r"|\bvai (?:pro|para o|pra) (?:inferno|caralho|raio que)\b|\bpierdol (?:sie|się)\b"
    r"|\bspierdalaj\w*|\bwypierdalaj\w*|\bidź do diabła\b|\bgo cry to (?:your|ur) (?:mom|mommy|"
    r"mum|mummy|mother)\b|\blisten here you\b|\bsuck my\b|\beat shit\b|\bblow me\b"
    r"|\bque te (?:den|jodan|follen)\b|\bspadaj\b|\bgeh (?:sterben|verrecken|kaputt)\b"
    r"|\b(?:vete a morir|muerete|vai morrer|idź umrzeć|zdychaj)\b"
    r"|\b(?:go )?jump off (?:a|the) (?:bridge|cliff|roof|building)\b"
    r"|\b(?:nobody|no one) (?:likes|loves|cares about|wants) (?:you|u)\b"
    r"|\bcrawl back (?:under|into) (?:your|ur|the) (?:rock|hole)\b"
)
_ABUSE_FORM_GATE = WordGate(
    "fick", "jodete", "joder", "vete", "chinga", "ferrar", "tomar", "vai", "pierdol", "spierdalaj*",
    "wypierdalaj*", "idź", "cry", "listen", "suck", "eat", "blow", "den", "jodan", "follen",
    "spadaj", "geh",
    "vete", "muerete", "morrer", "umrzeć", "zdychaj", "jump", "likes", "loves", "cares", "crawl",
)  # fmt: skip

#: The speaker about themselves: "I feel like an idiot", "I'm such a loser", "made me look stupid".
_SELF = compile_words(
    r"(?:\b(?:i'?m|i am|i was|i feel|i felt|feel like|i look|i looked|i acted|i've been|"
    r"i have been|makes? me (?:look|feel)|made me (?:look|feel)|myself"
    # issue 21 (third round): the same in de/es/pt/pl/ru
    r"|ich (?:komme|kam) mir|ich fühle mich|ich fühlte mich|ich bin|ich war|bin ich für|"
    r"war ich für|me siento|me sentí|sou|estou|me acho|ze mnie|"
    r"soy|fui|me sinto|me senti|sinto-me|eu sou|fui|czuję się|czułem się|czułam się|jestem|"
    r"byłem|byłam)\b|(?:чувствую себя|почувствовал себя|я|был|была|выгляжу|сам))"
    r"(?: (?:so|such|like|a|an|total|complete|absolute|real|bit|of|kind|sort|an|the|biggest|"
    r"such|just|being|being an?|wie|ein|eine|einen|total|richtig|como|un|una|um|uma|completo|"
    r"completa|total|verdadeiro|mesmo|mesma|muy|tan|echt|wirklich|naprawdę|"
    r"jak|taki|kompletny|totalny|полным|полный|таким|такой|реально|"
    r"настоящим|как))*\s?$"
)
#: Someone else's words reported: "he called me an idiot", "он назвал меня идиотом".
_REPORTED = compile_words(
    r"(?:\b(?:he|she|they|someone|somebody|the (?:seller|buyer|guy|other \w+)|he's|she's) "
    r"(?:said|says|told (?:me|us|him|her)|wrote|typed|called (?:me|us|him|her|it))\b"
    r"|\bназвал\w* (?:меня|его|ее|её|нас)|\bnannte (?:mich|ihn|sie|uns)|\bme llamo\b"
    r"|\bme chamou de\b|\bnazwał\w* (?:mnie|go|ją)|\b(?:he|she|they) (?:call|called) me"
    # "er hat mich einen Betrüger genannt": the verb comes after the word
    r"|\b(?:hat|haben|hatte|hatten) (?:mich|uns|ihn|sie) (?:als |einen |eine |ein ))"
    r"[^.!?\n]{0,25}$"
)


#: A feeling verb in the first person a few words before the word: "me sinto péssimo e um idiota",
#: "czuję się głupio, jak kompletny idiota"; not when "you" comes between ("I feel you're an …").
_SELF_FEEL = compile_words(
    r"(?:\bi (?:feel|felt)|\bme (?:sinto|senti|siento|sentí)|\bczuję się|\bczułem się|"
    r"\bczułam się|чувствую себя|себя чувствую|почувствовал\w* себя|\bfühle? mich|\bfühlte mich|"
    r"\bfühl mich|\bkomme mir|\bkam mir)\b([^.!?;\n]{0,30})$"
)
_SECOND_PERSON = compile_words(
    r"\b(?:you|u|ur|du|dich|dir|tu|te|ti|você|voce|vc|ty|cię|ciebie|ты|тебя|вы)\b"
)


def self_directed(text: str, start: int) -> bool:
    """Whether the word at `start` is the speaker's about themselves ("I feel like an idiot")."""
    window = text[max(0, start - 40) : start]
    before = re.split(r"[.!?;,\n]", window)[-1]
    if _SELF.search(before) is not None:
        return True
    feel = _SELF_FEEL.search(window)
    return feel is not None and _SECOND_PERSON.search(feel.group(1)) is None


def reported(text: str, start: int) -> bool:
    """Whether the words at `start` are someone else's, reported ("he called me an idiot")."""
    before = re.split(r"[.!?;\n]", text[max(0, start - 60) : start])[-1]
    return _REPORTED.search(before) is not None


def a_thing(text: str, end: int) -> bool:
    """Whether the word ending at `end` names a thing in a game ("Bastard Sword", "loser's")."""
    return _THING_AFTER.match(text, end) is not None


#: Every form in the order it is tried, with its gate: threats, wishes of harm, abuse, insults.
_FORMS: tuple[tuple[str, re.Pattern[str], WordGate], ...] = (
    *(("threat", pattern, pattern_gate) for pattern, pattern_gate in _THREAT_FORMS),
    ("wish", _WISH, _WISH_GATE),
    ("abuse", _ABUSE_FORMS, _ABUSE_FORM_GATE),
    *(("insult", pattern, pattern_gate) for pattern, pattern_gate in _INSULT_FORMS),
)
_GATES = GateSet([form_gate for _, _, form_gate in _FORMS])


def form_evidence(text: str, *, gated: bool = True) -> tuple[str, str] | None:
    """(kind, the words) of a threat, wish of harm, abuse or insult found by its form, or None.
    `kind` is "threat", "abuse" or "insult"."""
    passing = _GATES.passing(words_of(text), text) if gated else range(len(_FORMS))
    if not passing:
        return None
    for index, (kind, pattern, _) in enumerate(_FORMS):
        if index not in passing:
            continue
        for match in pattern.finditer(text):
            if kind == "insult":
                if _acceptable_insult(text, match):
                    return kind, match.group().strip(" .!?,\n")
            elif reported(text, match.start()):
                continue
            elif kind == "wish":
                between = next((g for g in match.groups() if g is not None), "")
                if _WISH_UNDO.search(between) is None:
                    return "threat", match.group()
            else:
                return kind, match.group()
    return None


def _acceptable_insult(text: str, match: re.Match[str]) -> bool:
    if reported(text, match.start()) or a_thing(text, match.end()):
        return False
    found = match.group()
    if _FRIENDLY.search(found) is not None:
        return False
    if match.re is _YOU_NOUN:
        words = " ".join(g for g in match.groups() if g).split()
        if any(w in _NOT_ADJECTIVE for w in words):
            return False
    return True
