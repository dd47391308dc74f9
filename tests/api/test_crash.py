"""Crash tests: `mediator serve` is SIGKILLed and restarted while clients write through it.

Run just these with `pytest -m crash` (or leave them out with `-m "not crash"`). Random choices
come from fixed seeds; where a kill lands is decided by progress (after the n-th write), so every
run kills the server the same number of times, mid-stream.

- Retried decisions: 100 decisions on 100 disputes, each retried with the same Idempotency-Key
  after a connection error or a 5xx until it gets its 201: every dispute ends with exactly the
  decision its client was told about, once.
- Torn writes: 1,000 notes and decisions from four clients while the server is killed: the
  database is intact (`PRAGMA integrity_check`), every decision is whole (its dispute resolved
  and version bumped, its idempotency key stored, no resolved dispute without one), every note is
  counted, and every write that was acknowledged with a 201 is there.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from mediator.domain import Status
from mediator.store.sql import SqlStore
from tests.api.conftest import jsonl
from tests.api.servers import ServeProcess, healthy, http_client
from tests.store.conftest import dispute_data

pytestmark = pytest.mark.crash

SEED = 20261122
#: How long a client keeps retrying one write before the test gives up on the server.
PATIENCE = 120.0

#: Valid on every `dispute_data` dispute (USD 30.00, not received), whatever the real date.
DRAFTS: list[dict[str, Any]] = [
    {"outcome": "seller_favour", "rationale": "Tracking shows delivery to the buyer."},
    {"outcome": "buyer_full_refund", "rationale": "No tracking; never delivered."},
    {"outcome": "buyer_partial_refund", "rationale": "Arrived late.", "refund_amount": "10.00"},
    {"outcome": "compromise", "rationale": "Both parties share the blame.", "refund_amount": "5"},
]


def generated(count: int) -> list[dict[str, Any]]:
    """`count` disputes escalated a month before the server's (real) clock, a minute apart."""
    start = datetime.now(UTC) - timedelta(days=30)
    return [dispute_data(n, urgency=start + timedelta(minutes=n)) for n in range(1, count + 1)]


def add_staff(store_url: str, agents: list[str]) -> dict[str, str]:
    """Bearer tokens by name: the supervisor `sup.sam` and `agents` (`mediator staff add`)."""
    with SqlStore.open(store_url) as store:
        names = ["sup.sam", *agents]
        now = datetime.now(UTC)
        return {
            n: store.add_staff_sync(n, "supervisor" if n == "sup.sam" else "agent", now=now)
            for n in names
        }


