"""P-COMM-ONPLATFORM: messages that move a trade or its conversation off the marketplace.

Works on `flags_text.normalise()`d text. Two kinds of evidence:

- *hard* evidence is flagged wherever it appears: links to messenger hosts (t.me, wa.me,
  discord.gg…), email addresses (also spelled out: "kira at gmail dot com"; quoted machine
  senders such as noreply@ are evidence, not contact), phone numbers found by libphonenumber
  (`phonenumbers`: international form for every region, national form for the marketplace's
  countries with a call/text cue nearby; digits written as words and "o" for zero undone first;
  not next to an order, invoice or ticket word), Discord tags (name#1234) next to a contact word;
- *soft* evidence is a phrase: a messenger's name ("discord", "what's app", "тг", "zap"),
  "email me", "send me your email", "call/text me", "pay me via PayPal", "continue outside
  igitems". A soft match is dropped when the messenger is the product ("Discord Nitro",
  "Telegram stickers", "Instagram account"), when its clause is negated ("do not contact me on
  WhatsApp", "avoid moving to Discord"), or when its sentence is policy talk ("keep all
  communication here", "off-platform messages are not considered").

Decisions for ambiguous cases (the labelled set records them):
- Game ids are not Discord tags: a tag with a game cue (Riot ID, BattleTag, IGN, in game, a
  region such as EUW#1234) or with five digits is left alone; a bare name#1234 needs a contact
  word ("add", "dm", "hmu"…) to be flagged.
- Adding someone *in game* or *on Steam* to deliver (trade offers, duo queue, party invites) is
  delivery, not a move off the platform.
- An account's own login address delivered with its password is the product, not contact.
- A messenger named in a report or refusal of the other party's request, in any of the six
  languages ("kazał mi pisać na Telegramie, odmówiłem"; the refusal may be the next sentence),
  or in passing (an account linked to it, a listing's "no discord", "is that allowed?") is not
  a proposal. Digits between two-letter codes ("LX 612 345 678 ES") or next to a tracking or
  carrier word are a parcel's number, not a phone.
- Signal, IG, "whats", "zap", "tg", "dc" and LINE are only read as messengers in contact phrases
  ("on Signal", "IG DM", "my tg"), since the bare words mean other things.
"""

from __future__ import annotations

import re

from mediator.domain.flags_contact_context import (
    is_product,
    negated,
    policy,
    received_before,
    reported_or_refused,
)
from mediator.domain.flags_contact_forms import (
    at_checkout,
    bank_details,
    contact_form_evidence,
    deobfuscate,
    misspelt_messenger,
)
from mediator.domain.flags_phones import phone_number
from mediator.domain.flags_text import (
    LEFT,
    RIGHT,
    any_gate,
    compile_words,
    gate,
    word,
    words_of,
)

# --- hard evidence ------------------------------------------------------------------------

