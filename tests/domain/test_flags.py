"""Transcript flags: P-COMM-ONPLATFORM, P-COMM-CONDUCT and P-COMM-SPAM-LONG.

Precision and recall per rule on the labelled set (`tests/data/flags_labelled.jsonl`), the tricky
cases by name, the decisions on ambiguous ones, hostile input, large messages, and the gates
that keep the rules fast. Speed is printed by `bench/flags.py`; tests never time anything.
"""

from __future__ import annotations

import ast
import random
import subprocess
import sys
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediator.domain import Actor, Dispute
from mediator.domain.flags import (
    CONDUCT,
    ONPLATFORM,
    REPEAT_MIN_CHARS,
    RULE_IDS,
    SPAM_LONG,
    SPAM_LONG_CHARS,
    Flag,
    flag_message,
    spam_long,
)
from mediator.domain.flags_conduct import conduct
from mediator.domain.flags_contact import off_platform
from mediator.domain.flags_text import SCAN_HEAD, normalise, squash
from mediator.seed import generate, hostile, vocab
from tests.domain.flags_labelled import Report, evaluate, load

EXAMPLES = load()


def rules(body: str) -> set[str]:
    return {flag.rule_id for flag in flag_message(body)}


# --- the labelled set ------------------------------------------------------------------------

#: (precision, recall) asserted per rule: what the detector reaches on the labelled set, a little
#: under it. The set was written before the detector, except a held-out batch (notes starting
#: "holdout:") written afterwards; `bench/flags.py` prints both and the misclassified messages.
THRESHOLDS = {ONPLATFORM: (0.97, 0.97), CONDUCT: (0.97, 0.97), SPAM_LONG: (0.95, 0.95)}


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(EXAMPLES, rules)


def test_the_labelled_set_is_large_and_mostly_balanced() -> None:
    assert len(EXAMPLES) >= 240
    assert sum(not e.flags for e in EXAMPLES) / len(EXAMPLES) >= 0.4
    positives = {rule: sum(rule in e.flags for e in EXAMPLES) for rule in RULE_IDS}
    assert positives[ONPLATFORM] >= 50
    assert positives[CONDUCT] >= 40
    assert positives[SPAM_LONG] >= 10
    assert any(len(e.body) >= 1_000_000 for e in EXAMPLES)
    assert any(e.body.count("\n") >= 9_999 for e in EXAMPLES)


@pytest.mark.parametrize("rule", RULE_IDS)
def test_precision_and_recall_per_rule(report: Report, rule: str) -> None:
    score = report.scores[rule]
    precision, recall = THRESHOLDS[rule]
    wrong = [
        f"line {e.line}: {e.label[:80]!r}"
        for e, got in report.wrong
        if (rule in e.flags) != (rule in got)
    ]
    assert score.precision >= precision, (score, wrong)
    assert score.recall >= recall, (score, wrong)


# --- the API ---------------------------------------------------------------------------------


def test_rule_ids_order_and_one_flag_per_rule() -> None:
    assert RULE_IDS == ("P-COMM-ONPLATFORM", "P-COMM-CONDUCT", "P-COMM-SPAM-LONG")
    body = "idiot, add me on discord kira#1234 " * 200
    flags = flag_message(body)
    assert [f.rule_id for f in flags] == list(RULE_IDS)
    assert flag_message("Key sent, check the order page.") == ()


