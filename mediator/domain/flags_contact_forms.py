"""P-COMM-ONPLATFORM beyond the messenger names (issue 21), on `flags_text.normalise()`d text.

- **links to any host**: found by linkify-it (`linkify-it-py`, which Textual already installs
  through `markdown-it-py[linkify]`; it ships IANA's list of top-level domains and downloads
  nothing). A seller's own shop on an unknown host ("www.cheapkeys-direct.net has it for half")
  is a move off the platform; the marketplace's own pages, stores of the games and hosts where
  people put screenshots are not (`_BENIGN_HOSTS`). A bare "word.tld" without "www." or a
  scheme counts only for the commercial top-level domains (`_BARE_TLDS`), since "fine.It works"
  and "readme.md" are not links;
- **obfuscated dots and at-signs**: "(dot)", "(punkt)", "[.]", "(at)" and their kin are
  undone (`deobfuscate`) before links and addresses are looked for;
- **payment apps** ("Venmo me", "zelle me the difference", "I take Wise transfers", "my Cash
  App is $kira") and **crypto wallet addresses** (bc1…, 0x + 40 hex digits; legacy and TRON
  addresses only next to a crypto word);
- **video calls** ("a quick Zoom call", "hop on Google Meet", "FaceTime me");
- **handles next to a platform name** ("IG @lena.trades", "snap: kirakeys", "u/kira_keys"),
  and other messengers named in a contact phrase (TikTok, Wickr, KakaoTalk, Threema, Reddit);
- **bank details** (third round, `bank_details`): an IBAN valid under mod-97 anywhere, a Polish
  account number next to "konto"/"przelej", a card number valid under Luhn next to a pay word,
  a Pix key ("chave pix", a CPF number next to "pix"). A payment app named for a payment made
  at the marketplace's own checkout ("via Pix at the site's checkout, the order shows paid") is
  not a payment outside, unless the message sets it against the checkout ("instead", "cheaper");
- **misspelt messenger names** ("telegrm", "discrod", "whatsaap", "teIegram"): one edit
  (a letter added, dropped, changed, or two swapped) from a name of six letters or more, unless
  the word is a real one ("discard", "telegrams").
"""

from __future__ import annotations

import re

from linkify_it import LinkifyIt  # type: ignore[import-untyped]
from linkify_it.tlds import TLDS  # type: ignore[import-untyped]

from mediator.domain.flags_contact_market import market_or_payment
from mediator.domain.flags_phones import has_digit_word, phone_text
from mediator.domain.flags_text import LEFT, RIGHT, WordGate, compile_words, words_of

# --- obfuscated punctuation ---------------------------------------------------------------

_DOT_WORDS = r"dot|punkt|punto|ponto|kropka|точка|\."
_OBF_DOT = re.compile(
    rf"\s{{0,2}}(?:[(\[{{<]\s?(?:{_DOT_WORDS})\s?[)\]}}>]|\b(?:punkt|kropka)\b)\s{{0,2}}"
)
_OBF_AT = re.compile(r"\s{0,2}[(\[{<]\s?(?:at|@|ät|arroba|malpa|собака)\s?[)\]}>]\s{0,2}")
_OBF_GATE = re.compile(
    r"[(\[{<]\s?(?:dot|punkt|punto|ponto|kropka|точка|\.|at|@|ät|arroba|"
    r"malpa|собака)\s?[)\]}>]|\b(?:punkt|kropka)\b"
)


_OBF_HINT = re.compile(r"[(\[{<]|punkt|kropka")


def deobfuscate(text: str) -> str:
    """`text` with "(dot)", "[.]", "(punkt)", "(at)"… written as "." and "@" (a new string;
    offsets no longer match the message, so evidence found in it has no span)."""
    if _OBF_HINT.search(text) is None or _OBF_GATE.search(text) is None:
        return text
    return _OBF_AT.sub("@", _OBF_DOT.sub(".", text))


