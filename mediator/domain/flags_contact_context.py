"""P-COMM-ONPLATFORM: the context that makes a messenger's name or a contact phrase no proposal
(`flags_contact`), on `flags_text.normalise()`d text: a negated clause ("do not contact me on
WhatsApp", and every name of a negated list: "never share your WhatsApp, Telegram or
Discord"), policy talk ("keep all communication here"), the messenger as the product ("Discord
Nitro"), someone else's request reported or refused (in the six languages; the refusal may be the
next sentence), a name ruled out ("no discord"), an account linked to a messenger, a threat to
expose someone there ("… ended up on Twitter"), a question about the rules ("is it allowed to
share Discord names here?"), and an e-mail received ("I got the code by email").
"""

from __future__ import annotations

import re

from mediator.domain.flags_text import compile_words

#: The messenger is what was bought ("Discord Nitro", "Instagram account with 12k followers").
_PRODUCT_AFTER = re.compile(
    r"[\s:-]{0,2}(?:\+|(?:nitro|gift|card|account|accounts|acc|accs|followers|likes|views|"
    r"stickers?|premium|boosts?|members|subscription|sub|badges?|bot|business|verification|"
    r"emojis?|credits?|stars|server (?:boosts?|setup)|classic|channel (?:members|subscribers))\b)"
    # …or an account the message talks about, not a channel it proposes.
    r"|[\s:-]{0,2}(?:got |was |is |has been )?(?:hacked|banned|linked|connected|attached|"
    r"unlinked|verified|suspended)\b"
)
_PRODUCT_BEFORE = re.compile(r"\b(?:aged|verified|old|og|selling|sold)\s{1,3}$")


#: A clause that says "not", "never", "avoid"… before the match ("do not contact me on X").
_NEGATION = compile_words(
    r"\b(?:not|don'?t|dont|never|avoid|won'?t|refus\w*|instead of|rather than|nicht|kein\w*|"
    r"nie|nunca|não|не|нельзя|без|у меня нет|у нас нет|нет у меня)\b"
    # es: "no" before a verb ("no uséis WhatsApp", "no tengo Telegram"), not "no worries"
    r"|\bno (?:us|compart|d[ae]|ten|pas|envi|escrib|agreg|añad|contact|habl|acept|quier|pued|"
    r"pong|manej|agrega)\w*"
)
#: Policy talk and reminders ("keep all communication here", "off-platform chats…").
_POLICY = compile_words(
    r"off[ -]?platform|\bnot (?:be )?(?:considered|acknowledged|protected|allowed)\b|\bforfeit"
    r"|\bkeep (?:all |the |your |our )?(?:communication|conversation|chat|it|everything) "
    r"(?:here|on (?:the )?(?:platform|igitems|site|marketplace))\b"
    r"|\bstay (?:here|on (?:the )?(?:platform|igitems|site|marketplace))\b"
)


def negated(text: str, start: int) -> bool:
    clauses = re.split(r"[.!?;,\n]", text[max(0, start - 90) : start])
    clause = clauses.pop()
    if len(clause) > 60:
        clause = clause[-60:]
    if _NEGATION.search(clause) is not None:
        return True
    # a list of messengers under one negation: "never share your WhatsApp, Telegram or Discord"
    for _ in range(3):
        if not clauses or _LIST_ITEM.fullmatch(clause) is None:
            return False
        clause = clauses.pop()
        if _LIST_END.search(clause) is None:
            return False
        if _NEGATION.search(clause) is not None:
            return True
    return False


#: What stands between two names of a list: nothing, or a name and "or", "ni", "и"…
_LIST_ITEM = re.compile(
    r"\s*(?:[\w'-]+\s+)?(?:or|and|nor|ni|o|y|ou|e|oder|und|lub|albo|czy|ani|i|или|и)?\s*"
)
#: A clause that ends with a messenger's name (the list's previous item).
_LIST_END = compile_words(
    r"(?:whats ?app|telegram|discord|signal|skype|snapchat|snap|instagram|insta|facebook|"
    r"messenger|viber|wechat|e-?mail|phone number|tg|kik|line|twitter|vk|zap|телеграм\w*|"
    r"ватсап\w*|вотсап\w*|дискорд\w*|вайбер\w*)\s*$"
)