def test_flags_are_frozen_values() -> None:
    flag = Flag(CONDUCT, "insult: 'idiot'")
    assert flag == Flag(CONDUCT, "insult: 'idiot'")
    with pytest.raises(FrozenInstanceError):
        flag.reason = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("body", "rule", "reason", "span"),
    [
        ("Message me on WhatsApp", ONPLATFORM, "mentions WhatsApp: 'whatsapp'", "WhatsApp"),
        ("Stop lying, idiot.", CONDUCT, "insult: 'idiot'", "idiot"),
        ("YOU ARE A THIEF GIVE ME", CONDUCT, "accusation: 'thief' (shouting)", "THIEF"),
        (
            "mail me at kira@example.com",
            ONPLATFORM,
            "email address kira@example.com",
            "kira@example.com",
        ),
        ("t.me/kira", ONPLATFORM, "link to Telegram", "t.me/"),
        ("+44 7700 900123", ONPLATFORM, "phone number +44 7700 900123", "+44 7700 900123"),
        ("I will find you.", CONDUCT, "threat: 'i will find you'", "I will find you"),
        (
            "I hope your shop burns down",
            CONDUCT,
            "threat: 'hope your shop burns'",
            "hope your shop burns",
        ),
        (
            "add me on w h a t s a p p",
            ONPLATFORM,
            "mentions WhatsApp: 'w h a t s a p p'",
            "w h a t s a p p",
        ),
        ("disc\u200bord me", ONPLATFORM, "mentions Discord: 'discord'", "disc\u200bord"),
    ],
)
def test_reasons_say_why_and_spans_show_where(body: str, rule: str, reason: str, span: str) -> None:
    """Every flag says why, and where: its span is the words in the message (issue 21)."""
    flags = {f.rule_id: f for f in flag_message(body)}
    assert flags[rule].reason == reason
    where = flags[rule].span
    assert where is not None
    assert body[where[0] : where[1]] == span


def test_spam_reason_counts_characters() -> None:
    assert spam_long(_prose(4_210)) == "4,210 characters"
    assert spam_long("line\n" * 2_000) == "10,000 characters, 2,001 lines"


# --- P-COMM-ONPLATFORM: positives and tricky negatives by name -----------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "add me on Discord",
        "WhatsApp me",
        "Telegram: @kira",
        "can we talk on Signal?",
        "do you have Skype?",
        "my WeChat is kira88",
        "add me on Snapchat",
        "dm me on Instagram",
        "slide into my IG DMs",
        "kira.k@example.com",
        "email me",
        "send me your email",
        "mail me at kira at gmail dot com",
        "my number is 0176 12345678",
        "+49 151 23456789",
        "call/text me",
        "add me on kik",
        "d1scord: kira",
        "disc0rd?",
        "write me on what's app",
        "w h a t s a p p",
        "tele gram me",
        "kira.boost at gmail dot com",
        "hmu kira#1234",
        "t.me/kira_keys",
        "wa.me/4915123456789",
    ],
)
def test_off_platform_contact_is_flagged(body: str) -> None:
    assert ONPLATFORM in rules(body)


@pytest.mark.parametrize(
    "body",
    [
        "I sent the email receipt as evidence",
        "The email on the account is locked",
        "the seller Discordia never delivered",
        "Discord Nitro gift card, code already redeemed",
        "The account's recovery email was changed",
        "The Telegram stickers pack is missing half the stickers",
        "Call of Duty boosting: 3 of 10 wins",
        "I called my bank",
        "Order number 123456789, please check",
        "I paid $1,249.99, not 1.299,00 €",
        "Delivered on 2024-11-03 at 14:32, opened on 05.11.2024",
        "I'll be online between 18:00 and 22:00 CET",
        "Please keep all communication here on the platform",
        "IMEI 356938035643809 does not match the box",
        "Tracking number 1Z999AA10123456784",
        "The signal on this phone drops all the time",
        "The game came on disc, and the disc is scratched",
        "Call me crazy, but this is not Diamond 2",
        "Avoid moving to Discord/WhatsApp/email for trade-related communication",
    ],
)
def test_tricky_off_platform_negatives(body: str) -> None:
    assert rules(body) == set()


def test_decision_game_ids_are_not_discord_tags() -> None:
    """A region or game tag (Riot ID, BattleTag) is how a boost or carry is delivered."""
    assert rules("My Riot ID is EUW#1234, boost that one") == set()
    assert rules("BattleTag Arthas#2156, invite me for the carry") == set()
    assert rules("add me: Arthas#21567 in game") == set()
    assert ONPLATFORM in rules("add me kira#4521 so we can talk")