_LINK_HOSTS = {
    "t.me": "Telegram",
    "telegram.me": "Telegram",
    "telegram.dog": "Telegram",
    "wa.me": "WhatsApp",
    "chat.whatsapp.com": "WhatsApp",
    "api.whatsapp.com": "WhatsApp",
    "discord.gg": "Discord",
    "zoom.us": "Zoom",
    "meet.google.com": "Google Meet",
    "teams.microsoft.com": "Microsoft Teams",
    "teams.live.com": "Microsoft Teams",
    "signal.me": "Signal",
    "wa.link": "WhatsApp",
    "paypal.me": "PayPal",
    "venmo.com": "Venmo",
    "cash.app": "Cash App",
    "revolut.me": "Revolut",
    "discord.com": "Discord",
    "discordapp.com": "Discord",
    "m.me": "Messenger",
    "instagram.com": "Instagram",
    "snapchat.com": "Snapchat",
    "line.me": "LINE",
    "vk.com": "VK",
    "facebook.com": "Facebook",
    "fb.com": "Facebook",
}
_LINK = re.compile(
    r"(?<![\w.-])(?:https?://)?(?:www\.)?("
    + "|".join(re.escape(host) for host in sorted(_LINK_HOSTS, key=len, reverse=True))
    + r")/(?!/)"
)
_ADDRESS = re.compile(
    r"(?<![\w.+-])[a-z0-9][\w.+-]{0,63}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,4}\.[a-z]{2,24}"
    r"(?![\w@])"
)
_MAIL_HOSTS = (
    "gmail|googlemail|yahoo|hotmail|outlook|live|protonmail|proton|icloud|gmx|web|yandex|mail|"
    "aol|wp|o2|onet|interia|uol|bol|terra|qq|163"
)
_MAIL_HOST_SET = frozenset(_MAIL_HOSTS.split("|"))
_SPELLED_ADDRESS = re.compile(
    r"(?<![\w.])[a-z0-9][\w.-]{0,63}\s{0,3}(?:@|\(at\)|\[at\]|\{at\}|\b(?:at|arroba|собака|małpa|"
    r"malpa)\b)\s{0,3}"
    rf"(?:{_MAIL_HOSTS})\s{{0,3}}(?:\.|\(dot\)|\[dot\]|\{{dot\}}|\b(?:dot|punto|ponto|punkt|kropka|"
    rf"точка)\b)\s{{0,3}}"
    r"(?:com|net|org|de|ru|pl|me|br|es|co|uk|fr|it|ch|at|nl|ua)(?![a-z])"
)
#: An address with one symbol for both "@" and ".": "jess.k 🔸 proton 🔸 me".
_SYMBOL_ADDRESS = re.compile(
    r"(?<![\w.])[a-z0-9][\w.-]{0,63}\s{0,3}([^\w\s.@,;:!?()\[\]'\"-])\s{0,3}"
    rf"(?:{_MAIL_HOSTS})\s{{0,3}}\1\s{{0,3}}"
    r"(?:com|net|org|de|ru|pl|me|br|es|co|uk|fr|it|ch|at|nl|ua)(?![a-z])"
)
#: The ASCII characters `_SYMBOL_ADDRESS` may take for "@" and ".": a fast gate.
_ASCII_SYMBOL = re.compile(r"[#$*~+|^=&%/\\<>{}`]")
#: A machine sender quoted as evidence ("From: noreply@steampowered.com", a receipt from
#: billing@…): not an address anyone is asked to write to.
_SYSTEM_SENDER = re.compile(
    r"(?<![\w.+-])(?:no-?reply|do-?not-?reply|donotreply|mailer-daemon|notifications?|billing|"
    r"receipts?|orders?|invoices?|support|help|service|security|accounts?|info|"
    # the same in es/pt/de/pl
    r"notificaciones|notificacoes|avisos|no-?responder|nao-?responda|soporte|suporte|ayuda|ajuda|"
    r"pedidos|facturacion|faturamento|benachrichtigungen?|rechnungen?|powiadomienia|pomoc)"
    r"@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,4}\.[a-z]{2,24}(?![\w@])"
)
#: An address next to a password is the account being delivered, not contact.
_CREDENTIALS = compile_words(
    r"\b(?:log ?in|login|password|passwort|senha|hasło|пароль)\b|\b(?:pass|pw|pwd) ?:"
)
_TAG = re.compile(r"(?<![\w#@.])([a-z][\w.]{1,31})#(\d{4})(?![\w#])")
_TAG_CONTACT = re.compile(
    r"\b(?:add|hmu|hit me up|dm|msg|message|contact|reach|friend|talk|write|tag|discord|dc)\b"
)
_TAG_GAME = re.compile(
    r"\b(?:battle\.?net|battletag|btag|bnet|blizzard|riot|ign|in[ -]?game|ingame|character|"
    r"char|overwatch|diablo|wow|party|lobby|invite me|realm|euw|eune|oce)\b"
)
_REGIONS = {"euw", "eune", "na", "oce", "br", "lan", "las", "tr", "ru", "jp", "kr", "eu", "us"}

# --- soft evidence: messengers ------------------------------------------------------------