# --- links to any host --------------------------------------------------------------------

_LINKIFY = LinkifyIt().tlds(TLDS)
_TLD_SET = frozenset(tld.lower() for tld in TLDS)
#: Something shaped like a host: "x.com", "www.", "://". A fast gate before linkify-it.
_HOSTISH = re.compile(r"\.[a-z]{2}")
#: The marketplace, the games' own stores and sites, and screenshot or file hosts: evidence,
#: not a way out of the platform. A host matches itself and its subdomains.
_BENIGN_HOSTS = (
    "igitems.com", "steampowered.com", "steamcommunity.com", "steamstatic.com", "imgur.com",
    "youtube.com", "youtu.be", "twitch.tv", "gyazo.com", "prnt.sc", "prntscr.com",
    "lightshot.com", "google.com", "dropbox.com", "riotgames.com", "leagueoflegends.com",
    "playvalorant.com", "blizzard.com", "battle.net", "ea.com", "epicgames.com",
    "microsoft.com", "xbox.com", "playstation.com", "nintendo.com", "rockstargames.com",
    "ubisoft.com", "wikipedia.org", "fandom.com", "op.gg", "u.gg", "tracker.gg", "dotabuff.com",
    "reddit.com", "redd.it", "streamable.com", "medal.tv", "gmail.com", "outlook.com",
    "example.com", "example.org", "example.net", "apple.com", "roblox.com", "minecraft.net",
    "mojang.com", "gog.com", "humblebundle.com", "support.igitems.com",
    # receipts and payment records quoted as evidence
    "paypal.com", "stripe.com", "amazon.com", "amazon.de", "amazon.co.uk", "amazon.es",
    "amazon.com.br", "mercadopago.com", "visa.com", "mastercard.com",
)  # fmt: skip
#: Top-level domains that count without "www." or a scheme: the commercial ones and the
#: marketplace's countries. Not "it", "is", "so", "md", "py", "zip", "mov": words and files.
_BARE_TLDS = frozenset(
    [
        "com",
        "net",
        "org",
        "shop",
        "store",
        "io",
        "gg",
        "xyz",
        "site",
        "online",
        "top",
        "biz",
        "info",
        "app",
        "dev",
        "club",
        "deals",
        "market",
        "trade",
        "games",
        "game",
        "live",
        "link",
        "pro",
        "vip",
        "ru",
        "de",
        "pl",
        "eu",
        "uk",
        "br",
        "pt",
        "es",
        "mx",
        "ua",
        "at",
        "ch",
        "fr",
        "nl",
        "cz",
    ]
)


def unknown_link(text: str) -> str | None:
    """The first link in `text` to a host that is not the marketplace's or a game's (see
    `_BENIGN_HOSTS`), as written; or None. E-mail addresses are left to the address rule."""
    if ("://" not in text and _HOSTISH.search(text) is None) or not _LINKIFY.test(text):
        return None
    for match in _LINKIFY.match(text) or ():
        if match.schema == "mailto:" or "@" in match.raw:
            continue
        raw: str = match.raw
        host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", raw).split("/")[0].split(":")[0]
        host = host.removeprefix("www.")
        if any(host == b or host.endswith("." + b) for b in _BENIGN_HOSTS):
            continue
        explicit = raw.startswith(("http://", "https://", "www.")) or "://" in raw
        labels = host.split(".")
        if len(labels) < 2 or labels[-1] not in _TLD_SET:
            continue
        if not explicit and (labels[-1] not in _BARE_TLDS or len(labels[-2]) < 3):
            continue
        return raw.rstrip(".,;:!?)")
    return None


# --- payment apps and wallets ---------------------------------------------------------------