def import_through(server: ServeProcess, token: str, disputes: list[dict[str, Any]]) -> None:
    with http_client(server.base_url, headers=auth(token), timeout=60) as client:
        response = client.post("/imports", content=jsonl(*disputes))
        assert response.status_code == 200, response.text
        assert response.json()["inserted"] == len(disputes)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Killer(threading.Thread):
    """SIGKILLs `server` when `progress()` reaches each of `points`, then starts it again
    (returning once it answers `/healthz`).

    The moment is a few random milliseconds later, except that the first kill, given
    `first_moment`, happens when that returns instead (see `lost_answer`). A kill waits for at
    least one write to finish after the previous restart, so no two kills land on one write.
    """

    def __init__(
        self,
        server: ServeProcess,
        progress: Callable[[], int],
        points: list[int],
        rng: random.Random,
        first_moment: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.server, self.progress, self.points, self.rng = server, progress, points, rng
        self.first_moment = first_moment
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            last = -1
            for i, point in enumerate(self.points):
                # and at least one write finished since the last restart: when catching the
                # first moment took long, progress is past the next point already, and an
                # immediate second kill would interrupt the same retried submit again (seen in
                # CI under load: two kills, one submit retried)
                while self.progress() < max(point, last + 1):
                    if self.stop.wait(0.001):
                        return
                if i == 0 and self.first_moment is not None:
                    self.first_moment()
                else:
                    time.sleep(self.rng.uniform(0, 0.01))
                self.server.kill()
                self.server.start()
                last = self.progress()
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc


def wait_until_up(server: ServeProcess) -> None:
    deadline = time.monotonic() + PATIENCE
    while not healthy(server.base_url):
        assert time.monotonic() < deadline, f"the server stayed down: {server.output()}"
        time.sleep(0.05)


def assert_sqlite_intact(store_url: str) -> None:
    """`PRAGMA integrity_check` (and the foreign keys) on the file as the crash left it."""
    url = make_url(store_url)
    if url.get_backend_name() != "sqlite":
        return
    assert url.database is not None
    conn = sqlite3.connect(url.database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def assert_every_write_whole(store: SqlStore) -> None:
    """No half-written decision or note, whichever moment the server died at."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT d.id, d.status, d.version, COUNT(r.id) FROM disputes d "
                "LEFT JOIN decisions r ON r.dispute_id = d.id GROUP BY d.id, d.status, d.version"
            )
        ).all()
        for dispute_id, status, version, decisions in rows:
            if decisions:
                assert (status, version, decisions) == ("resolved", 2, 1), dispute_id
            else:  # imported at version 1; notes do not bump it
                assert (status, version) == ("escalated", 1), dispute_id
        keyless = conn.execute(
            text(
                "SELECT r.id FROM decisions r LEFT JOIN idempotency_keys k "
                "ON k.decision_id = r.id AND k.dispute_id = r.dispute_id WHERE k.key IS NULL"
            )
        ).all()
        assert keyless == []
        miscounted = conn.execute(
            text(
                "SELECT d.id, d.message_count, COUNT(m.id) FROM disputes d "
                "LEFT JOIN messages m ON m.dispute_id = d.id "
                "GROUP BY d.id, d.message_count HAVING d.message_count <> COUNT(m.id)"
            )
        ).all()
        assert miscounted == []


# --- (b) retried decisions across kills -------------------------------------------------------

DISPUTES_B = 100
KILLS_B = 2


@dataclass
class Submitted:
    decision: dict[str, Any]
    attempts: int
    #: The 201 replayed a decision an earlier, failed attempt had already written.
    replayed: bool


def submit_until_created(
    client: httpx.Client, dispute_id: str, body: dict[str, Any], key: str
) -> Submitted:
    """POST the decision, again with the same key after a connection error or a 5xx, until
    201. Any 4xx fails the test: after a crash, a retry must replay, never conflict."""
    headers = {"If-Match": '"1"', "Idempotency-Key": key}
    deadline = time.monotonic() + PATIENCE
    attempts = 0
    failed_at: datetime | None = None
    while True:
        attempts += 1
        try:
            response = client.post(f"/disputes/{dispute_id}/decisions", json=body, headers=headers)
        except httpx.TransportError:
            failed_at = failed_at or datetime.now(UTC)
        else:
            if response.status_code == 201:
                decision: dict[str, Any] = response.json()
                # the server stamps a decision with its clock when the request arrives
                at = datetime.fromisoformat(decision["decided_at"].replace("Z", "+00:00"))
                return Submitted(decision, attempts, failed_at is not None and at < failed_at)
            assert response.status_code >= 500, (dispute_id, attempts, response.text)
        assert time.monotonic() < deadline, f"{dispute_id}: no 201 after {attempts} attempts"
        time.sleep(0.02)


def lost_answer(
    server: ServeProcess,
    in_flight: Callable[[], str | None],
    probe: SqlStore,
    rng: random.Random,
) -> None:
    """Return with the server frozen (SIGSTOP) after it committed the decision being sent but
    before the client had its answer, so that killing it now loses the answer of a write that
    is in: its retry must be a replay.

    Freezes the server at random moments and looks into the database; resumes it when the
    decision is not in yet, or when its answer was already on the way (the client got it).
    """
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        dispute_id = in_flight()
        if dispute_id is None:
            time.sleep(0.0005)
            continue
        server.pause()
        with probe.engine.connect() as conn:
            query = text("SELECT 1 FROM decisions WHERE dispute_id = :id")
            committed = conn.execute(query, {"id": dispute_id}).first() is not None
        if committed:
            time.sleep(0.2)  # an answer already sent reaches its client meanwhile
            if in_flight() == dispute_id:
                return
        server.resume()
        time.sleep(rng.uniform(0, 0.003))
    raise AssertionError("never caught the server between a commit and its answer")


def test_decisions_retried_across_kills_land_exactly_once(store_url: str, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    disputes = generated(DISPUTES_B)
    tokens = add_staff(store_url, ["agent.ana"])
    bodies = {d["id"]: rng.choice(DRAFTS) for d in disputes}
    done = 0
    in_flight: str | None = None
    told: dict[str, Submitted] = {}
    probe = SqlStore.open(store_url)
    try:
        with ServeProcess(store_url, tmp_path / "serve.log") as server:
            import_through(server, tokens["sup.sam"], disputes)
            points = sorted(rng.sample(range(5, 80), KILLS_B))
            killer = Killer(
                server,
                lambda: done,
                points,
                rng,
                first_moment=lambda: lost_answer(server, lambda: in_flight, probe, rng),
            )
            killer.start()
            try:
                with http_client(
                    server.base_url, headers=auth(tokens["agent.ana"]), timeout=30
                ) as client:
                    for dispute_id, body in bodies.items():
                        in_flight = dispute_id
                        told[dispute_id] = submit_until_created(
                            client, dispute_id, body, f"b-{dispute_id}"
                        )
                        in_flight = None
                        done += 1
            finally:
                killer.stop.set()
                killer.join(timeout=PATIENCE)
            assert killer.error is None, killer.error
            assert server.kills == KILLS_B
    finally:
        probe.close_sync()
    retried = [d for d, s in told.items() if s.attempts > 1]
    assert len(retried) >= KILLS_B  # every kill interrupted a submit
    # the first kill lost the answer of a written decision: its retry was a replay
    assert sum(s.replayed for s in told.values()) >= 1

    assert_sqlite_intact(store_url)
    with SqlStore.open(store_url) as store:
        assert_every_write_whole(store)
        for dispute_id, submitted in told.items():
            record = store.get_dispute_sync(dispute_id)
            assert [d.model_dump(mode="json") for d in record.decisions] == [submitted.decision]
            assert record.version == 2
            assert record.dispute.status is Status.RESOLVED
            assert submitted.decision["decided_by"] == "agent.ana"
            assert submitted.decision["outcome"] == bodies[dispute_id]["outcome"]
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM decisions")).scalar() == DISPUTES_B
            keys = conn.execute(text("SELECT COUNT(*) FROM idempotency_keys")).scalar()
            assert keys == DISPUTES_B


# --- (c) torn writes ------------------------------------------------------------------------

WRITES_C = 1000
WRITERS_C = 4
DISPUTES_C = 200
KILLS_C = 2
#: The share of writes that are decisions (the rest are notes), while undecided disputes last.
DECISION_SHARE = 0.2


class Tally:
    """Writes finished so far, across the writer threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def add(self) -> None:
        with self._lock:
            self.count += 1


class Writer(threading.Thread):
    """One agent's share of the writes: notes and decisions on its own disputes (no conflicts),
    each sent once. A connection error makes the write's fate unknown; the writer then waits for
    the server to be back and goes on with the next one."""

    def __init__(
        self, index: int, server: ServeProcess, token: str, disputes: list[str], tally: Tally
    ) -> None:
        super().__init__(daemon=True)
        self.index, self.server, self.token, self.tally = index, server, token, tally
        self.undecided = list(disputes)
        self.disputes = list(disputes)
        self.rng = random.Random(SEED * 100 + index)
        self.acked_notes: list[tuple[str, dict[str, Any]]] = []
        self.acked_decisions: list[tuple[str, dict[str, Any]]] = []
        self.unknown_notes = 0
        self.unknown_decisions = 0
        self.unexpected: list[str] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with http_client(self.server.base_url, headers=auth(self.token), timeout=30) as c:
                for j in range(WRITES_C // WRITERS_C):
                    self.write(c, j)
                    self.tally.add()
        except BaseException as exc:
            self.error = exc

    def write(self, client: httpx.Client, j: int) -> None:
        decision = bool(self.undecided) and self.rng.random() < DECISION_SHARE
        if decision:
            dispute_id = self.undecided.pop(self.rng.randrange(len(self.undecided)))
            path = f"/disputes/{dispute_id}/decisions"
            headers = {"If-Match": '"1"', "Idempotency-Key": f"c-{self.index}-{j}"}
            body = self.rng.choice(DRAFTS)
        else:
            dispute_id = self.rng.choice(self.disputes)
            path, headers = f"/disputes/{dispute_id}/notes", {}
            body = {"body": f"note {self.index}-{j}: {self.rng.random():.6f} ✓"}
        try:
            response = client.post(path, json=body, headers=headers)
        except httpx.TransportError:
            if decision:
                self.unknown_decisions += 1
            else:
                self.unknown_notes += 1
            wait_until_up(self.server)
            return
        if response.status_code != 201:
            self.unexpected.append(f"{path}: {response.status_code} {response.text[:200]}")
        elif decision:
            self.acked_decisions.append((dispute_id, response.json()))
        else:
            self.acked_notes.append((dispute_id, response.json()))


def test_kill_9_during_1000_writes_leaves_every_write_whole(store_url: str, tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    disputes = generated(DISPUTES_C)
    names = [f"agent.{i}" for i in range(WRITERS_C)]
    tokens = add_staff(store_url, names)
    tally = Tally()
    with ServeProcess(store_url, tmp_path / "serve.log") as server:
        import_through(server, tokens["sup.sam"], disputes)
        writers = [
            Writer(i, server, tokens[name], [d["id"] for d in disputes[i::WRITERS_C]], tally)
            for i, name in enumerate(names)
        ]
        points = sorted(rng.sample(range(100, 900), KILLS_C))
        killer = Killer(server, lambda: tally.count, points, rng)
        killer.start()
        for w in writers:
            w.start()
        for w in writers:
            w.join(timeout=PATIENCE * 5)
        killer.stop.set()
        killer.join(timeout=PATIENCE)
        # and once more at the very end: what is on disk is what a crash left, not a shutdown
        server.kill()
        assert killer.error is None, killer.error
        assert server.kills == KILLS_C + 1
    for w in writers:
        assert not w.is_alive() and w.error is None, w.error
        assert w.unexpected == [], w.unexpected
    assert tally.count == WRITES_C
    unknown = sum(w.unknown_notes + w.unknown_decisions for w in writers)
    assert unknown >= KILLS_C  # the kills did land while writes were under way

    assert_sqlite_intact(store_url)
    with SqlStore.open(store_url) as store:  # opens (and on PostgreSQL connects) fine
        assert store.count_disputes() == DISPUTES_C
        assert_every_write_whole(store)
        with store.engine.connect() as conn:
            decisions = {
                r.id: r
                for r in conn.execute(text("SELECT id, dispute_id, decided_by FROM decisions"))
            }
            notes = {
                r.id: r
                for r in conn.execute(
                    text(
                        "SELECT id, dispute_id, body, author_name FROM messages "
                        "WHERE channel = 'staff_note'"
                    )
                )
            }
        for w, name in zip(writers, names, strict=True):
            for dispute_id, decision in w.acked_decisions:
                stored = decisions[decision["id"]]
                assert (stored.dispute_id, stored.decided_by) == (dispute_id, name)
            for dispute_id, note in w.acked_notes:
                stored = notes[note["id"]]
                assert (stored.dispute_id, stored.body, stored.author_name) == (
                    dispute_id,
                    note["body"],
                    name,
                )
        # nothing appeared that was not asked for: at most the writes whose fate was unknown
        acked_decisions = sum(len(w.acked_decisions) for w in writers)
        acked_notes = sum(len(w.acked_notes) for w in writers)
        assert acked_decisions > 0 and acked_notes > 0
        assert 0 <= len(decisions) - acked_decisions <= sum(w.unknown_decisions for w in writers)
        assert 0 <= len(notes) - acked_notes <= sum(w.unknown_notes for w in writers)