def test_decision_in_game_and_steam_friend_requests_are_delivery() -> None:
    assert rules("Add me in game, my nickname is Kira_07") == set()
    assert rules("Add me on Steam so I can send the trade offer") == set()


def test_decision_an_accounts_login_address_is_the_product() -> None:
    assert rules("Login: kira.acc@outlook.com / Pass: Summer2024!") == set()
    assert ONPLATFORM in rules("Write to kira.acc@outlook.com, faster than here")


def test_a_refusal_is_not_a_proposal() -> None:
    assert rules("Do not contact me on WhatsApp, keep it in the dispute chat.") == set()
    assert ONPLATFORM in rules("discord/telegram/whatsapp - your choice, just not here")


def test_policy_talk_is_not_a_proposal_but_keeping_it_elsewhere_is() -> None:
    assert rules("Scammers ask to move to Discord; keep it here on the platform.") == set()
    assert ONPLATFORM in rules("let's keep it on discord")
    assert ONPLATFORM in rules("keep everything on telegram from now")
    assert rules("wsp bro, any update?") == set()  # "what's up", not WhatsApp
    assert ONPLATFORM in rules("Please keep it here on the platform. jk add me on discord")


# --- P-COMM-CONDUCT: positives and tricky negatives by name -------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "idiot",
        "scammer!!!",
        "you are a scammer",
        "I will find you",
        "you retard",
        "GIVE ME MY MONEY BACK YOU THIEF",
        "f*** you",
        "f u c k you",
        "fck you",
        "stfu",
        "you 1d10t",
        "Are you a scammer or what??",
        "Du bist ein Betrüger",
        "Ты мошенник",
    ],
)
def test_abuse_is_flagged(body: str) -> None:
    assert CONDUCT in rules(body)


@pytest.mark.parametrize(
    "body",
    [
        "I was worried this was a scam but it arrived",
        "Does the marketplace offer scam protection?",
        "The game's killer feature is the co-op",
        "Assassin's Creed Valhalla key, wrong region",
        "This boss is brutal, the carry took 4 hours",
        "Don't: use insults, harassment, or baseless accusations.",
        "Explain your position without accusing the other party of lying.",
        "I'm not a scammer, here is the delivery screenshot",
        "I will find you a replacement key by tomorrow",
        "WHERE IS MY ORDER??? IT HAS BEEN 9 DAYS",
        "Thief Simulator 2 key is for Xbox",
        "Idiot-proof instructions would help",
        "Why do you call me a liar? I have screenshots",
    ],
)
def test_tricky_conduct_negatives(body: str) -> None:
    assert rules(body) == set()


def test_decision_a_neutral_question_is_not_an_accusation() -> None:
    assert rules("Is this a scam?") == set()
    assert rules("Is the seller a scammer? I can't tell from the reviews.") == set()
    assert CONDUCT in rules("Are you a scammer?")


def test_decision_swearing_at_a_thing_is_not_an_attack() -> None:
    assert rules("Fuck, I sent the wrong screenshot") == set()
    assert rules("The stupid courier left it at the wrong door") == set()
    assert CONDUCT in rules("fuck you")
    assert CONDUCT in rules("stupid seller")


# --- P-COMM-SPAM-LONG ----------------------------------------------------------------------------


def _prose(size: int) -> str:
    """`size` characters of varied, non-repeating words."""
    rng = random.Random(size)
    words: list[str] = []
    length = -1
    while length < size:
        words.append(
            "".join(rng.choice("abcdefghijklmnoprstuvwy") for _ in range(rng.randint(2, 9)))
        )
        length += len(words[-1]) + 1
    text = " ".join(words)[:size]
    assert len(text) == size
    return text


def test_length_threshold() -> None:
    assert SPAM_LONG not in rules(_prose(SPAM_LONG_CHARS))
    assert SPAM_LONG in rules(_prose(SPAM_LONG_CHARS + 1))


def test_repetitive_text_above_the_smaller_length() -> None:
    assert SPAM_LONG in rules("Please refund. " * 40)
    assert SPAM_LONG in rules("\n".join(f"line {i}: still waiting" for i in range(40)))
    assert SPAM_LONG in rules("!" * REPEAT_MIN_CHARS)
    assert SPAM_LONG not in rules("Please refund. " * 30)  # 450 characters: too short
    assert SPAM_LONG not in rules(_prose(3_000))