_PAY_APPS = (
    r"venmo|cash ?app|zelle|revolut|wise|skrill|payoneer|paysafe|neteller|blik|pix|bizum|"
    r"mb ?way|payid|gcash|mercado ?pago|picpay|nequi|yape"
)
_PAYMENT = compile_words(
    rf"\b(?:venmo|zelle|cash ?app|revolut|paypal|skrill|bizum|pix|blik|gcash|mb ?way) me\b"
    # issue 21 (fourth round): a Mercado Pago alias, a BLIK code to come
    r"|\b(?:mercado ?pago|mp)\b[^.!?\n]{0,15}\b(?:alias|cvu)\b"
    r"|\balias\b[^.!?\n]{0,8}\bmercado ?pago\b"
    r"|\bblik\w*\b[^.!?\n]{0,20}\bkod\w*"
    rf"|\b(?:venmo|zelle|cash ?app) (?:it|you|u|the (?:money|rest|difference|payment))\b"
    # the US person-to-person apps are outside any marketplace's checkout wherever named
    rf"|\b(?:over|on|via|through|thru|by|with|using|take|accept|have|got|my) "
    rf"(?:venmo|zelle|cash ?app)\b"
    rf"|\b(?:over|on|via|through|thru|using) (?:{_PAY_APPS})\b(?! card| account)"
    rf"|\b(?:pay|send|transfer|wire)\w* (?:me |it |the (?:money|rest|difference) |"
    rf"(?:\w+ )?)?(?:on|via|with|through|by|over|using|to my|per) (?:my )?(?:{_PAY_APPS}|"
    rf"crypto|btc|bitcoin|usdt|eth|ethereum|ltc|binance)\b(?! card)"
    rf"|\b(?:pay|send|transfer|wire)\w* (?:me|it|the (?:money|rest|difference)) (?:on|via|with|"
    rf"through|by|over|using|to my|per) (?:my )?paypal\b"
    rf"|\b(?:i|we) (?:take|accept|prefer|do|also take|can take)\b[^.!?\n]{{0,10}}\b(?:{_PAY_APPS}|"
    rf"paypal f&f|crypto|btc|bitcoin|usdt)\b"
    rf"|\bmy (?:{_PAY_APPS}|cashtag|paypal)(?: tag| handle| id| is|:| @| \$)"
    rf"|\$[a-z][a-z0-9_]{{2,20}}\b(?=[^.!?\n]{{0,30}}\bcash ?app)"
    rf"|\bcash ?app\b[^.!?\n]{{0,20}}\$[a-z][a-z0-9_]{{2,20}}\b"
    rf"|\b(?:{_PAY_APPS}) (?:transfer|payment)s?\b(?=[^.!?\n]{{0,20}}\b(?:cheaper|instead|"
    rf"directly|outside|fees?|too|also)\b)"
    # issue 21 (third round): Bizum, Pix or BLIK with a number, or "direct"
    rf"|\b(?:bizum|pix|blik)\b[^.!?\n]{{0,15}}?(?:\+?\d[\d \-]{{7,14}}\d|\bdirect\w*|"
    rf"\bdirecto\b|\bdireto\b|\bbezpośredni\w*|напрямую)"
    rf"|\b(?:direct\w*|directo|direto|bezpośredni\w*)\b[^.!?\n]{{0,10}}\b(?:bizum|pix|blik)\b"
)
#: Paid at the marketplace's own checkout ("paid via Pix at the site's checkout, the order shows
#: paid"): a payment on the platform, unless the message sets it against something outside.
_CHECKOUT = compile_words(
    r"\bcheck-?out\b|\bkasse\b|\bcaixa do site\b|\bna kasie\b|\bprzy kasie\b|\bna stronie\b"
    r"|\b(?:on|at|through) the (?:site|website|marketplace|platform)\b|\b(?:no|pelo) site\b"
    r"|\b(?:en|de) la (?:web|página)\b|\bpasarela\b|\bauf der (?:seite|website|plattform)\b"
    r"|\bна сайте\b|\bчерез сайт\b"
    r"|\border (?:shows|says|is|was|marked)\b[^.!?\n]{0,12}\bpaid\b"
    r"|\bpedido\b[^.!?\n]{0,20}\bpago\b"
    r"|\bzamówienie\b[^.!?\n]{0,15}\bopłacon\w*|\bзаказ\b[^.!?\n]{0,15}\bоплачен\w*"
    r"|\bbestellung\b[^.!?\n]{0,15}\bbezahlt\b"
)
_NOT_CHECKOUT = compile_words(
    r"\b(?:instead|outside|skip|bypass|avoid|statt|außerhalb|en vez|en lugar|fuera|em vez|fora|"
    r"zamiast|poza|вместо|вне|cheaper|directly|direct|direto|directo|not|nicht|nie|não|не)\b"
)