_P = LEFT
#: Before a short name ("tg", "fb", "zap"): a contact preposition or pronoun (pl/ru/pt too).
_ON = rf"{_P}(?:on|my|ur|your|via|na|no|pelo|meu|teu|seu|auf|в|на|add me on)"
#: Before an ambiguous one ("disc" is also a game disc, "tele" a television): a contact verb.
_VERB_ON = (
    rf"{_P}(?:add|hmu|dm|msg|message|talk|write|text|chat|hit me up|reach|contact|find)\w*"
    r" (?:me |u |you )?(?:on|via)"
)
_MESSENGERS: tuple[tuple[str, str], ...] = (
    ("Discord", rf"{_P}(?:{word('discord')}(?:zie|em|u|ie|e)?|дискорд\w*){RIGHT}"),
    ("Discord", rf"{_ON} dc{RIGHT}|{_VERB_ON} disc{RIGHT}"),
    (
        "WhatsApp",
        rf"{_P}(?:{word('whatsapp')}|{word('watsapp')}|whatsap|wasap)(?:ie|a|e|em|u)?{RIGHT}"
        r"|\b(?:на|в) (?:ватсап|вотсап|вацап)\w*|\b(?:ватсап|вотсап|вацап)\w*"
        rf"|{_ON} (?:whats|zap|zapzap){RIGHT}(?! ?up)",
    ),
    (
        "Telegram",
        rf"{_P}{word('telegram')}(?:ie|em|u|a|e)?{RIGHT}|телег(?:рамм?\w*|[аеиуой]{RIGHT})"
        rf"|{_ON} tg{RIGHT}|{_VERB_ON} tele{RIGHT}|\btg ?:|{_P}тг{RIGHT}",
    ),
    (
        "Signal",
        rf"{_P}(?:on|via|over|through|use|using|have|got|ur|your|add me on) signal{RIGHT}"
        rf"|{_P}signal me{RIGHT}",
    ),
    ("Skype", rf"{_P}(?:{word('skype')}|скайп\w*){RIGHT}"),
    ("WeChat", rf"{_P}(?:wechat|weixin){RIGHT}|微信"),
    (
        "Snapchat",
        rf"{_P}{word('snapchat')}{RIGHT}|{_P}snap me{RIGHT}|{_ON} snap{RIGHT}",
    ),
    (
        "Instagram",
        rf"{_P}(?:{word('instagram')}|insta|инстаграм\w*|инст[ау]){RIGHT}"
        rf"|{_P}ig ?dms?{RIGHT}|{_P}dms? (?:me )?(?:on|via) ig{RIGHT}|{_P}my ig (?:is|:)",
    ),
    (
        "Facebook",
        rf"{_P}(?:{word('facebook')}|messenger){RIGHT}|{_ON} fb{RIGHT}"
        rf"|{_ON} fejs(?:ie|a|ik)?{RIGHT}",
    ),
    ("Twitter", rf"{_P}twitter{RIGHT}|{_P}dms? (?:me )?on x{RIGHT}"),
    ("Viber", rf"{_P}(?:viber|вайбер\w*){RIGHT}"),
    ("Kik", rf"{_P}kik{RIGHT}"),
    ("VK", rf"{_ON} (?:vk|вк){RIGHT}|{_P}(?:вконтакте|vkontakte){RIGHT}"),
    ("LINE", rf"{_P}line (?:id|app){RIGHT}|{_P}add me on line{RIGHT}"),
)
_MESSENGER = compile_words(
    "|".join(f"(?P<m{i}>{source})" for i, (_, source) in enumerate(_MESSENGERS))
)
_MESSENGER_NAMES = {f"m{i}": name for i, (name, _) in enumerate(_MESSENGERS)}
#: Gates for `_MESSENGER`: names that may be spaced out or written with digits (looked for in the
#: squashed text), and short or contextual forms (looked for in the text itself).
_MESSENGER_GATE_SQUASHED = gate(
    "discord", "дискорд", "whatsap", "watsap", "wasap", "ватсап", "вотсап", "вацап",
    "telegram", "телег", "skype", "скайп", "snapchat", "instagram", "инстаграм", "facebook",
)  # fmt: skip
_MESSENGER_GATE = gate(
    "dc", "disc", "whats", "zap", "tg", "tele", "тг", "signal", "wechat", "weixin", "微信", "snap",
    "insta", "инст", "ig dm", "igdm", "dm", "my ig", "messenger", "fb", "twitter", "viber",
    "вайбер", "kik", "fejs", "vk", "вк", "vkontakte", "line id", "line app", "on line",
)  # fmt: skip
# --- soft evidence: phrases ---------------------------------------------------------------

