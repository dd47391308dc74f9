"""P-COMM-ONPLATFORM: other marketplaces and payments straight to someone (issue 21, fourth
round), on `flags_text.normalise()`d text, in English, German, Spanish, Portuguese, Polish and
Russian.

- **another marketplace proposed**: "buy it from me on eBay instead", "I also sell it on G2A,
  cheaper there", "auf Kleinanzeigen billiger", "tengo el mismo en Wallapop más barato",
  "compra direto comigo no Mercado Livre", "mam to samo na Allegro taniej", "на авито дешевле".
  The name alone is not enough: the sentence must offer the trade there (the speaker sells or
  has it there, "buy/find me there", "instead", "cheaper"). A price seen elsewhere and asked to
  be matched here ("saw it on G2A for less, can you match it?") and a past purchase are not;
- **payment apps the older rules do not name** (MB WAY, PayID, GCash, Mercado Pago, PicPay,
  Nequi, Yape, Alipay, BLIK in any case: "blikiem") after a pay verb in any of the languages,
  or taken ("I can take PayID");
- **money sent straight to someone**: "send 20 USDT to my wallet", "deposita en mi cuenta",
  "mande um pix pra mim", "schick mir das Geld".
"""

from __future__ import annotations

from collections.abc import Callable

from mediator.domain.flags_text import GateSet, WordGate, compile_words, words_of

_MARKETS = (
    r"ebay|g2a|g2g|kinguin|eneba|kleinanzeigen|ebay kleinanzeigen|wallapop|vinted|allegro|olx|"
    r"avito|авито|mercado ?livre|mercado ?libre|facebook marketplace|fb marketplace|funpay|"
    r"playerauctions|eldorado|plati\.market|z2u|u7buy|craigslist|gumtree|milanuncios|"
    r"youla|юла|playerup"
)
#: The trade offered there: the speaker sells or has it there, an invitation, or a reason.
_OFFER = (
    r"(?:\b(?:i|we) (?:also |still |can )?(?:sell|list|post)\w*|\b(?:i|we) (?:also |still )?"
    r"(?:have|got) (?:it|this|them|the same|one|more|it cheaper)\b|\bmy (?:shop|store|listing|"
    r"offer|page)s?\b|\bfrom me\b|"
    r"\b(?:find|search|look (?:for|up)|add|message|contact) (?:me|my (?:name|shop|store))\b|"
    # a proposal, not the speaker leaving ("I'll buy it on eBay instead")
    r"\b(?:let'?s|we (?:can|could)|you (?:can|could)|can you|could you) (?:do|finish|trade|"
    r"deal|buy|sell|pay|sort)\w*|\bdo (?:this|it|the (?:deal|trade))\b|\bno fees?\b|"
    r"\bwithout (?:the )?fees?\b|"
    r"\b(?:ich (?:verkaufe|biete)|ich (?:habe|hab) (?:es|das|den|die|ihn) auch|von mir|bei mir|"
    r"schreib\w* mir|kauf (?:es|das|ihn|sie)|lass uns|machen wir|ohne gebühr\w*)\b|"
    r"\b(?:tengo el mismo|tengo la misma|vendo|búscame|cómpramelo|conmigo|hagámoslo|hagamos|"
    r"sin comisión|escríbeme)\b|"
    r"\b(?:tenho (?:o mesmo|a mesma|igual)|vendo|comigo|me procura|bora fazer|vamos fazer|"
    r"sem taxa)\b|"
    r"\b(?:mam (?:to samo|taki sam\w*|ten sam\w*)|sprzedaję|kup (?:tam|u mnie|ode mnie)|"
    r"ode mnie|zróbmy|bez prowizji|napisz (?:tam|do mnie))\b|"
    r"(?:продаю|у меня есть|купи (?:там|у меня)|давай|без комисси\w*|"
    r"(?:на)?пиши (?:туда|мне|там)))"
)
_MARKET = compile_words(
    rf"(?:{_OFFER})[^.!?\n]{{0,40}}\b(?:{_MARKETS})\b"
    rf"|\b(?:{_MARKETS})\b[^.!?\n]{{0,40}}(?:{_OFFER})"
)
_MARKET_GATE = WordGate(
    "ebay", "g2a", "g2g", "kinguin", "eneba", "kleinanzeigen", "wallapop", "vinted", "allegro",
    "olx", "avito", "авито", "mercado", "mercadolivre", "mercadolibre", "marketplace", "funpay",
    "playerauctions", "eldorado", "plati", "z2u", "u7buy", "craigslist", "gumtree", "milanuncios",
    "youla", "юла", "playerup",
)  # fmt: skip
#: Not an offer: a price seen there to be matched here, a past purchase, a complaint about it.
_NOT_OFFER = compile_words(
    r"\b(?:match|beat) (?:the|that|this|their|its) price\b|\bcan you match\b"
    r"|\b(?:i |we )?(?:bought|ordered|got) (?:it |this |one |mine |something )?(?:on|from|at) "
    r"(?:ebay|g2a|allegro|olx|avito|kinguin|eneba|wallapop|vinted)\b"
    r"|\bbecause of the (?:buyer )?protection\b|\bbought it here\b|\bkaufe ich hier\b"
    r"|\benttäuscht\b|\bdecepcion\w*|\bdecepcion\w*|\bzawiod\w*|\bразочаров\w*"
)