def at_checkout(text: str) -> bool:
    """Whether `text` is about a payment made at the marketplace's own checkout."""
    return _CHECKOUT.search(text) is not None and _NOT_CHECKOUT.search(text) is None


_PAYMENT_GATE = WordGate(
    "venmo", "zelle", "cash", "cashapp", "revolut", "paypal", "skrill", "bizum", "pix", "blik",
    "wise", "payoneer", "paysafe", "neteller", "cashtag", "crypto", "btc", "bitcoin", "usdt",
    "eth", "ethereum", "ltc", "binance", "mb", "mbway", "payid", "gcash", "mercado",
    "mercadopago", "picpay", "nequi", "yape", "mp", "alias", "blik*",
)  # fmt: skip
_WALLET = re.compile(
    r"(?<![a-z0-9])(?:bc1[a-z0-9]{25,60}|0x[0-9a-f]{40}|ltc1[a-z0-9]{25,60})(?![a-z0-9])"
)
_WALLET_CUED = re.compile(r"(?<![a-z0-9])(?:t[1-9a-z]{33}|[13][1-9a-z]{25,34})(?![a-z0-9])")
_CRYPTO_CUE = re.compile(
    r"\b(?:btc|bitcoin|usdt|trc-?20|erc-?20|eth|ethereum|wallet|crypto|ltc|tron|trx|address)\b"
)


#: A word `_CRYPTO_CUE` needs ("trc-20" is the words "trc" and "20"): a fast gate.
_CRYPTO_WORDS = frozenset(
    ("btc", "bitcoin", "usdt", "trc", "trc20", "erc", "erc20", "eth", "ethereum", "wallet"),
) | frozenset(("crypto", "ltc", "tron", "trx", "address"))


def payment(text: str, words: frozenset[str]) -> tuple[str, str] | None:
    """(reason, words) for a payment outside the platform's checkout, or None."""
    if ("bc1" in text or "0x" in text or "ltc1" in text) and (
        wallet := _WALLET.search(text)
    ) is not None:
        return "crypto wallet address", wallet.group()
    cued = (
        _WALLET_CUED.search(text)
        if not _CRYPTO_WORDS.isdisjoint(words) and _CRYPTO_CUE.search(text) is not None
        else None
    )
    if cued is not None and sum(map(str.isdigit, cued.group())) >= 3:
        return "crypto wallet address", cued.group()
    match = _PAYMENT.search(text) if _PAYMENT_GATE(words, text) else None
    if match is None and not _NUMBERED_APPS.isdisjoint(words) and has_digit_word(text):
        # "bizum al seis uno dos, tres cuatro cinco…": the number in words
        match = _PAYMENT.search(phone_text(text))
    if match is not None and not at_checkout(text):
        return "payment outside the platform", match.group()
    return None


#: Apps paid to a phone number, which may be written in words.
_NUMBERED_APPS = frozenset(("bizum", "pix", "blik", "mbway", "payid", "gcash", "yape", "nequi"))


# --- bank accounts, cards and Pix keys (issue 21, third round) ----------------------------

