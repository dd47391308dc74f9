"""Transcript flags: the gates only save time, whatever a rule matches.

Every gated rule runs only when its gate (and its module's one-scan gate, `any_gate`) finds a
stem; a stem missing from a gate would silently drop the rule's matches. Here hypothesis writes
text that each gated pattern matches, in the normalised form the rules read, and the flags with
gates must be those without. `tests/domain/test_flags.py` does the same on the labelled set and
on text put together from fragments.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mediator.domain import (
    flags_conduct,
    flags_conduct_accuse,
    flags_contact,
    flags_contact_forms,
    flags_contact_market,
)
from mediator.domain.flags_conduct import conduct
from mediator.domain.flags_contact import off_platform
from mediator.domain.flags_text import normalise, squash, words_of

#: Characters normalised text is made of (lower case, no accents, space, tab and newline),
#: Latin and Cyrillic, and the ellipsis some threats end with.
_ALPHABET = [
    c
    for c in map(chr, [9, 10, *range(32, 0x250), *range(0x400, 0x460), 0x2026])
    if normalise(c) == c and (c.isprintable() or c in "\t\n")
]

#: The gated patterns (each rule's regular expression behind a gate).
_GATED = {
    "threat": flags_conduct._THREAT,
    "abuse": flags_conduct._ABUSE_RE,
    "insult": flags_conduct._INSULT,
    "accusation": flags_conduct._ACCUSE,
    "targeted": flags_conduct._TARGETED_RE,
    "messenger": flags_contact._MESSENGER,
    "phrase": flags_contact._PHRASE,
    # issue 21, fourth round
    "exposure": flags_conduct_accuse._EXPOSE,
    "accusation by verb": flags_conduct_accuse._ACCUSE_VERB,
    "supposed crime": flags_conduct_accuse._SUPPOSED,
    "short abuse": flags_conduct_accuse._ABUSE,
}


def _has_mail_host(words: frozenset[str]) -> bool:
    return not flags_contact._MAIL_HOST_SET.isdisjoint(words)


#: Gated patterns of the contact forms, whose gates are always on: checked directly.
_FORM_GATES: dict[str, tuple[re.Pattern[str], Callable[[frozenset[str], str], bool]]] = {
    "another marketplace": (flags_contact_market._MARKET, flags_contact_market._MARKET_GATE),
    "payment": (flags_contact_market._PAYMENT, flags_contact_market._PAYMENT_GATE),
    "payment app": (flags_contact_forms._PAYMENT, flags_contact_forms._PAYMENT_GATE),
    # the spelled-out addresses' host is a word of its own
    "spelled address": (flags_contact._SPELLED_ADDRESS, lambda words, _: _has_mail_host(words)),
    "symbol address": (flags_contact._SYMBOL_ADDRESS, lambda words, _: _has_mail_host(words)),
}


def _matching(pattern: re.Pattern[str]) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True, alphabet=st.sampled_from(_ALPHABET))


@pytest.mark.parametrize("name", sorted(_GATED))
def test_gates_pass_whatever_the_rule_matches(name: str) -> None:
    pattern = _GATED[name]

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_matching(pattern))
    def check(text: str) -> None:
        assume(normalise(text) == text and pattern.search(text) is not None)
        squashed = squash(text)
        assert conduct(text, squashed) == conduct(text, squashed, gated=False), text
        assert off_platform(text, squashed) == off_platform(text, squashed, gated=False), text

    check()


@pytest.mark.parametrize("name", sorted(_FORM_GATES))
def test_contact_form_gates_pass_whatever_the_rule_matches(name: str) -> None:
    pattern, gate = _FORM_GATES[name]

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_matching(pattern))
    def check(text: str) -> None:
        assume(normalise(text) == text and pattern.search(text) is not None)
        assert gate(words_of(text), text), text

    check()