_APPS = (
    r"mb ?way|payid|gcash|mercado ?pago|picpay|nequi|yape|alipay|paysera|blik(?:a|u|iem|em)?|"
    r"bizum|pix|"
    r"revolut|wise|venmo|zelle|cash ?app|skrill"
)
_PAY_VERB = (
    r"\b(?:pay|send|transfer|wire|paga|pague|págame|pagame|manda|mande|envía|envia|envie|"
    r"transfiere|transfira|zapłać|zaplac|wyślij|przelej|schick|zahl|überweis\w*|"
    r"скинь|кинь|переведи|оплати|отправь)\b"
)
_PAYMENT = compile_words(
    rf"{_PAY_VERB}[^.!?\n]{{0,20}}\b(?:{_APPS})\b"
    rf"|\b(?:i|we) (?:can |also |only )?(?:take|accept|prefer)\b[^.!?\n]{{0,10}}\b(?:{_APPS})\b"
    r"|\b(?:send|pay|transfer)\w* (?:me )?(?:\d[\d.,]* )?(?:usdt|btc|eth|ltc|bitcoin|ethereum|"
    r"crypto)\b[^.!?\n]{0,25}\bto my\b"
    r"|\bto my (?:crypto |btc |usdt |eth |trc-?20 |erc-?20 |binance )?wallet\b"
    r"|\b(?:deposita|ingresa|transfiere)\w* (?:en|a) mi (?:cuenta|tarjeta)\b"
    r"|\b(?:deposita|transfere|manda|mande|faz|faça)\w* (?:um |o )?(?:pix |dinheiro )?"
    r"(?:pra|para|na)"
    r" (?:mim|minha conta|meu cpf)\b"
    r"|\bschick\w* mir (?:das |die |den )?(?:geld|kohle|betrag|summe|rest)\b"
    r"|\bwyślij mi (?:pieniądze|kasę|hajs)\b"
    r"|\b(?:скинь|кинь|переведи|отправь) мне (?:деньги|бабки)\b"
)
_PAYMENT_GATE = WordGate(
    "mb", "mbway", "payid", "gcash", "mercado", "mercadopago", "picpay", "nequi", "yape",
    "alipay", "paysera", "blik", "blika", "bliku", "blikiem", "blikem", "bizum", "pix", "revolut",
    "wise", "venmo", "zelle", "cash",
    "cashapp", "skrill", "usdt", "btc", "eth", "ltc", "bitcoin", "ethereum", "crypto", "wallet",
    "cuenta", "tarjeta", "mim", "conta", "cpf", "geld", "kohle", "betrag", "summe", "rest",
    "pieniądze", "kasę", "hajs", "деньги", "бабки",
)  # fmt: skip


_ANY = GateSet([_MARKET_GATE, _PAYMENT_GATE])


def market_or_payment(text: str, at_checkout: Callable[[str], bool]) -> tuple[str, str] | None:
    """(reason, words) for another marketplace offered or money sent straight to someone, or
    None. `at_checkout(text)`: the message is about a payment at the marketplace's checkout."""
    words = words_of(text)
    if not _ANY.any(words, text):
        return None
    if (
        _MARKET_GATE(words, text)
        and (match := _MARKET.search(text)) is not None
        and _NOT_OFFER.search(text) is None
    ):
        return "another marketplace", match.group()
    if (
        _PAYMENT_GATE(words, text)
        and (match := _PAYMENT.search(text)) is not None
        and not at_checkout(text)
    ):
        return "payment outside the platform", match.group()
    return None