#: Someone else's proposal reported ("he asked me to add him on telegram"), one refused ("…, I
#: refused"), or a messenger the speaker uses for something else ("I use Discord for my clan").
_REPORTED_BEFORE = compile_words(
    r"\b(?:he|she|they|someone|somebody|a guy|some \w+|the (?:seller|buyer|guy|other \w+|\w+))"
    r"(?: [\w' ]{0,25})? (?:asked|told|wanted|tried to get|tried to make|kept asking|begged) "
    r"(?:me|us) to\b|\b(?:i|we|our \w+|my \w+) "
    r"(?:use|uses|used|play|plays|played|run|runs|moderate|have|has|had|am in|'m in) $"
    r"|\b(?:he|she|they|someone|somebody|the (?:seller|buyer|guy)) (?:said|says|wrote|texted|"
    r"messaged)\W{0,3}$"
    r"|\b(?:he|she|they|someone|somebody|a guy|the (?:seller|buyer|guy|other \w+|\w+)) "
    r"(?:wanted|suggested|proposed|offered|insisted|invited|pushed|kept pushing|tried|"
    r"kept trying|sent|spammed)\b[^.!?\n]{0,40}$"
    r"|\b(?:wrote|messaged|texted|dm'?e?d|contacted|reached out to|pinged|added) (?:me|us) "
    r"(?:on|via|through|over) $"
    # issue 21 (third round): the other party's request reported, in de/es/pt/pl/ru
    r"|(?<!ich )\b(?:wollte|wollten|bat mich|baten mich|gebeten|sagte mir|meinte|forderte|"
    r"drängte|hat mir|haben mir|schrieb mir|schlug vor|schlug mir|hat mich|haben mich)"
    r"\b[^.!?\n]{0,40}$"
    r"|\b(?:me pidió|me pidieron|me dijo|me dijeron|me escribió|me escribieron)\b[^.!?\n]{0,40}$"
    r"|\b(?:me pediu|pediu (?:pra|para)|me pediram|me disse|me falou|me mandou|me chamou|"
    r"me escreveu)\b[^.!?\n]{0,40}$"
    # "quería", "queria", "quis" are also the speaker's own: only with a third person
    r"|\b(?:él|ella|ele|ela|el (?:vendedor|comprador|tipo)|o (?:vendedor|comprador|cara)|"
    r"la (?:vendedora|compradora)|a (?:vendedora|compradora)) (?:quería|queria|quiso|quis|"
    r"intentó|tentou|insistió|insistiu)\b[^.!?\n]{0,40}$"
    r"|\b(?:kazał|kazała|kazali|prosił|prosiła|prosili|poprosił|poprosiła|chciał|chciała|"
    r"chcieli|napisał|napisała|proponował|zaproponował|zaproponowała|namawiał|namawiała)"
    r"\b[^.!?\n]{0,40}$"
    r"|(?<!я )(?:предложил|предлагал|просил|попросил|хотел|написал|звал|позвал|сказал|"
    r"уговаривал)\w*\b[^.!?\n]{0,40}$"
)
_REFUSED_AFTER = compile_words(
    r"\b(?:i|we) (?:refused|declined|said no|did not|didn't|won't|will not|reported|am reporting|"
    r"'m reporting|ignored|answered that|told (?:him|her|them) (?:no|that))\b"
    r"|\bfor (?:my|our) (?:\w+ )?(?:clan|guild|team|raids?|friends|"
    r"family|gaming|work|school)\b|\bfor the (?:\w+ )?(?:clan|guild|raids?)\b"
    r"|\bonly (?:talk|chat|speak|deal|trade|communicate|write|reply)\w* here\b"
    r"|\bis (?:that|this|it) (?:allowed|legit|against)\b"
    r"|\brather (?:buy|stay|trade|pay|talk|keep it|deal) here\b"
    # de/es/pt/pl/ru: refused, said no, only here, is that allowed
    r"|\babgelehnt\b|\blehnte\b|\bnein gesagt\b|\bnur hier\b|\berlaubt\b"
    r"|\bdije que no\b|\bme negué\b|\brechacé\b|\bsolo (?:hablo|aquí|por aquí)\b"
    r"|\bpermitido\b|\bprefiero (?:comprar|seguir|hablar) aquí\b"
    r"|\brecusei\b|\bdisse que não\b|\bneguei\b|\bsó (?:falo|converso|aqui|por aqui)\b"
    r"|\bprefiro (?:comprar|ficar|falar) aqui\b"
    r"|\bodmówi\w*|\bpowiedział\w* (?:że )?nie\b|\btylko (?:tutaj|tu)\b|\bdozwolon\w*"
    r"|отказал\w*|\bсказал\w* нет\b|\bтолько (?:здесь|тут)\b|можно ли|\bразрешен\w*"
    # a first-person refusal in any of the languages
    r"|\b(?:i|we) didn'?t (?:join|answer|reply|accept|add|respond)\b"
    r"|\b(?:ich )?(?:habe|hab) (?:ihm |ihr |darauf )?nicht (?:geantwortet|reagiert|"
    r"eingegangen|gemacht|beigetreten)\b|\bno (?:acepté|quise|respondí|contesté)\b"
    r"|\bnão (?:aceitei|quis|respondi|topei|entrei)\b|\bnie (?:zgodziłem|zgodziłam|chciałem|"
    r"chciałam|odpisałem|odpisałam|odpowiedziałem|odpowiedziałam|dołączyłem|dołączyłam)\b"
    r"|\bя (?:ему |ей |им )?не (?:стал|стала|согласил\w*|ответил\w*|пошел|пошла)\b"
)
#: "the listing says "no discord"": a messenger ruled out, not proposed.
_RULED_OUT = re.compile(r"(?:^|[\"'(:,]|\b(?:says|said|reads|states|wrote))\s?\"?no\s?$")
#: The account is tied to a messenger: "still linked to someone's Discord", "mit dem Discord …
#: verknüpft", "vinculada al Discord", "привязан к дискорду".
_LINKED_BEFORE = compile_words(
    r"(?:\b(?:linked|connected|tied|bound|attached) (?:to|with)|\bvinculad[oa]s? (?:a|al|ao|à|"
    r"com|con)|\bligad[oa]s? (?:a|ao|à|com)|\bpowiązan\w* z|\bpodpięt\w* (?:do|pod)|"
    r"\bпривязан\w* к)\b[^.!?\n,]{0,25}$"
)
#: A threat to expose someone there ("… if your address ended up on Twitter", "I'll post your
#: face on my Instagram"): conduct, not a way to talk or trade off the platform.
_EXPOSED_BEFORE = compile_words(
    r"\b(?:end(?:s|ed)? up|ending up|posted|post (?:it|them|this|(?:your|ur) \w+)|leak\w*|"
    r"spread\w*|plaster\w*|all over|expos\w*|goes (?:viral|public))\b[^.!?\n]{0,15}"
    r"\b(?:on|to|in|across)(?: my| the| your)?\s?$|\beveryone (?:on|in|at) (?:my )?$"
)
#: A question about the rules before the name: "is it allowed to share Discord names here?"
_ALLOWED_BEFORE = compile_words(
    r"\b(?:is it|is that|is this|am i|are we|are you) (?:allowed|ok|okay|fine|permitted|against "
    r"the rules) to\b|\bdarf (?:man|ich)\b|\bse puede\b|\b(?:pode|posso)\b[^.!?\n]{0,5}\?"
    r"|\bczy (?:można|wolno)\b|\bможно ли\b"
)
_LINKED_AFTER = compile_words(
    r"^[^.!?\n,]{0,35}\b(?:verknüpft|verbunden|gekoppelt|vinculad[oa]|powiązan\w*|привязан\w*)"
)


