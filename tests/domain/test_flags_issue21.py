"""Issue 21: the kinds of message the detector missed on unseen text, each with a hard negative.

P-COMM-CONDUCT by form (`flags_conduct_forms`): threats in many wordings, wishes of harm,
insults by structure, in English, German, Spanish, Portuguese, Polish and Russian; not the
speaker about themselves, not a report of someone else's words, not a game's item names.
P-COMM-ONPLATFORM (`flags_contact_forms`, `flags_phones`): payment apps and wallets, video
calls, handles, misspelt names, obfuscated dots, small capitals, links to unknown hosts,
national mobile numbers of any region. Every flag keeps its reason and, where the words are in
the message as written, its span.
"""

from __future__ import annotations

import pytest

from mediator.domain.flags import CONDUCT, ONPLATFORM, flag_message
from mediator.domain.flags_contact_forms import deobfuscate, misspelt_messenger, unknown_link
from mediator.domain.flags_phones import national_number
from mediator.domain.flags_text import normalise


def rules(body: str) -> set[str]:
    return {flag.rule_id for flag in flag_message(body)}


def reason(body: str, rule: str) -> str:
    return next(f.reason for f in flag_message(body) if f.rule_id == rule)


# --- P-COMM-CONDUCT ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("I will track you down for this", "track you down"),
        ("I know people who can find you", "i know people who can find you"),
        ("you're gonna regret this", "you're gonna regret this"),
        ("keep ignoring me and see what happens", "keep ignoring me and see what"),
        ("ich mach dich fertig", "ich mach dich fertig"),
        ("voy a arruinar tu vida", "arruinar tu vida"),
        ("zapłacisz za to", "zapłacisz za to"),
    ],
)
def test_threats_in_new_wordings(body: str, words: str) -> None:
    assert reason(body, CONDUCT) == f"threat: '{words}'"


@pytest.mark.parametrize(
    "body",
    [
        "hope your account gets banned",
        "I hope your store gets robbed",
        "may your shop burn to the ground",
        "you deserve to get robbed",
        "ojalá te quiebres",
        "чтоб ты сдох",
    ],
)
def test_wishes_of_harm_in_general_form(body: str) -> None:
    assert reason(body, CONDUCT).startswith("threat: ")


@pytest.mark.parametrize(
    "body",
    [
        "hope your account gets unbanned soon",
        "I hope your account isn't banned by mistake",
        "hope your day goes well",
        "you deserve a refund, I agree",
        "I hope the order gets delivered today",
    ],
)
def test_good_wishes_are_not_threats(body: str) -> None:
    assert CONDUCT not in rules(body)


@pytest.mark.parametrize(
    "body",
    [
        "you greedy little weasel",
        "you sad little man",
        "hey dumbo, where is my key",
        "what a joke of a seller",
        "you filthy pig",
        "lixo de vendedor",
        "du dummer Hund",
        "Fick dich",
        "ty śmieciu",
        "jesteś zerem",
        "ты ничтожество",
        "eres una rata",
        "y0u are a m0r0n",
    ],
)
def test_insults_by_structure_and_language(body: str) -> None:
    assert CONDUCT in rules(body), body


@pytest.mark.parametrize(
    "body",
    [
        "I feel like an idiot, I typed the wrong email",
        "I'm such an idiot, the code was in my spam folder",
        "the Bastard Sword drop rate is bad",
        "we lost in the loser's bracket final",
        "is the thief skill included in the Rogue class?",
        "he called me an idiot in the chat, I want that noted",
        "он назвал меня идиотом",
        "you little legend, thanks",
        "you have little time left on the warranty",
        "you sold the Pig mount, right?",
        "I will find your order in the system",
        "I cannot find you.",
        "Ich finde dich nicht in der Freundesliste",
        "я тебя найду в игре, напиши ник",
        "you'll regret nothing, this skin is great",
        "you'll pay for shipping only",
        "I know your address is in Spain, the key is EU only",
        "keep it up and you'll see more sales",
        "the boss in chapter 3 will break your legs, lol, be careful",
        "thank you so much, you absolute legend",
    ],
)
def test_conduct_hard_negatives(body: str) -> None:
    assert CONDUCT not in rules(body), [f.reason for f in flag_message(body)]


def test_a_form_flag_shows_where() -> None:
    body = "Listen: you greedy little weasel!"
    flag = next(f for f in flag_message(body) if f.rule_id == CONDUCT)
    assert flag.reason == "insult: 'you greedy little weasel'"
    assert flag.span is not None
    assert body[flag.span[0] : flag.span[1]] == "you greedy little weasel"


