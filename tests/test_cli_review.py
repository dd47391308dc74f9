"""`mediator review-rule` (issue 16): show and set the review rule on a real SQLite file, as a
supervisor named by `--agent` / `$MEDIATOR_AGENT`, and through a real `mediator serve` app with a
token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from mediator import cli, config
from mediator.domain.review import ReviewRule
from mediator.store.sql import SqlStore
from tests.api.servers import RestartableServer
from tests.store.conftest import NOW

NO_REVIEW = "no review: every decision is final when written\n"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real home: the data directory is in tmp, no store, agent or API from env."""
    monkeypatch.setenv(config.ENV_DATA_DIR, str(tmp_path / "data"))
    for name in (config.ENV_STORE, config.ENV_AGENT, config.ENV_API, config.ENV_TOKEN):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    """A SQLite store with a supervisor (sup.sam) and an agent (agent.ana)."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    with SqlStore.open(url) as store:
        store.add_staff_sync("sup.sam", "supervisor", now=NOW)
        store.add_staff_sync("agent.ana", "agent", now=NOW)
    yield url


def stored(url: str) -> ReviewRule:
    with SqlStore.open(url) as store:
        return store.review_rule_sync()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_rule_is_shown_in_words_and_as_json(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "review-rule", "--store", url) == (0, NO_REVIEW, "")
    code, out, _ = run(capsys, "review-rule", "--store", url, "--json")
    assert code == 0
    assert json.loads(out) == {
        "refund_at_least": {},
        "flagged": False,
        "acknowledged_warnings": False,
        "first_decisions": 0,
    }


def test_a_supervisor_sets_the_rule_option_by_option(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "review-rule",
        "--store",
        url,
        "--agent",
        "sup.sam",
        "--refund-at-least",
        "USD=100.00",
        "--refund-at-least",
        "EUR=90",
        "--flagged",
        "--first-decisions",
        "20",
    )
    assert code == 0, err
    assert err == "review rule set by sup.sam\n"
    assert out == (
        "decisions that need a supervisor's review:\n"
        "  - refunds of 90.00 EUR or more\n"
        "  - refunds of 100.00 USD or more\n"
        "  - disputes with flagged messages\n"
        "  - each agent's first 20 decisions\n"
    )
    expected = ReviewRule(
        refund_at_least={"USD": Decimal("100.00"), "EUR": Decimal("90.00")},
        flagged=True,
        first_decisions=20,
    )
    assert stored(url) == expected
    # an option changes only what it names; --no-… turns a clause off
    code, _, err = run(
        capsys,
        "--agent",
        "sup.sam",
        "review-rule",
        "--store",
        url,
        "--no-flagged",
        "--acknowledged-warnings",
        "--first-decisions",
        "0",
    )
    assert code == 0, err
    assert stored(url) == expected.model_copy(
        update={"flagged": False, "acknowledged_warnings": True, "first_decisions": 0}
    )
    assert (
        run(capsys, "review-rule", "--store", url, "--agent", "sup.sam", "--no-refund-at-least")[0]
        == 0
    )
    assert stored(url).refund_at_least == {}


def test_set_json_replaces_the_whole_rule(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.ENV_AGENT, "sup.sam")
    body = {"refund_at_least": {"USD": "100.00"}, "flagged": True, "acknowledged_warnings": True}
    code, out, err = run(
        capsys, "review-rule", "--store", url, "--set-json", json.dumps(body), "--json"
    )
    assert code == 0, err
    assert json.loads(out) == {**body, "first_decisions": 0}
    assert stored(url) == ReviewRule.model_validate({**body, "first_decisions": 0})


def test_an_agent_or_a_stranger_may_not_set_it(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for who, why in (
        ("agent.ana", "agent.ana is an agent: only a supervisor may set the review rule"),
        ("nobody", "nobody is not staff of this store: only a supervisor may set the rule"),
    ):
        code, out, err = run(capsys, "review-rule", "--store", url, "--agent", who, "--flagged")
        assert (code, out) == (cli.EXIT_ERROR, "")
        assert err.startswith("mediator: error: ")
        assert err.count("\n") == 1
        assert why.split(":")[0] in err
        assert "--agent NAME or $MEDIATOR_AGENT" in err
    assert stored(url) == ReviewRule()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--refund-at-least", "usd=1"], "refund_at_least.usd: 'usd' is not a currency code"),
        (["--refund-at-least", "USD=1.001"], "USD 1.001 has more decimals than USD has"),
        (["--refund-at-least", "USD=abc"], "refund_at_least.USD: 'abc' is not a decimal amount"),
        (["--first-decisions", "-1"], "first_decisions: Input should be greater than or equal"),
        (["--set-json", '{"flaged": true}'], "flaged: unknown field"),
        (["--set-json", "{"], "--set-json is not JSON"),
        (["--set-json", "{}", "--flagged"], "give either --set-json or the setting options"),
        (
            ["--refund-at-least", "USD=1", "--no-refund-at-least"],
            "give either --refund-at-least or --no-refund-at-least",
        ),
    ],
)
def test_a_bad_rule_is_one_line_naming_it_and_changes_nothing(
    url: str, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code, out, err = run(capsys, "review-rule", "--store", url, "--agent", "sup.sam", *args)
    assert (code, out) == (cli.EXIT_ERROR, "")
    assert err.startswith("mediator: error: ") and err.count("\n") == 1
    assert words in err
    assert stored(url) == ReviewRule()


def test_a_threshold_without_an_amount_is_a_usage_error(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "review-rule", "--store", url, "--refund-at-least", "USD")
    assert code == cli.EXIT_ERROR
    assert "expected CUR=AMOUNT such as USD=100.00, not 'USD'" in err


def test_through_the_api_as_the_tokens_owner(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with SqlStore.open(url) as store:
        sam = store.add_staff_sync("sup.kim", "supervisor", now=NOW)
        ana = store.add_staff_sync("agent.bo", "agent", now=NOW)
        server = RestartableServer(store, NOW)
        server.start()
        try:
            code, out, err = run(
                capsys, "review-rule", "--api", server.url, "--token", sam, "--flagged"
            )
            assert code == 0, err
            assert err == "review rule set by sup.kim\n"
            assert "disputes with flagged messages" in out
            assert store.review_rule_sync() == ReviewRule(flagged=True)
            monkeypatch.setenv(config.ENV_TOKEN, sam)
            code, out, _ = run(capsys, "--api", server.url, "review-rule", "--json")
            assert json.loads(out)["flagged"] is True
            # an agent's token: refused by the API, one line
            code, out, err = run(
                capsys, "review-rule", "--api", server.url, "--token", ana, "--no-flagged"
            )
            assert (code, out) == (cli.EXIT_ERROR, "")
            assert "agent.bo is an agent; this needs a supervisor" in err
            assert err.count("\n") == 1
            assert store.review_rule_sync() == ReviewRule(flagged=True)
            code, _, err = run(capsys, "review-rule", "--api", server.url, "--store", url, "--json")
            assert code == cli.EXIT_ERROR and "give either --store or --api" in err
        finally:
            server.stop()
    monkeypatch.delenv(config.ENV_TOKEN)
    code, _, err = run(capsys, "review-rule", "--api", "http://127.0.0.1:9")
    assert code == cli.EXIT_ERROR and "--api needs a token" in err