_EMAIL = r"(?:e-?mail|gmail)"
#: The phone itself, not its number: "meu celular quebrou", "mi teléfono no lee el QR".
_DEVICE = (
    r" (?:se |no |não |nuevo|nueva|novo|nova|viejo|velho|antigo|quebr|romp|rompi|cay|caiu|muri|"
    r"morr|qued|fic|trav|descarg|descarreg|apag|estrag|falh|fall|está (?:sin|sem|roto|rota|"
    r"quebrad|muerto|apagad|descargad)|esta (?:sin|sem|roto|rota|quebrad|muerto|apagad|"
    r"descargad))"
)
_PHRASES: tuple[tuple[str, str], ...] = (
    (
        "asks to use email",
        rf"\b{_EMAIL} me\b|\bmail me (?:at|on|@)|\b(?:drop|shoot|send|write) me an? {_EMAIL}\b"
        r"|\b(?:send|give|gimme|share|drop|tell|what'?s|whats|what is|can i (?:have|get)|need)"
        rf"\b[^.!?\n]{{0,15}}\b(?:your|ur) (?:\w+ )?{_EMAIL}\b|\bmy {_EMAIL}(?: address)? ?(?:is|:)"
        rf"|\b(?:by|via|per|over|through|przez) {_EMAIL}\b"
        r"|\b(?:sent|send|forward\w*|mailed|emailed)\b[^.!?\n]{0,30}\b(?:to|on|in) your "
        rf"(?:{_EMAIL}|inbox)\b"
        r"|\b(?:manda|envia|escribe|escreve)\w*\b[^.!?\n]{0,15}\b(?:correo|e-?mail)\b"
        r"|\bmi correo (?:es|:)|\bmeu e-?mail (?:e|:)|\bmeine? e-?mail(?:-?adresse)? (?:ist|:)"
        r"|\bschreib\w* mir (?:eine )?e-?mail|\bmój (?:e-?)?mail\b"
        r"|\bnapisz\w*\b[^.!?\n]{0,15}\b(?:maila|e-?mail)\b"
        r"|(?:скинь|дай|напиши|кинь|пришли)\w*\b[^.!?\n]{0,15}почт|\b(?:моя|мою) почт|\bна почту",
    ),
    (
        "asks to call or text",
        r"(?<!you can )(?<!just )\b(?:call|text|ring|phone|sms|txt) me\b"
        r"(?! (?:an?|crazy|maybe|paranoid|old[ -]fashioned|"
        r"names?|what you want)\b)"
        r"|\bi(?:'ll| will| can|'m going to| am going to| gonna) (?:call|text|ring) (?:you|u)\b"
        r"|\bgive (?:me |you )?a (?:call|ring)\b|\b(?:by|over|via) (?:the )?phone\b"
        r"|\b(?:give|send|share|drop|gimme|what'?s|whats|need|tell me|can i (?:have|get))\b"
        r"[^.!?\n]{0,12}\b(?:your|ur) (?:phone |mobile |cell |whatsapp )?(?:number|no\.?|#)"
        r"|\bruf\w* (?:mich|dich) an\b|\bich rufe? dich an\b|\bhandynummer\b"
        r"|\b(?:deine|meine) (?:handy|telefon)?nummer\b|\bllámame\b(?! loco)|\bte llamo\b"
        r"|\bmi (?:número|teléfono|celular|móvil)\b(?! de (?:pedido|seguimiento|orden|factura|"
        rf"envío|cliente|ticket))(?!{_DEVICE})|\bme liga\b|\bte ligo\b"
        r"|\b(?:meu|teu|seu) (?:número|telefone|celular)\b(?! de (?:pedido|rastreio|rastreamento|"
        rf"protocolo|ordem|cliente|ticket))(?!{_DEVICE})|\bzadzwoń\b"
        r"|\b(?:mój|twój|daj|podaj)\w* numer\w*|позвони|\b(?:мой|твой|дай|скинь|напиши) номер"
        # "pásame tu número", "me passa seu telefone", "gib mir deine Nummer"; "por teléfono"
        r"|\b(?:pásame|pasame|dame|mándame|mandame|envíame|enviame|passa|manda|gib|schick)\b"
        r"[^.!?\n]{0,10}\b(?:tu|teu|seu|deine) (?:número|telefone|teléfono|celular|móvil|nummer|"
        r"handynummer)\b"
        r"|\b(?:por|pelo|przez|по) (?:teléfono|telefone|telefon|telefonie|телефону)\b",
    ),
    (
        "payment outside the platform",
        r"\b(?:paypal|pp) ?(?:f ?& ?f|ff|friends)\b|\bfriends ?(?:and|&|n) ?family\b"
        r"|\b(?:per |via |por |pelo |przez )?(?:paypal|pp) (?:freunde|amigos|znajomi|друзья)\b"
        r"|\b(?:freunde|amigos|znajomi|znajomych|друзья|друзей) ?(?:&|und|y|e|i|и) ?(?:familie|"
        r"familia|familiares|família|rodzina|rodziny|семья|семьи)\b"
        r"|\b(?:familie|familia|família|rodzina|семья) ?(?:&|und|y|e|i|и) ?(?:freunde|amigos|"
        r"znajomi|друзья)\b|\b(?:paypal|pp)\b[^.!?\n]{0,12}\b(?:como|als|jako|как) (?:amigos?|"
        r"freunde|znajom\w*|друз\w*)\b"
        # a bank transfer straight to someone, in any of the languages
        r"|\b(?:send|transfer|wire|pay)\w* (?:the money |it |me )?(?:straight|directly|direct) to "
        r"my (?:bank|account|card)\b"
        r"|\büberweis\w* (?:es |mir |das |mir das |mir es )*(?:direkt|auf mein konto)\b"
        r"|\btransfi[eé]r\w* (?:directo|directamente|a mi cuenta)\b"
        r"|\b(?:me )?transfere\w* (?:direto|diretamente|na (?:minha )?conta|pra minha conta)\b"
        r"|\bprzelej\w* (?:mi )?(?:bezpośrednio|na (?:moje |mój )?(?:konto|rachunek))\b"
        r"|\b(?:переведи|скинь|кинь|отправь)\w*\b[^.!?\n]{0,12}(?:на (?:карту|сбер|тиньк|киви|"
        r"qiwi|юмани|счет)|по сбп|по номеру)|\bпо сбп\b"
        r"|\b(?:pay|send|refund|transfer)\w* (?:me|you|it)\b[^.!?\n]{0,30}?\b(?:paypal|venmo|"
        r"revolut|zelle|cash ?app|skrill|crypto|btc|bitcoin|usdt|bank transfer|western union)\b",
    ),
    (
        "trade outside the platform",
        r"\bdirectly (?:from|to) me\b|\bdirect deal\b|\bcancel (?:the|this|your) order and\b"
        r"|\b(?:continue|talk|chat|trade|deal|finish|sort|settle|move|pay|buy|order|send)\w*\b"
        r"[^.!?\n]{0,25}?"
        r"\boutside\b|\boutside (?:of )?(?:the |this )?(?:site|platform|marketplace|igitems|app)\b"
        r"|\bcheaper (?:elsewhere|directly|outside|on my|in my|at my)\b"
        r"|\blink (?:is )?(?:in|on) (?:my )?(?:bio|profile)\b|\blink in bio\b"
        r"|\b(?:tap|check|see|click|visit) (?:the |my )?bio\b",
    ),
)
_PHRASE = compile_words("|".join(f"(?P<p{i}>{source})" for i, (_, source) in enumerate(_PHRASES)))
_PHRASE_REASONS = {f"p{i}": reason for i, (reason, _) in enumerate(_PHRASES)}
_PHRASE_GATE = gate(
    # email
    "mail", "correo", "почт", "inbox",
    # call or text
    "call", "text", "ring", "telefon", "телефон", "phone me", "by phone", "by the phone",
    "over phone",
    "over the phone", "via phone", "via the phone", "ur phone", "sms", "txt", "ur number",
    "ur no", "ur #", "ur mobile", "ur cell", "ur whatsapp", "ruf", "nummer", "llam", "número",
    "teléfono", "celular", "móvil",
    "me liga", "te ligo", "telefone", "zadzwoń", "numer", "позвони", "номер",
    # payment and trade
    "paypal", "ppf", "pp f", "friends", "venmo", "revolut", "zelle", "cash", "skrill", "crypto",
    "btc", "bitcoin", "usdt", "bank", "western", "freunde", "amigo", "znajom", "друз", "direct",
    "cancel",
    "familie", "familia", "rodzina", "семья", "straight to my", "überweis", "transfi", "transfere",
    "przelej", "переведи", "скинь", "кинь", "отправь", "сбп",
    "outside", "cheaper", "bio", "profile",
)  # fmt: skip
#: Whether the messenger or phrase gates can pass: one scan of the squashed text.
_ANY_GATE = any_gate(text=(_MESSENGER_GATE, _PHRASE_GATE), squashed=(_MESSENGER_GATE_SQUASHED,))