# --- P-COMM-ONPLATFORM ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "start"),
    [
        ("Venmo me and I'll send it right away", "payment outside the platform: 'venmo me'"),
        ("zelle me the difference", "payment outside the platform"),
        ("I take Wise transfers too, cheaper for you", "payment outside the platform"),
        ("send 0.002 BTC to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "crypto wallet address"),
        ("ETH wallet 0x71C7656EC7ab88b098defB751B7401B5f6d8976F", "crypto wallet address"),
        ("can we do a quick Zoom call to check the account", "mentions Zoom"),
        ("let's hop on Google Meet and I'll screen share", "mentions Google Meet"),
        ("FaceTime me and I'll show you", "mentions FaceTime"),
        ("IG @lena.trades", "handle on another platform: 'ig @lena.trades'"),
        ("snap: kirakeys", "handle on another platform"),
        ("dm me on reddit u/kira_keys", "mentions Reddit"),
        ("telegrm @acc_king", "mentions Telegram (misspelt): 'telegrm'"),
        ("discrod kira#4821", "mentions Discord (misspelt): 'discrod'"),
        ("teIegram @acc_king", "mentions Telegram"),
        ("ᴅɪsᴄᴏʀᴅ: kira", "mentions Discord"),
        ("kira(at)gmail(punkt)com", "email address kira@gmail.com"),
        ("kira[at]outlook[.]com", "email address kira@outlook.com"),
        ("www.cheapkeys-direct.net has it for half", "link to www.cheapkeys-direct.net"),
        ("order from g2a-deals.com and skip the fees", "link to g2a-deals.com"),
        ("bel me op 06 12345678", "phone number +33 6 12 34 56 78 (a national number; FR"),
        ("my phone: 0532 123 45 67", "phone number +90 532 123 45 67"),
    ],
)
def test_new_kinds_of_contact(body: str, start: str) -> None:
    assert reason(body, ONPLATFORM).startswith(start), reason(body, ONPLATFORM)


@pytest.mark.parametrize(
    "body",
    [
        "I use Discord for my clan, nothing to do with this",
        "he asked me to add him on telegram, I refused",
        "you can call me Jonas",
        "the Zoom lens in the listing was wrong",
        "I paid with PayPal, can the refund go back there?",
        "refund to my Revolut card via the platform please",
        "I'm fine.It works now",
        "the file is named setup.exe, version 2.0.1.5",
        "see the screenshot on imgur.com/a/x8Kd2",
        "I checked on igitems.com/orders, it is still pending",
        "the official site riotgames.com says servers are down",
        "the snap on the case is broken",
        "My IG name is Kira_07, the booster can add me in game.",
        "Discordo totalmente, o pedido foi entregue.",
        "please discard the old code",
        "Instagram account with 10k followers as listed",
        "order number 0612345678 from the invoice",
        "my crypto mining rig needs the key",
        "receipt: https://www.paypal.com/activity/payment/5TY12345 shows the charge",
        "our discord server for the game guild is full, lol",
        "the telegram I received from support said wait 24h",
    ],
)
def test_contact_hard_negatives(body: str) -> None:
    assert ONPLATFORM not in rules(body), [f.reason for f in flag_message(body)]


def test_obfuscated_dots_and_at_signs_are_undone() -> None:
    assert deobfuscate("kira (at) gmx (dot) de") == "kira@gmx.de"
    assert deobfuscate("shop[.]net") == "shop.net"
    assert deobfuscate("a (b) c") == "a (b) c"


def test_links_need_a_real_top_level_domain_and_an_unknown_host() -> None:
    assert unknown_link("https://my-keys.store/valorant") == "https://my-keys.store/valorant"
    assert unknown_link("http://x") is None
    assert unknown_link("readme.md and data.zip") is None
    assert unknown_link("steamcommunity.com/tradeoffer/new") is None


def test_misspelt_names_are_one_edit_away_and_not_real_words() -> None:
    assert misspelt_messenger(frozenset({"whatsaap"})) == ("WhatsApp", "whatsaap")
    assert misspelt_messenger(frozenset({"telegarm"})) == ("Telegram", "telegarm")
    assert misspelt_messenger(frozenset({"discard", "telegrams", "discord"})) is None
    assert misspelt_messenger(frozenset({"telgrm"})) is None  # two edits


def test_small_capitals_and_a_capital_i_read_as_letters() -> None:
    assert normalise("ᴅɪsᴄᴏʀᴅ ꜱɴᴀᴘ") == "discord snap"
    assert normalise("teIegram") == "telegram"
    assert normalise("WhatsApp iPhone API") == "whatsapp iphone api"


@pytest.mark.parametrize(
    ("digits", "region_code"),
    [("0612345678", 33), ("0851234567", 353), ("05321234567", 90), ("07912345678", 44)],
)
def test_national_mobile_numbers_of_any_region(digits: str, region_code: int) -> None:
    number = national_number(digits)
    assert number is not None and number.country_code == region_code


def test_short_runs_are_no_national_number() -> None:
    assert national_number("4821") is None
    assert national_number("12345678901234") is None