def test_a_megabyte_and_ten_thousand_lines_return() -> None:
    megabyte = hostile.megabyte_message()
    lines = hostile.ten_thousand_lines()
    assert [f.rule_id for f in flag_message(megabyte)] == [SPAM_LONG]
    assert flag_message(lines) == (Flag(SPAM_LONG, "378,893 characters, 10,000 lines"),)
    assert SPAM_LONG in rules("a" * 1_000_000)
    assert SPAM_LONG in rules("x@" * 500_000)


def test_only_a_bounded_window_is_scanned_for_contact_and_conduct() -> None:
    filler = _prose(SCAN_HEAD + 50_000)
    assert rules(filler + " add me on discord") == {ONPLATFORM, SPAM_LONG}  # the tail is read
    assert rules(filler[: SCAN_HEAD + 10_000] + " idiot " + filler) == {
        SPAM_LONG
    }  # the middle is not


# --- hostile input ------------------------------------------------------------------------------

CARRIERS = [
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u2060",  # word joiner
    "\ufeff",  # BOM
    "\u00ad",  # soft hyphen
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\x1b[31m",  # colour
    "\x9b0m",  # 8-bit CSI
    "\x07",
    "\x00",
    "\ufe0f",  # variation selector
]


@pytest.mark.parametrize("carrier", CARRIERS, ids=repr)
def test_invisible_characters_do_not_hide_a_flag(carrier: str) -> None:
    assert ONPLATFORM in rules(f"add me on disc{carrier}ord")
    assert ONPLATFORM in rules(f"what{carrier}sapp +44 7700 900123")
    assert CONDUCT in rules(f"you id{carrier}iot")
    assert CONDUCT in rules(f"f{carrier}uck you")


def test_confusables_and_escape_sequences_do_not_hide_a_flag() -> None:
    assert ONPLATFORM in rules("Ｄｉｓｃｏｒｄ： ｋｉｒａ")  # fullwidth
    assert ONPLATFORM in rules("D\u0456scord: pixel")  # Cyrillic і inside a Latin word
    assert ONPLATFORM in rules("Te\u0301legram @kira")  # combining accent
    assert ONPLATFORM in rules("\x1b]8;;https://t.me/kira\x1b\\click here\x1b]8;;\x1b\\")  # OSC 8
    assert ONPLATFORM in rules("\x1b[8mdiscord: hidden\x1b[0m")  # concealed text
    assert CONDUCT in rules("ＹＯＵ ＩＤＩＯＴ")
    assert rules("Телеграм") == {ONPLATFORM}  # all-Cyrillic words are read as Russian


HOSTILE_BODIES = [
    *hostile.MARKUP,
    *hostile.ANSI,
    *hostile.EMOJI,
    *hostile.RTL,
    *hostile.BODY.values(),
    "\u202e" * 10_000,
    "\x1b]" * 10_000,
    "\x1b[" + "0;" * 10_000,
    "[" * 50_000,
    "\ud800",  # a lone surrogate
]


@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=lambda b: repr(b[:30]))
def test_hostile_text_does_not_crash_or_flag_contact_or_conduct(body: str) -> None:
    flags = flag_message(body)
    assert {f.rule_id for f in flags} <= {SPAM_LONG}
    for flag in flags:
        assert flag.reason.isprintable()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_at_most_one_flag_per_rule_in_order(body: str) -> None:
    flags = flag_message(body)
    ids = [f.rule_id for f in flags]
    assert ids == [r for r in RULE_IDS if r in ids]
    for flag in flags:
        assert 0 < len(flag.reason) <= 60 and flag.reason.isprintable()


# --- the gates only save time ------------------------------------------------------------------