#: "the telegram I received from support": the old word for a message, not the messenger.
_A_MESSAGE = re.compile(r"^\s?(?:i|we) (?:received|got)\b|^\s?from\b")


def reported_or_refused(text: str, match: re.Match[str]) -> bool:
    before = re.split(r"[.!?;\n]", text[max(0, match.start() - 60) : match.start()])[-1]
    after = re.split(r"[.!?\n]", text[match.end() : match.end() + 80])[0]
    if before.endswith(("the ", "a ")) and _A_MESSAGE.search(after) is not None:
        return True
    # "He wanted to move to Telegram. I refused.": the refusal may be the next sentence.
    then = re.split(r"[.!?\n]", text[match.end() : match.end() + 120])
    if len(then) > 1 and _REFUSED_AFTER.search(then[0] + " " + then[1]) is not None:
        return True
    if _RULED_OUT.search(before) is not None or _LINKED_BEFORE.search(before) is not None:
        return True
    if _LINKED_AFTER.search(after) is not None or _EXPOSED_BEFORE.search(before) is not None:
        return True
    if _ALLOWED_BEFORE.search(before) is not None:
        return True
    # "…told me to join their Discord - is that allowed? I'd rather buy here": a question about
    # the rules, which may end the sentence after the name.
    beyond = text[match.end() : match.end() + 150]
    if _ALLOWED_LATER.search(beyond) is not None:
        return True
    return _REPORTED_BEFORE.search(before) is not None or _REFUSED_AFTER.search(after) is not None


