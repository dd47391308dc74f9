"""The claims benchmark (issue 15): 50 agents claim, renew and release through `mediator serve`.

Run by `bench/api.py` (and so by `bench/run.py`, `--smoke` included) on the server and store of
the decision rows, after them. Each of `AGENTS` agents is a member of staff with a token of its
own and one keep-alive connection, and loops

    POST /queue/claim-next → PUT /disputes/{id}/claim (renew) → the same again → DELETE …/claim

(what a shift agent's console does with `n`, compressed: no minute between renewals): a warm-up,
then a bounded number of timed cycles, stopped early at a deadline (the row says so). Every
answer must be the documented success (200, and 204 for the release); anything else, a 204 from
claim-next included (the queue holds far more disputes than there are agents), fails the run.

No dispute may ever be held by two agents. Checked twice, and a breach fails the run:
- by the agents: from the answer that granted a claim to the sending of its release, the agent
  certainly held the dispute; on one dispute, no two such spans of different agents may meet;
- by the store: each dispute's `claim_events`, in commit order, alternate `claimed` by X and
  `released` by that X; every grant and release the agents saw is recorded exactly once; no
  claim is left at the end. Commit order, not `at`: `at` is the store's clock at the start of
  the transaction, and the next holder's claim-next may begin before the release it waits for
  commits. On PostgreSQL the order is the age of the transaction id that inserted the event (a
  claim or release locks the dispute's row before anything else, which is when its transaction
  gets its id: the next holder can lock it only after the release committed, so its id is
  newer); on SQLite, the rowid (one writer at a time).

Processes (each prints one JSON object), started by `bench/api.py`:

    python bench/api.py claims-agents URL N OUT.json
    python bench/api.py claims-load CONFIG_JSON
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from api import (
    CLIENTS_BY_NAME,
    Client,
    Failures,
    Meter,
    cpu_split,
)
from run import Row, ms, pct, yes

#: The issue's figure: 50 agents at once.
AGENTS = 50
#: Long enough never to run out during a cycle: an expired lease would be a stalled agent.
LEASE_SECONDS = 60
#: The three requests timed per cycle, as the rows name them.
OPS = ("claim-next", "renew", "release")


@dataclass(frozen=True)
class ClaimsPlan:
    """Cycles (claim-next, two renewals, release) before timing and timed, and the deadline."""

    warmup: int
    cycles: int
    seconds: float

    @classmethod
    def for_run(cls, smoke: bool) -> ClaimsPlan:
        if smoke:
            return cls(warmup=50, cycles=250, seconds=60)
        return cls(warmup=250, cycles=4_000, seconds=180)


# --- the agents (a process of its own: it opens the store) ----------------------------------


def add_agents(url: str, n: int, out: str) -> None:
    """Add `n` agents named `claims.<run>.aNN` to the store at `url`; write their names and
    tokens, and the names' common prefix, to `out`."""
    from datetime import UTC, datetime

    from mediator.store.sql import SqlStore

    prefix = f"claims.{uuid.uuid4().hex[:8]}."
    names = [f"{prefix}a{i:02d}" for i in range(n)]
    now = datetime.now(UTC)
    with SqlStore.open(url) as store:
        tokens = [store.add_staff_sync(name, "agent", now=now) for name in names]
    Path(out).write_text(
        json.dumps({"prefix": prefix, "names": names, "tokens": tokens}), encoding="utf-8"
    )
    print(json.dumps({"agents": n}))


# --- the load process ------------------------------------------------------------------------


@dataclass
class Held:
    """A span in which `agent` certainly held `dispute` (perf_counter seconds)."""

    dispute: str
    agent: int
    start: float
    end: float


def overlaps(spans: list[Held]) -> list[str]:
    """Where two agents' spans on one dispute meet (each a line; empty when none do)."""
    found: list[str] = []
    by_dispute: dict[str, list[Held]] = {}
    for span in spans:
        by_dispute.setdefault(span.dispute, []).append(span)
    for dispute, held in by_dispute.items():
        held.sort(key=lambda s: s.start)
        latest = held[0]
        for span in held[1:]:
            if span.start < latest.end and span.agent != latest.agent:
                together = min(latest.end, span.end) - span.start
                found.append(
                    f"{dispute}: agents {latest.agent} and {span.agent} both held it "
                    f"({1000 * together:.1f} ms together)"
                )
            if span.end > latest.end:
                latest = span
    return found