FRAGMENTS = [
    "discord", "d1sc0rd", "d i s c o r d", "what's app", "whats", "zap", "tg", "tele", "signal",
    "snap", "ig", "dm", "fb", "line", "kik", "x", "on", "my", "add me on", "message me on", "no",
    "keep it", "here", "platform", "wasap", "wsp",
    "call", "text", "me", "email", "mail", "your", "number", "0176 1234567", "+44 7700 900123",
    "@", "kira", "#1234", "at", "gmail", "dot", "com", "t.me/", "paypal", "f&f", "outside",
    "idiot", "1d10t", "i d i o t", "scammer", "sc@mmer", "scam", "liar", "thief", "you", "are",
    "a", "is", "this", "not", "?", "!", ".", ",", " ", " ", " ", "\n", "fuck", "f*ck", "f u c k",
    "off", "stfu", "i will find you", "where you live", "stupid", "seller", "clown", "rat",
    "мои", "тг", "телеграм", "дебил", "ты", "вор", "du", "betrüger", "eres", "estafador", "seu",
    "golpista", "oszust", "nitro", "account", "called", "said i was",
    # issue 21: the forms (flags_conduct_forms, flags_contact_forms)
    "track", "down", "hunt", "find", "get", "i'll", "we", "know", "people", "who", "can",
    "regret", "this", "hope", "your", "shop", "gets", "banned", "unbanned", "burns", "deserve",
    "to", "robbed", "little", "greedy", "weasel", "pig", "hey", "dumbo", "of a", "joke",
    "ich", "mach", "dich", "fertig", "arruinare", "tu", "vida", "lixo", "de", "vendedor",
    "fick", "jestes", "zerem", "ty", "smieciu", "я тебя найду", "сдохни", "feel like an",
    "sword", "venmo", "zelle", "cash app", "revolut", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    "zoom", "call", "google meet", "facetime", "u/kira_keys", "snap:", "kirakeys", "telegrm",
    "discrod", "(dot)", "(punkt)", "[.]", "(at)", "www.", "cheapkeys-direct", ".net",
    "06 12 34 56 78",
    "bel", "ring", "refused", "he asked me to",
    # the narrower stems and the one-scan gates (speed, issue 21)
    "go to hell", "hello", "ur home", "come at", "your door", "post", "leave bad reviews on",
    "every", "i'll keep", "calling", "found out who", "nice shop you got here", "dein shop",
    "pleite", "accidents", "phone", "by the phone", "pp", "ff", "bitcoin", "refund me", "f***",
    "fvck", "f@ck", "problem", "you rob", "people are", "idiots",
]  # fmt: skip


@cache
def _labelled_texts() -> tuple[str, ...]:
    return tuple(normalise(e.body[:30_000]) for e in EXAMPLES)


def _same_with_and_without_gates(text: str) -> None:
    squashed = squash(text)
    assert off_platform(text, squashed) == off_platform(text, squashed, gated=False), text
    assert conduct(text, squashed) == conduct(text, squashed, gated=False), text


def test_gates_change_nothing_on_the_labelled_set() -> None:
    for text in _labelled_texts():
        _same_with_and_without_gates(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12))
def test_gates_change_nothing_on_generated_text(parts: list[str]) -> None:
    _same_with_and_without_gates(normalise(" ".join(parts)))
    _same_with_and_without_gates(normalise("".join(parts)))


# --- demo data and purity ----------------------------------------------------------------------

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@cache
def _demo(n: int) -> tuple[Dispute, ...]:
    return tuple(generate(n, seed=7, now=NOW))


def test_demo_data_carries_every_flag_in_a_small_share_of_disputes() -> None:
    disputes = _demo(300)
    flagged = [{f.rule_id for m in d.messages for f in flag_message(m.body)} for d in disputes]
    assert set().union(*flagged) == set(RULE_IDS)
    assert 0.05 < sum(bool(f) for f in flagged) / len(disputes) < 0.3
    party_flags = {
        f.rule_id
        for d in disputes
        for m in d.messages
        if m.author in (Actor.BUYER, Actor.SELLER)
        for f in flag_message(m.body)
    }
    assert party_flags == set(RULE_IDS)