#: An IBAN as written: country, check digits, then groups of four (spaced or not).
_IBAN = re.compile(
    r"(?<![a-z0-9])[a-z]{2}\d{2}(?:[ -]?[a-z0-9]{4}){2,7}(?:[ -]?[a-z0-9]{1,3})?(?![a-z0-9])"
)
#: A card number as written: 13-19 digits, in groups or not.
_CARD = re.compile(r"(?<![\d.,])\d{4}(?:[ -]?\d){9,15}(?![\d.,]\d)")
#: Words of paying or transferring next to a card number ("скинь на карту", "pay to my card").
_CARD_CUE = compile_words(
    r"\b(?:pay|send|transfer|wire|zahl|zahle|überweis\w*|transfiere\w*|transfiéreme|paga|pague|"
    r"deposita\w*|przelej|przelew|zapłać|wpłać)\b|\b(?:to|on) (?:my|this) card\b"
    r"|\bauf (?:meine|die|diese) karte\b|\ba (?:mi|la|esta) tarjeta\b"
    r"|\b(?:no|pro|para o|pra o) (?:meu )?cartão\b|\bna (?:moją |tę )?kartę\b"
    r"|\bна (?:мою |эту )?карт\w*|\b(?:скинь|кинь|переведи|отправь|оплати)\w*"
)
#: An order, invoice or tracking number is not a card.
_NOT_A_CARD = compile_words(
    r"\b(?:order|invoice|tracking|transaction|ref|reference|ticket|serial|key|code|bestell\w*|"
    r"rechnung\w*|sendung\w*|pedido|factura|fatura|seguimiento|rastreio|zamówieni\w*|"
    r"śledzeni\w*|заказ\w*|трек\w*)\b|#"
)
_CPF = re.compile(r"(?<![\d.])\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?![\d.]\d)")
#: "chave pix", "pix key", "chave do pix": a key for a payment straight to the seller.
_PIX_KEY = re.compile(
    r"\bchave (?:do |de |da )?pix\b|\bpix\b[^.!?\n]{0,15}\bchave\b|\bchave\b[^.!?\n]{0,15}\bpix\b"
    r"|\bpix key\b"
)
#: A Polish account number (NRB) without its country code: an IBAN once "PL" is put first.
_NRB = re.compile(r"(?<![\w.])\d{2}(?: ?\d{4}){6}(?![\w.]\d)")
_NRB_CUE = compile_words(r"\b(?:konto|konta|rachunek|rachunku|przelej\w*|przelew\w*|nr)\b")


def _iban_ok(raw: str) -> str | None:
    """`raw` as a valid IBAN (mod-97 checksum), formatted, or None."""
    compact = re.sub(r"[ -]", "", raw).upper()
    if not 15 <= len(compact) <= 34 or sum(c.isdigit() for c in compact) < 10:
        return None
    moved = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    if int(digits) % 97 != 1:
        return None
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def bank_details(text: str) -> tuple[str, str] | None:
    """(reason, words) for an IBAN (mod-97), a card number (Luhn) next to a pay word, or a Pix
    key, given for a payment straight to someone: a payment outside the platform's checkout."""
    for match in _IBAN.finditer(text):
        raw = match.group()
        for _ in range(3):
            if (iban := _iban_ok(raw)) is not None:
                return f"IBAN {iban}", raw
            raw = re.sub(r"[ -]?[a-z0-9]{1,4}$", "", raw)
    if _NRB_CUE.search(text) is not None:
        for match in _NRB.finditer(text):
            if (iban := _iban_ok("pl" + match.group())) is not None:
                return f"account number (IBAN {iban})", match.group()
    for match in _CARD.finditer(text):
        raw = match.group()
        digits = re.sub(r"\D", "", raw)
        if not 13 <= len(digits) <= 19 or not _luhn(digits) or len(set(digits)) < 2:
            continue
        before = re.split(r"[.!?;\n]", text[max(0, match.start() - 40) : match.start()])[-1]
        after = re.split(r"[.!?;\n]", text[match.end() : match.end() + 30])[0]
        if _NOT_A_CARD.search(before) is not None:
            continue
        if _CARD_CUE.search(before) is not None or _CARD_CUE.search(after) is not None:
            return f"card number {' '.join(raw.split())}", raw
    if "pix" in text and not at_checkout(text):
        if (key := _PIX_KEY.search(text)) is not None:
            return "Pix key", key.group()
        if (cpf := _CPF.search(text)) is not None:
            return f"Pix key (CPF) {cpf.group()}", cpf.group()
    return None