def off_platform(text: str, squashed: str, *, gated: bool = True) -> str | None:
    """Why `text` (normalised; `squashed` is `squash(text)`) moves the conversation off the
    platform, or None. `gated=False` runs every rule without its gate (for tests)."""
    found = off_platform_evidence(text, squashed, gated=gated)
    return None if found is None else found[0]


def off_platform_evidence(
    text: str, squashed: str, *, gated: bool = True
) -> tuple[str, str] | None:
    """(reason, the part of `text` it rests on), as `off_platform`, or None."""
    clear = deobfuscate(text)
    found = _contact_evidence(clear, text, squashed, gated=gated)
    if found is None:
        found = contact_form_evidence(text, clear)
    return found


def _contact_evidence(
    text: str, written: str, squashed: str, *, gated: bool
) -> tuple[str, str] | None:
    """The rules of this module: links, addresses and phones on `text` (`written` with "(dot)"
    and "(at)" undone), messengers and phrases on the text as `written`."""
    if (not gated or "/" in text) and (link := _LINK.search(text)) is not None:
        return f"link to {_LINK_HOSTS[link.group(1)]}", link.group()
    if (not gated or "@" in text) and (
        address := _contact_address(text, obfuscated=text is not written)
    ) is not None:
        if _CREDENTIALS.search(text) is None:
            return f"email address {address}", address
    # The spelled-out addresses' host stands between an "at" and a "dot" (or a symbol): a word of
    # its own, so the gate is a set test ("delivery" does not pass for "live").
    elif (not gated or not _MAIL_HOST_SET.isdisjoint(words_of(text))) and (
        spelled := _SPELLED_ADDRESS.search(text)
        or ((not text.isascii() or _ASCII_SYMBOL.search(text)) and _SYMBOL_ADDRESS.search(text))
    ):
        return f"email address (spelled out) {_short(spelled.group())}", spelled.group()
    if (_LONG_NUMBER.search(text) is not None or "chave" in text) and (
        bank := bank_details(text)
    ) is not None:
        return bank
    if (
        ("@" in text or " dot " in text)
        and _ADDRESS.search(text) is None
        and (loose := _loose_address(text)) is not None
        and _CREDENTIALS.search(text) is None
    ):
        return f"email address (spaced out) {loose}", loose
    if (phone := phone_number(text)) is not None:
        return f"phone number {phone[0]}", phone[1]
    text = written
    # most chat lines pass none of the gates below: one scan tells
    quiet = gated and _ANY_GATE.search(squashed) is None
    if not quiet and (
        not gated
        or _MESSENGER_GATE_SQUASHED.search(squashed) is not None
        or _MESSENGER_GATE.search(text) is not None
    ):
        for match in _MESSENGER.finditer(text):
            if (
                negated(text, match.start())
                or is_product(text, match)
                or policy(text, match)
                or reported_or_refused(text, match)
            ):
                continue
            name = _MESSENGER_NAMES[match.lastgroup or ""]
            return f"mentions {name}: '{_short(match.group())}'", match.group()
    if (misspelt := _misspelt(text)) is not None:
        return misspelt
    if (not gated or "#" in text) and (tag := _discord_tag(text)) is not None:
        return f"Discord tag {tag}", tag
    if not quiet and (not gated or _PHRASE_GATE.search(text) is not None):
        for match in _PHRASE.finditer(text):
            if negated(text, match.start()) or policy(text, match):
                continue
            if reported_or_refused(text, match):
                continue
            reason = _PHRASE_REASONS[match.lastgroup or ""]
            if reason == "payment outside the platform" and at_checkout(text):
                continue
            if reason == "asks to use email" and received_before(text, match):
                continue  # "I got the code by email from noreply@…": a receipt, not a request
            return f"{reason}: '{_short(match.group())}'", match.group()
    return None