async def load(config: dict[str, Any]) -> dict[str, Any]:
    """`config`: base, agents_file, client, pids, workers, pg_url, app_name, warmup, cycles,
    seconds. Runs the cycles from every agent at once; latencies per operation, the spans
    held, and CPU (as `api.load` measures it) over the timed part."""
    agents = json.loads(Path(config["agents_file"]).read_text(encoding="utf-8"))
    names: list[str] = agents["names"]
    make = CLIENTS_BY_NAME[config["client"]]
    pool: list[Client] = [
        make(config["base"], {"Authorization": f"Bearer {token}"}) for token in agents["tokens"]
    ]
    pids: list[int] = config["pids"]
    pg_url: str = config["pg_url"]
    body = json.dumps({"lease_seconds": LEASE_SECONDS}).encode()
    headers = {"Content-Type": "application/json"}
    failures = Failures()
    spans: list[Held] = []
    counted = {"grants": 0, "releases": 0}
    lat: dict[str, list[float]] = {op: [] for op in OPS}
    deadline = time.monotonic() + float(config["seconds"])

    async def cycle(agent: int, client: Client, timed: bool) -> None:
        """claim-next, renew twice, release; `failures` says what went wrong."""
        asked = time.perf_counter()
        status, out = await client.request("POST", "/queue/claim-next", headers, body)
        granted = time.perf_counter()
        if status != 200:
            failures.add(f"claim-next by {names[agent]}: {status} {out[:300]!r}")
            return
        counted["grants"] += 1
        claim = json.loads(out)
        dispute: str = claim["dispute_id"]
        if claim["holder"] != names[agent]:
            failures.add(f"claim-next by {names[agent]} answered {claim}")
        path = f"/disputes/{quote(dispute, safe='')}/claim"
        renewals: list[float] = []
        for _ in range(2):
            r0 = time.perf_counter()
            status, out = await client.request("PUT", path, headers, body)
            renewals.append(time.perf_counter() - r0)
            if status != 200 or json.loads(out)["holder"] != names[agent]:
                failures.add(f"renewing {dispute} by {names[agent]}: {status} {out[:300]!r}")
        released = time.perf_counter()
        status, out = await client.request("DELETE", path, {})
        done = time.perf_counter()
        if status != 204:
            failures.add(f"releasing {dispute} by {names[agent]}: {status} {out[:300]!r}")
        else:
            counted["releases"] += 1
        spans.append(Held(dispute, agent, granted, released))
        if timed:
            lat["claim-next"].append(1000 * (granted - asked))
            lat["renew"] += [1000 * r for r in renewals]
            lat["release"].append(1000 * (done - released))

    async def phase(n: int, timed: bool) -> int:
        left = n

        async def agent_loop(agent: int, client: Client) -> None:
            nonlocal left
            while left > 0 and not failures.count and time.monotonic() < deadline:
                left -= 1
                await cycle(agent, client, timed)

        await asyncio.gather(*(agent_loop(i, c) for i, c in enumerate(pool)))
        return n - max(left, 0)

    try:
        await phase(int(config["warmup"]), timed=False)
        meter = Meter(
            config["base"], pids, int(config.get("workers", 1)), pg_url, config["app_name"]
        )
        cycles = await phase(int(config["cycles"]), timed=True)
        measured = meter.stop()
    finally:
        for client in pool:
            await client.close()
    if failures.count:
        raise SystemExit(
            f"{failures.count} claim requests failed; first: " + " | ".join(failures.first)
        )
    seen = overlaps(spans)
    if seen:
        raise SystemExit(
            f"{len(seen)} disputes held by two agents at once: " + " | ".join(seen[:5])
        )
    return {
        "ops": lat,
        # every timed request, for the CPU per request (api.cpu_split)
        "lat_ms": [v for op in OPS for v in lat[op]],
        "cycles": cycles,
        "stopped_early": cycles < int(config["cycles"]),
        "grants": counted["grants"],
        "releases": counted["releases"],
        "disputes": len({s.dispute for s in spans}),
        **measured,
    }