_ALLOWED_LATER = compile_words(
    r"\bis (?:that|this|it) (?:allowed|legit|against)\b"
    r"|\brather (?:buy|stay|trade|deal) here\b"
    r"|\bist (?:das|es) erlaubt\b|\b(?:está|es) permitido\b|\bé permitido\b|\bpode isso\b"
    r"|\bczy (?:to|tak) (?:jest )?(?:dozwolone|można)\b|\bтак можно\b|\bэто разрешено\b"
    r"|\bshould i (?:report|trust|worry|ignore|block)\b|\bis (?:this|that|it) (?:a )?scam\b"
    r"|\b(?:soll ich das melden|ist das betrug|debo (?:reportar|denunciar)|es una estafa|"
    r"devo denunciar|é golpe|czy to oszustwo|zgłosić|это развод|пожаловаться)\b"
)


#: Something received by e-mail, reported: "I got the code by email".
_RECEIVED = compile_words(
    r"\b(?:got|get|received|receive|came|comes|arrived|was sent|were sent|bekommen|erhalten|"
    r"kam|recib\w*|llegó|receb\w*|chegou|dostał\w*|przyszł\w*|получил\w*|пришл\w*|пришел)\b"
)


def received_before(text: str, match: re.Match[str]) -> bool:
    """Whether the clause before `match` reports something received ("I got the code by")."""
    clause = re.split(r"[.!?;\n]", text[max(0, match.start() - 60) : match.start()])[-1]
    return _RECEIVED.search(clause) is not None


def policy(text: str, match: re.Match[str]) -> bool:
    """Whether the sentence around `match` is policy talk ("…; keep it here on the platform")."""
    before = re.split(r"[.!?\n]", text[max(0, match.start() - 200) : match.start()])[-1]
    after = re.split(r"[.!?\n]", text[match.start() : match.start() + 200])[0]
    return _POLICY.search(before + after) is not None


def is_product(text: str, match: re.Match[str]) -> bool:
    after = text[match.end() : match.end() + 40]
    before = text[max(0, match.start() - 20) : match.start()]
    return _PRODUCT_AFTER.match(after) is not None or _PRODUCT_BEFORE.search(before) is not None