#: A run of digits long enough for an IBAN's, a card's or an account's (a fast gate).
_LONG_NUMBER = re.compile(r"\d[\d .-]{11,}\d")


def _short(matched: str) -> str:
    """A matched phrase, tidy and bounded, for the reason text."""
    flat = " ".join(matched.split())
    return flat if len(flat) <= 30 else flat[:29] + "…"


#: An address with spaces around "@" and "." and digits for letters:
#: "r0bert.sales@ 0utl00k . c0m".
_LOOSE_ADDRESS = re.compile(
    r"(?<![\w.])[a-z0-9][\w.+-]{0,63}\s{0,3}(?:@|\bat\b)\s{0,3}([a-z0-9]{2,20})\s{0,3}"
    r"(?:\.|\bdot\b)\s{0,3}([a-z0-9]{2,4})"
    r"(?![a-z0-9])"
)
_UNLEET = str.maketrans("013457", "oleast")
_MAIL_TLDS = frozenset(
    (
        "com",
        "net",
        "org",
        "de",
        "ru",
        "pl",
        "me",
        "br",
        "es",
        "co",
        "uk",
        "fr",
        "it",
        "ch",
        "at",
        "nl",
        "ua",
    )
)


def _loose_address(text: str) -> str | None:
    for match in _LOOSE_ADDRESS.finditer(text):
        host = match.group(1).translate(_UNLEET)
        if host in _MAIL_HOST_SET and match.group(2).translate(_UNLEET) in _MAIL_TLDS:
            return match.group()
    return None