def test_ordinary_demo_lines_are_never_flagged() -> None:
    fields = {
        "item": "Valorant account, Diamond 2, 40 skins",
        "amount": "12.50",
        "days": 4,
        "hours": 12,
        "q": 3,
        "n": 2,
        "trust": 3,
        "gap": 14,
        "handle": "fastkeys",
        "n4": 4821,
        "n3": 123,
        "n2": 42,
    }
    lines = [
        *vocab.ORDER_CHAT_BUYER,
        *(line for pool in vocab.ORDER_CHAT_SELLER.values() for line in pool),
        *(line for pool in vocab.OPENING.values() for line in pool),
        *vocab.DISPUTE_BUYER,
        *vocab.DISPUTE_SELLER,
        *vocab.ESCALATE_PARTY,
        *vocab.ESCALATE_SYSTEM.values(),
        *vocab.STAFF_NOTES,
        *vocab.INFO_REQUEST,
        *vocab.RESOLVED_NOTE,
        *vocab.CLOSED_BY_BUYER,
        *(caption for pool in vocab.CAPTIONS.values() for caption in pool),
        *(title for pool in vocab.LISTINGS.values() for title, _, _ in pool),
    ]
    flagged = [line for line in lines if flag_message(line.format_map(fields))]
    assert flagged == []
    for line in vocab.OFF_PLATFORM:
        assert ONPLATFORM in rules(line.format_map(fields)), line
    for line in vocab.INSULTS:
        assert CONDUCT in rules(line), line


FLAG_MODULES = [
    "flags",
    "flags_text",
    "flags_contact",
    "flags_contact_forms",
    "flags_phones",
    "flags_conduct",
    "flags_conduct_forms",
    "flags_conduct_accuse",
    "flags_contact_market",
    "flags_contact_context",
]


@pytest.mark.parametrize("module", FLAG_MODULES)
def test_flag_modules_import_only_re_small_stdlib_helpers_and_offline_packages(module: str) -> None:
    path = Path(__file__).resolve().parents[2] / "mediator" / "domain" / f"{module}.py"
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    allowed = {"__future__", "re", "unicodedata", "dataclasses", "collections", "collections.abc"}
    # Maintained offline rule sets (issue 21): libphonenumber's metadata ships in the package.
    allowed |= {"phonenumbers", "functools"}
    # linkify-it-py: links and IANA's TLD list, shipped in the package (issue 21).
    allowed |= {"linkify_it", "linkify_it.tlds"}
    assert imported <= allowed | {f"mediator.domain.{m}" for m in FLAG_MODULES}, imported


def test_flags_never_load_textual_or_sql() -> None:
    code = (
        "import sys, mediator.domain.flags\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'sqlalchemy', 'sqlmodel', 'rich', 'httpx'))\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_detector_and_tuning_never_read_the_held_out_set() -> None:
    """The held-out set (issue 21) measures unseen text only if nothing tunes on it."""
    from tests.domain.flags_labelled import (
        HELD_OUT,
        HELD_OUT_2,
        HELD_OUT_3,
        HELD_OUT_4,
        HELD_OUT_5,
    )

    root = Path(__file__).resolve().parents[2]
    readers = [*(root / "mediator" / "domain").glob("flags*.py"), Path(__file__)]
    for path in readers:
        text = path.read_text(encoding="utf-8")
        if path == Path(__file__):
            text = text.split("def test_detector_and_tuning_never_read_the_held_out_set")[0]
        assert "heldout" not in text.lower() and "HELD_OUT" not in text, path
    assert {e.note.split()[0] for e in load(HELD_OUT)} == {"heldout"}
    assert {e.note.split()[0] for e in load(HELD_OUT_2)} == {"heldout-2"}
    assert {e.note.split()[0] for e in load(HELD_OUT_3)} == {"heldout-3"}
    assert {e.note.split()[0] for e in load(HELD_OUT_4)} == {"heldout-4"}
    assert {e.note.split()[0] for e in load(HELD_OUT_5)} == {"heldout5"}
    assert not any(e.note.startswith("heldout") for e in EXAMPLES)