# --- video calls, other messengers, handles -----------------------------------------------

_CALLS: tuple[tuple[str, str], ...] = (
    ("Zoom", r"\bzoom (?:call|meeting|me|session|chat|link)\b|\b(?:on|via|over|hop on|join|"
     r"jump on|get on) (?:a |my |our )?zoom\b(?! lens| level| in| out)"),
    ("Google Meet", r"\bgoogle meet\b(?! link in)|\bmeet\.google\b|\b(?:on|via|over|hop on|join) "
     r"(?:a )?(?:google )?meet (?:call|link|session)\b"),
    ("FaceTime", r"\bfacetime (?:me|call|you|u)\b|\b(?:on|via|over) facetime\b|\bfacetime\?"),
    ("Microsoft Teams", r"\b(?:on|via|over|hop on|join) (?:ms |microsoft )?teams "
     r"(?:call|meeting)\b|\b(?:me|us)\b[^.!?\n]{0,20}\b(?:on|via|over) (?:ms |microsoft )?teams\b"),
    ("TikTok", rf"{LEFT}tik ?tok{RIGHT}(?=[^.!?\n]{{0,12}}@)|\b(?:on|my|via|dm me on) tik ?tok\b"),
    ("Wickr", r"\bwickr\b"),
    ("KakaoTalk", r"\bkakao(?: ?talk)?\b"),
    ("Threema", r"\bthreema\b"),
    ("Reddit", r"\b(?:dm|pm|message|msg|chat|hmu|find|add) me on reddit\b"
     r"|(?<![\w/])u/[a-z0-9_-]{3,20}"),
    ("LINE", r"\b(?:on|my|via) line,? id\b|\bline id\b"
     r"|\b(?:hmu|msg|message|add me|dm) (?:me )?on line\b"),
)  # fmt: skip
_CALL = compile_words("|".join(f"(?P<c{i}>{src})" for i, (_, src) in enumerate(_CALLS)))
_CALL_NAMES = {f"c{i}": name for i, (name, _) in enumerate(_CALLS)}
_CALL_GATE = WordGate(
    "zoom", "google", "meet", "facetime", "teams", "tiktok", "tik", "wickr", "kakao",
    "kakaotalk", "threema", "reddit", "u/*", "line id*", "line, id*", "on line*",
)  # fmt: skip
#: A platform's name or short name, then ":"/"@"/"id", then a handle: "IG @lena.trades".
_HANDLE = compile_words(
    r"\b(?:ig|insta|instagram|snap|snapchat|tiktok|tik tok|twitter|tg|telegram|discord|dc|"
    r"wickr|kik|kakao|kakaotalk|line|threema|fb|vk|wechat|skype|signal|viber|whatsapp|wa)"
    r"(?: id| name| handle| user(?:name)?| is)?\s?(?::|=|-|@|is)\s?@?([a-z0-9_][a-z0-9_.]{2,29})"
    r"|\b(?:ig|insta|snap|tiktok|twitter|tg|telegram)\s@([a-z0-9_][a-z0-9_.]{2,29})"
    r"|\bmy (?:snap|ig|insta|tiktok|tg|kik|skype|line|wechat) (?:is |= )"
    r"@?([a-z0-9_][a-z0-9_.]{2,29})"
)
_HANDLE_GATE = WordGate(
    "ig", "insta", "instagram", "snap", "snapchat", "tiktok", "tik", "twitter", "tg", "telegram",
    "discord", "dc", "wickr", "kik", "kakao", "kakaotalk", "line", "threema", "fb", "vk",
    "wechat", "skype", "signal", "viber", "whatsapp", "wa",
)  # fmt: skip
#: Not a handle: numbers, prices, times and words that follow "snap:" in a product's text.
_NOT_HANDLE = re.compile(r"^\d[\d.]*$|^(?:the|a|an|and|or|not|no|yes|it|is|on|off|broken)$")