def _contact_address(text: str, *, obfuscated: bool = False) -> str | None:
    """The first e-mail address in `text` that is not a machine sender (`_SYSTEM_SENDER`) nor
    the marketplace's own ("notificaciones@igitems.com"). A machine sender's name counts when
    the message hid the address ("support (at) fastcodes (dot) net": `obfuscated`)."""
    for match in _ADDRESS.finditer(text):
        if match.group().endswith(_OWN_DOMAINS):
            continue
        if obfuscated or _SYSTEM_SENDER.fullmatch(match.group()) is None:
            return match.group()
    return None


#: The marketplace's own mail domains: its notifications quoted as evidence.
_OWN_DOMAINS = ("@igitems.com", ".igitems.com")


def _discord_tag(text: str) -> str | None:
    for match in _TAG.finditer(text):
        if match.group(1) in _REGIONS:
            continue
        if _TAG_CONTACT.search(text) is not None and _TAG_GAME.search(text) is None:
            return match.group()
        return None
    return None


def _misspelt(text: str) -> tuple[str, str] | None:
    """A messenger's name misspelt by one letter ("telegrm", "discrod"), in a context the exact
    name would be flagged in (not negated, not a product, not policy talk, not reported)."""
    found = misspelt_messenger(words_of(text))
    if found is None:
        return None
    name, token = found
    match = re.search(rf"\b{re.escape(token)}\b", text)
    if match is None or (
        negated(text, match.start())
        or is_product(text, match)
        or policy(text, match)
        or reported_or_refused(text, match)
    ):
        return None
    return f"mentions {name} (misspelt): '{token}'", token