# --- the store's account ---------------------------------------------------------------------


def check_store(url: str, prefix: str, grants: int, releases: int) -> dict[str, int]:
    """The store's record of the run (module docstring): raises when a dispute was ever held by
    two agents, a grant or release is missing or doubled, or a claim is left; else counts."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    order = "age(xmin) DESC" if engine.dialect.name == "postgresql" else "rowid"
    try:
        with engine.connect() as conn:
            events = conn.execute(
                text(
                    "SELECT dispute_id, kind, actor FROM claim_events "
                    f"WHERE actor LIKE :prefix ORDER BY dispute_id, {order}"
                ),
                {"prefix": prefix + "%"},
            ).all()
            left = conn.scalar(
                text("SELECT count(*) FROM disputes WHERE claimed_by LIKE :prefix"),
                {"prefix": prefix + "%"},
            )
    finally:
        engine.dispose()
    problems: list[str] = []
    holder: dict[str, str | None] = {}
    claimed = released = 0
    for dispute, kind, actor in events:
        held = holder.get(dispute)
        if kind == "claimed":
            claimed += 1
            if held is not None:
                problems.append(f"{dispute}: claimed by {actor} while {held} held it")
            holder[dispute] = actor
        elif kind == "released":
            released += 1
            if held != actor:
                problems.append(f"{dispute}: released by {actor} while {held} held it")
            holder[dispute] = None
        else:
            problems.append(f"{dispute}: unexpected {kind} by {actor}")
    if (claimed, released) != (grants, releases):
        problems.append(
            f"the agents saw {grants} claims and {releases} releases; the store recorded "
            f"{claimed} and {released}"
        )
    if left:
        problems.append(f"{left} disputes are still claimed by the benchmark's agents")
    if problems:
        raise RuntimeError(
            f"claims: the store's record breaks the rules ({len(problems)} problems): "
            + " | ".join(problems[:5])
        )
    return {"events": len(events), "disputes": len(holder), "claims": claimed}


# --- the rows --------------------------------------------------------------------------------


def rows(result: dict[str, Any], checked: dict[str, int], tag: str, in_queue: int) -> list[Row]:
    """The claims rows: claims/s, latency per operation, the two-holders check, CPU."""
    size = f"{in_queue:,} in queue"
    cycles, elapsed = int(result["cycles"]), float(result["elapsed_s"])
    rate = cycles / elapsed
    early = "; STOPPED AT THE DEADLINE" if result["stopped_early"] else ""
    what = f"API claims, {AGENTS} agents: claim-next, renew ×2, release ({tag})"
    out = [
        Row(f"{what}: throughput", size,
            f"{rate:,.0f} claims/s ({4 * rate:,.0f} requests/s; {cycles:,} cycles in "
            f"{elapsed:.1f} s{early})", "", "", "reference", ""),
    ]  # fmt: skip
    ops: dict[str, list[float]] = result["ops"]
    for op in OPS:
        values = ops[op]
        out.append(
            Row(f"{what}: {op} latency ({len(values):,})", size,
                ms(statistics.median(values)) if values else "—", ms(pct(values, 0.95)),
                ms(pct(values, 0.99)), "reference", "")
        )  # fmt: skip
    out.append(
        Row(f"API claims: no dispute held by two agents ({AGENTS} agents)", size,
            f"{checked['claims']:,} claims on {checked['disputes']:,} disputes: no span held "
            "by two agents; claim_events alternate claimed/released in commit order; none left",
            "", "", "never two holders", yes(True))
    )  # fmt: skip
    out.append(
        Row(f"API claims: CPU per claim request, server / PostgreSQL / load generator ({tag})",
            size, cpu_split(result), "", "", "reference", "")
    )  # fmt: skip
    return out