#: "IG" is also "in game": "my IG name is Kira_07, add me in game".
_IN_GAME = re.compile(r"\b(?:in[ -]?game|ingame|ign|character|guild|server|lobby|party)\b")


def call_or_messenger(text: str, words: frozenset[str]) -> tuple[str, str] | None:
    if _CALL_GATE(words, text) and (match := _CALL.search(text)) is not None:
        return f"mentions {_CALL_NAMES[match.lastgroup or '']}", match.group()
    if _HANDLE_GATE(words, text):
        for match in _HANDLE.finditer(text):
            handle = next(g for g in match.groups() if g is not None)
            in_game = match.group().startswith("ig") and _IN_GAME.search(text) is not None
            if _NOT_HANDLE.match(handle) is None and not in_game:
                return "handle on another platform", match.group()
    return None


# --- misspelt messenger names ---------------------------------------------------------------

_FUZZY_NAMES = {
    "discord": "Discord", "telegram": "Telegram", "whatsapp": "WhatsApp", "whatsap": "WhatsApp",
    "instagram": "Instagram", "snapchat": "Snapchat", "facebook": "Facebook",
}  # fmt: skip
#: Real words one edit from a name.
_REAL_WORDS = frozenset(
    [
        "discard",
        "discards",
        "discords",
        "discordant",
        "telegrams",
        "telegraph",
        "instagrams",
        "facebooks",
        "snapchats",
        "whatsapps",
        "discorda",
        "discordo",
        "discordar",
        "discordam",
        "discordas",
        "discordei",
        "discordou",
        "discorde",
        "discordes",
        "discordia",
        "discordo",
    ]
)


def _one_edit_variants(name: str) -> set[str]:
    """Every string one edit from `name`: a letter dropped, swapped, changed or added."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(name[:i], name[i:]) for i in range(len(name) + 1)]
    variants = {a + b[1:] for a, b in splits if b}
    variants |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    variants |= {a + c + b[1:] for a, b in splits if b for c in letters}
    variants |= {a + c + b for a, b in splits for c in letters}
    return variants


#: Misspellings → the messenger: built once (about 3,000 strings), so that a message costs one
#: set intersection with its words.
_MISSPELT: dict[str, str] = {
    variant: label
    for name, label in _FUZZY_NAMES.items()
    for variant in _one_edit_variants(name)
    if variant not in _REAL_WORDS and variant not in _FUZZY_NAMES
}
_MISSPELT_KEYS = frozenset(_MISSPELT)


def misspelt_messenger(words: frozenset[str]) -> tuple[str, str] | None:
    """(name, word) for a word one edit from a messenger's name, or None."""
    found = words & _MISSPELT_KEYS
    if not found:
        return None
    token = min(found)
    return _MISSPELT[token], token


def contact_form_evidence(text: str, clear: str | None = None) -> tuple[str, str] | None:
    """(reason, words) for the contact forms of this module, on normalised `text`, or None.
    Links are looked for in `clear`, `deobfuscate(text)` (computed when not given)."""
    words = words_of(text)
    found = (
        payment(text, words)
        or call_or_messenger(text, words)
        or market_or_payment(text, at_checkout)
    )
    if found is not None:
        return f"{found[0]}: '{_short(found[1])}'", found[1]
    if (link := unknown_link(deobfuscate(text) if clear is None else clear)) is not None:
        return f"link to {link}", link
    return None


def _short(matched: str) -> str:
    """A matched phrase, tidy and bounded, for the reason text."""
    flat = " ".join(matched.split())
    return flat if len(flat) <= 30 else flat[:29] + "…"
