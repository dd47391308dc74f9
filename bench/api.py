"""The API benchmark: decisions/s and latency through `mediator serve` with 8 concurrent clients,
queue page reads/s, and claims/s with 50 agents, on PostgreSQL (a SQLite file, labelled as such,
when there is none).

    /work/venv/bin/python bench/api.py [--smoke] [--workers 1,2] [--client httpx|raw]
    /work/venv/bin/python bench/run.py --api-only [--smoke]      (the same rows, in the table)

PostgreSQL runs with durability on (fsync and synchronous_commit on, as a team runs it; issue
18): the benchmark starts a throwaway cluster of its own for the run (`pg_start durable` of
`.ci/postgres.sh`: initdb and pg_ctl as the `postgres` user, so it needs root), or uses the
server at `MEDIATOR_BENCH_PG_URL` when that is set. `--pg test` measures on
`MEDIATOR_TEST_PG_URL` instead (CI's test cluster, fsync off), and `--pg-setting NAME=VALUE`
passes a server setting to the cluster the benchmark starts (e.g. `commit_delay=100`). The rows
print the server's fsync, synchronous_commit and commit_delay. Each run gets a fresh schema
(`options=-csearch_path=…`), dropped at the end. Per `--workers` value: seed the schema (`seed`,
its own process), start a real `mediator serve` on a free loopback port, wait for /healthz, then
drive it from another process (`load`) so that no client CPU is spent in the server: 8 clients,
each one keep-alive connection from asyncio: a bare HTTP/1.1 client by default (`--client raw`),
which needs about a tenth of httpx's CPU per request, or `--client httpx` (`httpx.AsyncClient`),
which on these 2 shared cores costs more CPU than the server does.

- decisions: each client POSTs decisions for disputes no other request touches, with unique
  `Idempotency-Key`s; a warm-up, then a fixed number of decisions, each timed send → response.
  Anything but 201 fails the run, and afterwards the database must hold exactly the decisions
  sent (by the benchmark's own staff member), one per dispute: errors are never throughput.
- queue pages: the clients walk `GET /queue?limit=100` by `after` cursors, each starting at a
  different page and wrapping at the end.
- claims (issue 15, `bench/_api_claims.py`): after the decisions, 50 agents with tokens of their
  own loop claim-next, two renewals and a release; claims/s and latency per operation, and no
  dispute ever held by two agents (by the agents' own spans and by the store's claim events).
- CPU: of the server's processes, of its PostgreSQL backends (by application_name; sessions the
  pool closed during the run are missing, and the row says how many) and of the load generator,
  per request, over the timed part.

Processes used by the above (each prints one JSON object):

    python bench/api.py seed URL N_DECIDABLE OUT.json STAFF_NAME
    python bench/api.py load CONFIG_JSON     (kind: decisions or queue; see `load`)
    python bench/api.py claims-agents URL N OUT.json / claims-load CONFIG_JSON
        (the claims load: bench/_api_claims.py)
    python bench/api.py profile [--decisions N] [--pages N] [--top N]
        (not used by run.py: where a decision's server time goes, see bench/_api_profile.py)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: The mediator code the server and the seeding run: this tree, or another commit's checkout
#: (`--baseline REF`: the same benchmark on the code before a change, `baseline_code`).
CODE_ENV = "MEDIATOR_BENCH_CODE"
CODE = Path(os.environ.get(CODE_ENV) or ROOT)
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
if str(CODE) not in sys.path:
    sys.path.insert(1, str(CODE))

from run import Row, log, ms, pct, run_json, yes  # noqa: E402

PY = sys.executable
PG_URL_ENV = "MEDIATOR_TEST_PG_URL"
#: A PostgreSQL with durability on to measure the API on, instead of a cluster of our own.
BENCH_PG_URL_ENV = "MEDIATOR_BENCH_PG_URL"
#: Where the API rows run: "durable" (BENCH_PG_URL_ENV, or a cluster the benchmark starts) or
#: "test" (PG_URL_ENV: CI's cluster, fsync off).
PG_CHOICES = ("durable", "test")
CLIENTS = 8
#: `--workers` of `mediator serve` that `bench/run.py` measures: one per core of the 2-core
#: machine the target is set for. Each worker is one Python process, so one worker cannot use
#: the second core. uvicorn's workers share one listening socket and whichever is awake accepts
#: a keep-alive connection, so the 8 clients split unevenly (the row shows the split: 5+3,
#: 6+2, sometimes 7+1; measured 604/s at 7+1 and 717-733/s at 5+3).
DEFAULT_WORKERS = 2
#: The load generator's HTTP client. Raw by default: it shares the server's 2 cores, and httpx
#: needs about 2.6 ms of CPU per request there (more than the server's ~2.5 ms per decision),
#: so an httpx load generator measures itself as much as the server (`--client httpx` to see).
DEFAULT_CLIENT = "raw"
DECISIONS_PER_S = 500
P99_MS = 50.0
PAGE = 100
RATIONALE = "Benchmark decision: the seller delivered as described (order record, chat)."


@dataclass(frozen=True)
class Plan:
    """How much to do: disputes seeded (decidable ones), decisions and queue pages measured."""

    decidable: int
    warmup: int
    decisions: int
    page_warmup: int
    pages: int

    @classmethod
    def for_run(cls, smoke: bool) -> Plan:
        if smoke:
            return cls(decidable=1_000, warmup=50, decisions=400, page_warmup=20, pages=200)
        return cls(decidable=5_000, warmup=400, decisions=4_000, page_warmup=200, pages=3_000)


# --- the database ----------------------------------------------------------------------------


@dataclass
class Database:
    """Where the server's store lives: a fresh PostgreSQL schema, or a SQLite file."""

    url: str
    #: "PostgreSQL 15.18" or "SQLite"
    engine: str
    #: Why this is not PostgreSQL ("" when it is).
    why_not_pg: str = ""
    #: application_name of the server's PostgreSQL sessions ("" on SQLite).
    app_name: str = ""
    #: The PostgreSQL URL without the schema ("" on SQLite).
    admin_url: str = ""


def _pg_version(base: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(base, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            version = str(conn.scalar(text("SHOW server_version")) or "?")
            fsync = str(conn.scalar(text("SHOW fsync")))
            sync_commit = str(conn.scalar(text("SHOW synchronous_commit")))
            delay = str(conn.scalar(text("SHOW commit_delay")))
            siblings = str(conn.scalar(text("SHOW commit_siblings")))
    finally:
        engine.dispose()
    durability = f", fsync {fsync}, synchronous_commit {sync_commit}"
    if delay != "0":  # group commit (issue 18): wait this many µs for other commits to join
        durability += f", commit_delay {delay} µs (siblings {siblings})"
    return f"PostgreSQL {version.split()[0]}{durability}"


@contextlib.contextmanager
def database(tmp: Path, name: str, base: str | None = None) -> Iterator[Database]:
    """A new, empty store: a schema in PostgreSQL at `base` (default `$MEDIATOR_TEST_PG_URL`;
    dropped afterwards), or a SQLite file in `tmp` when there is none or it is not reachable
    (said in `why_not_pg`)."""
    where = "the durable PostgreSQL" if base is not None else PG_URL_ENV
    base = os.environ.get(PG_URL_ENV, "") if base is None else base
    why = f"{PG_URL_ENV} is not set"
    if base:
        try:
            version = _pg_version(base)
        except Exception as exc:  # any failure: fall back, loudly
            why = f"PostgreSQL at {where} is not reachable ({type(exc).__name__})"
        else:
            yield from _pg_schema(base, version, name)
            return
    log(f"API benchmark: {why}; measuring a SQLite file instead (rows say SQLite)")
    yield Database(f"sqlite:///{tmp / f'{name}.db'}", "SQLite", why_not_pg=why)


@contextlib.contextmanager
def durable_postgres(pg: str, settings: list[str]) -> Iterator[str | None]:
    """The URL of a PostgreSQL with durability on for the API rows, or None (`pg` is "test",
    or none could be had: then `database` uses `$MEDIATOR_TEST_PG_URL`, and the rows say
    "fsync off"). `$MEDIATOR_BENCH_PG_URL` when set; otherwise a throwaway cluster started
    with `.ci/postgres.sh`'s `pg_start durable` and `settings` (NAME=VALUE, e.g.
    `commit_delay=100`), stopped and deleted afterwards."""
    given = os.environ.get(BENCH_PG_URL_ENV, "")
    if pg == "test":
        yield None
        return
    if given:
        yield given
        return
    script = ROOT / ".ci" / "postgres.sh"
    options = " ".join(f"-c {shlex.quote(s)}" for s in settings)
    started = subprocess.run(
        ["bash", "-c", f". {shlex.quote(str(script))} && pg_start durable {options} && "
         'echo "$MEDIATOR_TEST_PG_URL $PG_TMP $PG_BIN"'],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if os.geteuid() != 0 or started.returncode != 0:
        why = "not root" if os.geteuid() != 0 else started.stderr.strip()[-300:]
        log(f"API benchmark: no PostgreSQL with durability on ({why}); set {BENCH_PG_URL_ENV}"
            f" to one; using {PG_URL_ENV}")  # fmt: skip
        yield None
        return
    url, pg_tmp, pg_bin = started.stdout.split()[-3:]
    log(f"API: a throwaway PostgreSQL with durability on, in {pg_tmp}")
    try:
        yield url
    finally:
        subprocess.run(
            ["bash", "-c", f". {shlex.quote(str(script))} && pg_stop"],
            env={**os.environ, "PG_TMP": pg_tmp, "PG_BIN": pg_bin}, check=False, timeout=120,
        )  # fmt: skip


def _pg_schema(base: str, version: str, name: str) -> Iterator[Database]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            # pg_trgm in `public`, as tests/store/conftest.py does: the search migration would
            # otherwise put it in this schema, and dropping the schema would take it away
            if conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")) is None:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base).update_query_dict(
            {"options": f"-csearch_path={schema}", "application_name": schema}
        )
        yield Database(
            url.render_as_string(hide_password=False), version, app_name=schema, admin_url=base
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def check_written(url: str, staff_name: str, expected: int) -> None:
    """The store holds exactly `expected` decisions by `staff_name`, one per dispute, each with
    its idempotency key, and those disputes are resolved; raises otherwise."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT count(*), count(DISTINCT r.dispute_id), "
                    "  count(*) FILTER (WHERE d.status = 'resolved'), "
                    "  (SELECT count(*) FROM idempotency_keys WHERE actor = :name) "
                    "FROM decisions r JOIN disputes d ON d.id = r.dispute_id "
                    "WHERE r.decided_by = :name"
                ),
                {"name": staff_name},
            ).one()
    finally:
        engine.dispose()
    decisions, disputes, resolved, keys = (int(v) for v in found)
    if not decisions == disputes == resolved == keys == expected:
        raise RuntimeError(
            f"the store does not hold what the benchmark sent: {expected} decisions sent (201), "
            f"found {decisions} decisions on {disputes} disputes ({resolved} resolved), "
            f"{keys} idempotency keys"
        )


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (uvicorn's workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


@contextlib.contextmanager
def server(url: str, workers: int, log_path: Path) -> Iterator[tuple[str, list[int]]]:
    """A `mediator serve` on a free loopback port: (base URL, its pids) once /healthz answers."""
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [PY, "-m", "mediator", "serve", "--store", url, "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers)]  # fmt: skip
    with log_path.open("wb") as err:
        proc = subprocess.Popen(
            command,
            cwd=Path(os.environ.get(CODE_ENV) or ROOT),
            stdout=err,
            stderr=err,
            start_new_session=True,
        )  # its own process group: stopping it stops its workers, and only them
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"mediator serve exited ({proc.returncode}):\n{_tail(log_path)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"mediator serve did not answer /healthz:\n{_tail(log_path)}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        if workers > 1:  # every worker up: the supervisor answers as soon as the first is
            while len(descendants(proc.pid)) < workers + 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)
        yield base, descendants(proc.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-3000:]
    except OSError:
        return ""


def _process(*args: str, timeout: float = 600) -> dict[str, Any]:
    return run_json(Path(__file__).resolve(), *args, timeout=timeout)


# --- one measurement -------------------------------------------------------------------------


@dataclass
class Measured:
    """What one `--workers` run measured."""

    engine: str
    why_not_pg: str
    workers: int
    client: str
    seeded: int
    in_queue: int
    decisions: dict[str, Any]
    queue: dict[str, Any]
    #: The claims load (`_api_claims.load`) and the store's account of it (`check_store`).
    claims: dict[str, Any]
    claims_checked: dict[str, int]
    seconds: float


def measure(
    plan: Plan,
    workers: int,
    tmp: Path,
    client: str = DEFAULT_CLIENT,
    *,
    smoke: bool = False,
    decisions_only: bool = False,
    pg_url: str | None = None,
) -> Measured:
    import _api_claims as claims

    started = time.perf_counter()
    name = f"w{workers}"
    claims_plan = claims.ClaimsPlan.for_run(smoke)
    with database(tmp, name, pg_url) as db:
        staff_name = f"bench-{name}-{uuid.uuid4().hex[:6]}"
        seed_file = tmp / f"seed-{name}.json"
        log(f"API: seeding {plan.decidable:,} decidable disputes into {db.engine}")
        seeded = _process("seed", db.url, str(plan.decidable), str(seed_file), staff_name)
        log(f"API: seeded {seeded['disputes']:,} disputes in {seeded['s']:.1f} s")
        agents_file = tmp / f"agents-{name}.json"
        _process("claims-agents", db.url, str(claims.AGENTS), str(agents_file))
        agents = json.loads(agents_file.read_text(encoding="utf-8"))
        with server(db.url, workers, tmp / f"serve-{name}.log") as (base, pids):
            config = {"base": base, "seed_file": str(seed_file), "clients": CLIENTS,
                      "pids": pids, "workers": workers, "pg_url": db.admin_url,
                      "app_name": db.app_name, "client": client}  # fmt: skip
            queue: dict[str, Any] = {"in_queue": 0, "lat_ms": [], "elapsed_s": 1.0}
            if not decisions_only:
                log(f"API: mediator serve --workers {workers}: queue pages, {CLIENTS} clients")
                queue = _process("load", json.dumps({**config, "kind": "queue",
                                 "warmup": plan.page_warmup, "count": plan.pages}))  # fmt: skip
            log(f"API: decisions, {CLIENTS} clients")
            decisions = _process("load", json.dumps({**config, "kind": "decisions",
                                 "warmup": plan.warmup, "count": plan.decisions}))  # fmt: skip
            claimed: dict[str, Any] = {}
            if not decisions_only:
                log(f"API: claims, {claims.AGENTS} agents")
                claimed = _process("claims-load", json.dumps({**config,
                                   "agents_file": str(agents_file),
                                   "warmup": claims_plan.warmup, "cycles": claims_plan.cycles,
                                   "seconds": claims_plan.seconds}))  # fmt: skip
        check_written(db.url, staff_name, plan.warmup + plan.decisions)
        checked: dict[str, int] = {}
        if not decisions_only:
            checked = claims.check_store(
                db.url, agents["prefix"], int(claimed["grants"]), int(claimed["releases"])
            )
    return Measured(
        engine=db.engine,
        why_not_pg=db.why_not_pg,
        workers=workers,
        client=client,
        seeded=int(seeded["disputes"]),
        in_queue=int(queue["in_queue"]),
        decisions=decisions,
        queue=queue,
        claims=claimed,
        claims_checked=checked,
        seconds=time.perf_counter() - started,
    )


def rows_for(m: Measured) -> list[Row]:
    import _api_claims as claims

    where = m.engine if not m.why_not_pg else f"SQLite, NOT PostgreSQL: {m.why_not_pg}"
    tag = f"{where}; serve --workers {m.workers}"
    tag += f"; {m.client} HTTP client"
    d, q = m.decisions, m.queue
    lat: list[float] = d["lat_ms"]
    rate = len(lat) / d["elapsed_s"]
    p99 = pct(lat, 0.99)
    size = f"{m.seeded:,} disputes"
    q_lat: list[float] = q["lat_ms"]
    q_rate = len(q_lat) / q["elapsed_s"]
    return [
        Row(f"API decisions, {CLIENTS} clients ({tag}): throughput", size,
            f"{rate:,.0f}/s ({len(lat):,} in {d['elapsed_s']:.1f} s)", "", "",
            f"≥ {DECISIONS_PER_S}/s", yes(rate >= DECISIONS_PER_S)),
        Row(f"API decisions, {CLIENTS} clients ({tag}): latency", size,
            ms(statistics.median(lat)), ms(pct(lat, 0.95)), ms(p99),
            f"p99 ≤ {P99_MS:.0f} ms", yes(p99 <= P99_MS)),
        Row(f"API decisions: CPU per decision, server / PostgreSQL / load generator "
            f"(--workers {m.workers}, {m.client})", size, cpu_split(d), "", "", "reference", ""),
        Row(f"API queue pages (limit {PAGE}), {CLIENTS} clients ({tag}): throughput",
            f"{m.in_queue:,} in queue", f"{q_rate:,.0f} pages/s ({len(q_lat):,} in "
            f"{q['elapsed_s']:.1f} s)", "", "", "reference", ""),
        Row(f"API queue pages (limit {PAGE}), {CLIENTS} clients ({tag}): latency",
            f"{m.in_queue:,} in queue", ms(statistics.median(q_lat)), ms(pct(q_lat, 0.95)),
            ms(pct(q_lat, 0.99)), "reference", ""),
        *claims.rows(m.claims, m.claims_checked, tag, m.in_queue),
    ]  # fmt: skip


def cpu_split(result: dict[str, Any]) -> str:
    """CPU ms per request of the server, its PostgreSQL backends and the load generator."""
    n = len(result["lat_ms"])
    cpu = result["cpu_s"]
    pg = "—" if cpu["pg"] is None else f"{1000 * cpu['pg'] / n:.1f}"
    if cpu["pg"] is not None and (result["pg_gone"] or result["pg_new"]):
        # the pool closed and opened connections during the run: the CPU of the sessions that
        # ended is missing
        pg = f"≥ {pg} ({result['pg_gone']} sessions closed, {result['pg_new']} opened)"
    split = f"{1000 * cpu['server'] / n:.1f} / {pg} / {1000 * cpu['client'] / n:.1f} ms"
    flushes = result.get("wal_flushes")
    if flushes:  # group commit at work when under 1 (issue 18)
        split += f"; {flushes / n:.2f} WAL flushes per request"
    spread = result.get("connections", [])
    if len(spread) > 1:
        split += f"; clients per worker {'+'.join(map(str, spread))}"
    # how busy the machine was: other processes' CPU makes the run slower than it would be
    busy = cpu["machine"] / result["elapsed_s"]
    ours = (cpu["server"] + (cpu["pg"] or 0.0) + cpu["client"]) / result["elapsed_s"]
    return f"{split}; machine {busy:.1f} of {os.cpu_count()} CPUs busy, {busy - ours:.1f} not ours"


def measure_api(
    smoke: bool,
    workers: list[int],
    client: str = DEFAULT_CLIENT,
    baseline: str | None = None,
    *,
    pg: str = "durable",
    pg_settings: list[str] | None = None,
) -> list[Row]:
    """The API rows for `bench/run.py`: one set per `--workers` value, on PostgreSQL with
    durability on (`durable_postgres`); with `baseline` (a git commit), the decisions are
    measured on that commit's code as well, right before, and the rows say what the change
    between costs (issue 16: the audit trail, at most 10 %)."""
    plan = Plan.for_run(smoke)
    rows: list[Row] = []
    with (
        tempfile.TemporaryDirectory(prefix="mediator-bench-api-") as tmp,
        durable_postgres(pg, pg_settings or []) as pg_url,
    ):
        for count in workers:
            before = None
            if baseline is not None:
                with baseline_code(baseline, Path(tmp)) as label:
                    log(f"API: decisions on {label} (the baseline), --workers {count}")
                    before = measure(plan, count, Path(tmp), client, smoke=smoke,
                                     decisions_only=True, pg_url=pg_url)  # fmt: skip
            measured = measure(plan, count, Path(tmp), client, smoke=smoke, pg_url=pg_url)
            log(f"API: --workers {count} took {measured.seconds:.1f} s")
            rows += rows_for(measured)
            if before is not None:
                rows += baseline_rows(before, measured, label)
    return rows


#: The most a change may cost of the decision throughput (issue 16: the audit trail).
AUDIT_COST_PCT = 10.0


@contextlib.contextmanager
def baseline_code(ref: str, tmp: Path) -> Iterator[str]:
    """A checkout of commit `ref` (a detached git worktree under `tmp`) that the server and the
    seeding run while the context is open; yields "<short hash> <subject>"."""
    where = tmp / f"baseline-{uuid.uuid4().hex[:6]}"
    git = ["git", "-C", str(ROOT)]
    subprocess.run([*git, "worktree", "add", "--detach", str(where), ref],
                   check=True, capture_output=True)  # fmt: skip
    label = subprocess.run([*git, "log", "-1", "--format=%h %s", ref], check=True,
                           capture_output=True, text=True).stdout.strip()[:60]  # fmt: skip
    saved = {key: os.environ.get(key) for key in (CODE_ENV, "PYTHONPATH")}
    os.environ[CODE_ENV] = str(where)
    os.environ["PYTHONPATH"] = str(where)
    try:
        yield label
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        subprocess.run([*git, "worktree", "remove", "--force", str(where)], check=False,
                       capture_output=True)  # fmt: skip


def baseline_rows(before: Measured, now: Measured, label: str) -> list[Row]:
    """The baseline's decision throughput and what the change costs of it."""

    def rate(m: Measured) -> float:
        return float(len(m.decisions["lat_ms"]) / m.decisions["elapsed_s"])

    old, new = rate(before), rate(now)
    cost = 100.0 * (old - new) / old
    size = f"{now.seeded:,} disputes"
    return [
        Row(f"API decisions on the baseline {label} (--workers {now.workers}): throughput",
            size, f"{old:,.0f}/s", "", "", "reference", ""),
        Row(f"API decisions on the baseline: CPU per decision, server / PostgreSQL / load "
            f"generator (--workers {now.workers})", size, cpu_split(before.decisions), "", "",
            "reference", ""),
        Row(f"API decisions with the audit trail on: cost against the baseline (--workers "
            f"{now.workers})", size, f"{cost:+.1f} % ({old:,.0f}/s → {new:,.0f}/s)", "", "",
            f"≤ {AUDIT_COST_PCT:.0f} %", yes(cost <= AUDIT_COST_PCT)),
    ]  # fmt: skip


# --- the seed process ------------------------------------------------------------------------


def seed(url: str, decidable: int, out: str, staff_name: str) -> None:
    """Import generated disputes (every status, as `mediator seed` makes them) until `decidable`
    escalated ones accept the benchmark's decision, and add a staff member; writes their token,
    the decidable dispute ids and the decision body to `out`."""
    from datetime import UTC, datetime, timedelta

    from mediator.domain import DecisionDraft, DisputeRecord, Outcome, Status
    from mediator.domain.resolution import check_draft
    from mediator.domain.rules import RULES
    from mediator.seed import generate
    from mediator.store.sql import SqlStore

    t0 = time.perf_counter()
    # the server judges the policy at its own clock: generate "as of now", and keep a dispute
    # only if the decision passes both now and an hour later
    now = datetime.now(UTC)
    later = now + timedelta(hours=1)
    draft = DecisionDraft(
        outcome=Outcome.SELLER_FAVOUR,
        rationale=RATIONALE,
        acknowledged=frozenset(rule.id for rule in RULES),
    )
    disputes = []
    ids: list[str] = []
    for dispute in generate(decidable * 3, seed=7, now=now):
        disputes.append(dispute)
        if dispute.status is Status.ESCALATED:
            record = DisputeRecord(dispute=dispute, version=1)
            if not check_draft(record, draft, now) and not check_draft(record, draft, later):
                ids.append(dispute.id)
                if len(ids) == decidable:
                    break
    if len(ids) < decidable:
        raise SystemExit(f"only {len(ids)} decidable disputes in {len(disputes)} generated")
    store = SqlStore.open(url)
    try:
        report = store.import_disputes(disputes)
        token = store.add_staff_sync(staff_name, "agent", now=now)
        versions = {store.get_dispute_sync(i).version for i in ids[:: max(1, len(ids) // 20)]}
    finally:
        store.close_sync()
    if report.inserted != len(disputes) or versions != {1}:
        raise SystemExit(f"seeding went wrong: {report}, versions {versions}")
    Path(out).write_text(
        json.dumps(
            {"token": token, "ids": ids, "body": draft.model_dump(mode="json"), "staff": staff_name}
        ),
        encoding="utf-8",
    )
    print(json.dumps({"disputes": len(disputes), "decidable": len(ids),
                      "s": time.perf_counter() - t0}))  # fmt: skip


# --- the load process ------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of `pids` so far (processes that are gone count 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def pg_backends(url: str, app_name: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving the benchmark's server (found by
    its application_name; readable in /proc when PostgreSQL runs on this machine)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            pids = conn.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                {"name": app_name},
            ).all()
    finally:
        engine.dispose()
    return {int(pid): cpu_seconds([int(pid)]) for pid in pids}


def connections_per_process(port: int, pids: list[int]) -> dict[int, int]:
    """Established connections to `port` held by each of `pids` (from /proc): how uvicorn's
    workers shared the clients' keep-alive connections (each stays with the worker that
    accepted it)."""
    established: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
                established.add(fields[9])  # the socket's inode
    counts: dict[int, int] = {}
    for pid in pids:
        try:
            links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        held = sum(1 for link in links if link.startswith("socket:[") and link[8:-1] in established)
        if held:
            counts[pid] = held
    return counts


def machine_busy() -> float:
    """CPU seconds that all processes of this machine have used (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def wal_flushes(url: str) -> int | None:
    """How many times PostgreSQL has flushed its WAL to disk (`pg_stat_wal.wal_sync`, the whole
    server; PostgreSQL 14 and later, else None). With fsync on, every commit waits for one
    flush covering it: fewer flushes than commits means commits were grouped."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text("SELECT wal_sync FROM pg_stat_wal")) or 0)
    except Exception:  # older server: no pg_stat_wal
        return None
    finally:
        engine.dispose()


class Meter:
    """What a timed phase of a load cost: CPU of the server's workers, of this load generator,
    of PostgreSQL's backends and of the whole machine, and how the clients spread over the
    workers. Made just before the phase (`Meter(...)`), `stop()`ped just after."""

    def __init__(self, base: str, pids: list[int], workers: int, pg_url: str, app: str) -> None:
        port = int(base.rsplit(":", 1)[1])
        self.spread = sorted(connections_per_process(port, pids).values(), reverse=True)
        self.spread += [0] * (workers - len(self.spread))  # workers without a client
        self.pids, self.pg_url, self.app = pids, pg_url, app
        self.pg0 = pg_backends(pg_url, app) if pg_url else {}
        self.wal0 = wal_flushes(pg_url) if pg_url else None
        self.busy0, self.server0, self.client0 = machine_busy(), cpu_seconds(pids), own_cpu()
        self.t0 = time.perf_counter()

    def stop(self) -> dict[str, Any]:
        """The phase's elapsed time and costs, as the result rows read them."""
        elapsed = time.perf_counter() - self.t0
        busy1, server1, client1 = machine_busy(), cpu_seconds(self.pids), own_cpu()
        pg1 = pg_backends(self.pg_url, self.app) if self.pg_url else {}
        wal1 = wal_flushes(self.pg_url) if self.pg_url else None
        pg0 = self.pg0
        return {
            "wal_flushes": None if wal1 is None or self.wal0 is None else wal1 - self.wal0,
            "elapsed_s": elapsed,
            "cpu_s": {
                "server": server1 - self.server0,
                "client": client1 - self.client0,
                # backends that ended during the run are missing: `pg_gone` says how many
                "pg": sum(cpu - pg0.get(pid, 0.0) for pid, cpu in pg1.items())
                if self.pg_url
                else None,
                "machine": busy1 - self.busy0,
            },
            "connections": self.spread,
            "pg_backends": len(pg1),
            "pg_new": len(set(pg1) - set(pg0)),
            "pg_gone": len(set(pg0) - set(pg1)),
        }


class Failures:
    """Non-2xx answers (kept, so that the run can fail with the first few)."""

    def __init__(self) -> None:
        self.count = 0
        self.first: list[str] = []

    def add(self, what: str) -> None:
        self.count += 1
        if len(self.first) < 5:
            self.first.append(what)


class Client:
    """One keep-alive HTTP/1.1 connection to the server: `request` → (status, body)."""

    async def request(self, method: str, target: str, headers: dict[str, str],
                      body: bytes = b"") -> tuple[int, bytes]:  # fmt: skip
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class HttpxClient(Client):
    """`httpx.AsyncClient` limited to one connection: what the benchmark uses by default."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        import httpx

        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self.client = httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60)

    async def request(self, method: str, target: str, headers: dict[str, str],
                      body: bytes = b"") -> tuple[int, bytes]:  # fmt: skip
        response = await self.client.request(method, target, headers=headers, content=body)
        return response.status_code, response.content

    async def close(self) -> None:
        await self.client.aclose()


class RawClient(Client):
    """Bare HTTP/1.1 over an asyncio stream (`--client raw`): about a tenth of httpx's CPU per
    request, for when the load generator's CPU on the same cores matters. Content-Length only
    (what uvicorn sends for these responses)."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.common = "".join(f"{k}: {v}\r\n" for k, v in {"Host": host, **headers}.items())
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, target: str, headers: dict[str, str],
                      body: bytes = b"") -> tuple[int, bytes]:  # fmt: skip
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head = (
            f"{method} {target} HTTP/1.1\r\n{self.common}{extra}Content-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + body)
        answer = await reader.readuntil(b"\r\n\r\n")
        lines = answer.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        if status in (204, 304):  # no body, and no Content-Length either
            content = b""
        elif "content-length" not in fields:
            raise RuntimeError(f"no Content-Length in the answer: {lines[:6]}")
        else:
            content = await reader.readexactly(int(fields["content-length"]))
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, content

    async def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


#: The load generator's clients by `--client` name.
CLIENTS_BY_NAME: dict[str, Callable[[str, dict[str, str]], Client]] = {
    "httpx": HttpxClient,
    "raw": RawClient,
}


def add_client_option(parser: argparse.ArgumentParser, flag: str) -> None:
    """`flag` (`--client` here, `--api-client` in run.py): which client the load generator uses."""
    parser.add_argument(
        flag,
        choices=sorted(CLIENTS_BY_NAME),
        default=DEFAULT_CLIENT,
        help="the load generator's HTTP client (raw: bare asyncio HTTP/1.1, far less CPU)",
    )


def add_pg_options(parser: argparse.ArgumentParser, pg: str, setting: str) -> None:
    parser.add_argument(
        pg,
        choices=PG_CHOICES,
        default="durable",
        help=f"PostgreSQL for the API rows: durable ({BENCH_PG_URL_ENV}, or a throwaway cluster "
        f"with fsync and synchronous_commit on, the default) or test ({PG_URL_ENV}, fsync off)",
    )
    parser.add_argument(
        setting,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a server setting for the throwaway durable cluster, e.g. commit_delay=100 "
        "(repeatable)",
    )


async def load(config: dict[str, Any]) -> dict[str, Any]:
    """Run `config["kind"]` ("decisions" or "queue"): `warmup` requests, then `count` timed ones
    from `clients` concurrent clients; CPU of the server (`pids`), of its PostgreSQL backends
    (`pg_url`, `app_name`) and of this process during the timed part."""
    kind: str = config["kind"]
    clients: int = config["clients"]
    warmup: int = config["warmup"]
    count: int = config["count"]
    pids: list[int] = config["pids"]
    pg_url: str = config["pg_url"]
    app_name: str = config["app_name"]
    seeded = json.loads(Path(config["seed_file"]).read_text(encoding="utf-8"))
    auth = {"Authorization": f"Bearer {seeded['token']}"}
    make = CLIENTS_BY_NAME[config["client"]]
    pool: list[Client] = [make(config["base"], auth) for _ in range(clients)]
    failures = Failures()
    Request = Callable[[Client], Awaitable[float]]
    try:
        if kind == "decisions":
            ids: list[str] = seeded["ids"]
            if len(ids) < warmup + count:
                raise SystemExit(f"{len(ids)} disputes seeded, {warmup + count} needed")
            body = json.dumps(seeded["body"]).encode()
            todo = iter(ids)
            run_id = uuid.uuid4().hex[:8]

            async def decide(client: Client) -> float:
                dispute_id = next(todo)
                headers = {
                    "Content-Type": "application/json",
                    "If-Match": '"1"',
                    "Idempotency-Key": f"bench-{run_id}-{dispute_id}",
                }
                t0 = time.perf_counter()
                status, out = await client.request(
                    "POST", f"/disputes/{dispute_id}/decisions", headers, body
                )
                took = time.perf_counter() - t0
                if status != 201:
                    failures.add(f"{dispute_id}: {status} {out[:300]!r}")
                return took

            request: Request = decide
            extra: dict[str, Any] = {}
        else:
            # one walk through the whole queue first: where each page starts (and a warm-up)
            starts: list[str | None] = [None]
            while True:
                status, out = await pool[0].request("GET", _page(starts[-1]), {})
                if status != 200:
                    raise SystemExit(f"GET {_page(starts[-1])}: {status} {out[:300]!r}")
                page = json.loads(out)
                if not page["has_after"]:
                    break
                starts.append(page["last"])
            in_queue = (len(starts) - 1) * PAGE + len(page["rows"])
            cursors: list[str | None] = [starts[len(starts) * i // clients] for i in range(clients)]
            slots = {id(client): i for i, client in enumerate(pool)}

            async def read_page(client: Client) -> float:
                slot = slots[id(client)]
                t0 = time.perf_counter()
                status, out = await client.request("GET", _page(cursors[slot]), {})
                took = time.perf_counter() - t0
                if status != 200:
                    failures.add(f"page: {status} {out[:300]!r}")
                    return took
                page = json.loads(out)
                if not page["rows"]:
                    failures.add("page: no rows")
                cursors[slot] = page["last"] if page["has_after"] else None
                return took

            request = read_page
            extra = {"in_queue": in_queue, "pages_per_walk": len(starts)}

        async def phase(n: int) -> list[float]:
            left = n
            times: list[float] = []

            async def client_loop(client: Client) -> None:
                nonlocal left
                while left > 0:
                    left -= 1
                    times.append(await request(client))

            await asyncio.gather(*(client_loop(c) for c in pool))
            return times

        await phase(warmup)
        meter = Meter(config["base"], pids, int(config.get("workers", 1)), pg_url, app_name)
        times = await phase(count)
        measured = meter.stop()
    finally:
        for client in pool:
            await client.close()
    if failures.count:
        raise SystemExit(
            f"{failures.count} of {warmup + count} {kind} requests failed; first: "
            + " | ".join(failures.first)
        )
    return {"lat_ms": [t * 1000 for t in times], **measured, **extra}


def _page(after: str | None) -> str:
    """The target of a queue page request."""
    from urllib.parse import urlencode

    params = {"limit": str(PAGE)}
    if after is not None:
        params["after"] = after
    return "/queue?" + urlencode(params)


# --- entry point -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "seed":
        _, url, decidable, out, staff_name = args
        seed(url, int(decidable), out, staff_name)
        return 0
    if args and args[0] == "load":
        print(json.dumps(asyncio.run(load(json.loads(args[1])))))
        return 0
    if args and args[0] == "claims-agents":
        from _api_claims import add_agents

        _, url, n, out = args
        add_agents(url, int(n), out)
        return 0
    if args and args[0] == "claims-load":
        from _api_claims import load as claims_load

        print(json.dumps(asyncio.run(claims_load(json.loads(args[1])))))
        return 0
    if args and args[0] == "profile":
        from _api_profile import profile

        return profile(args[1:])

    from run import text_table

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="fewer disputes and decisions")
    parser.add_argument("--workers", default=str(DEFAULT_WORKERS), help="e.g. 1,2")
    add_client_option(parser, "--client")
    parser.add_argument(
        "--baseline",
        metavar="REF",
        default=None,
        help="also measure the decisions on this git commit's code (e.g. the commit before the "
        "audit trail) and print what the change costs",
    )
    add_pg_options(parser, "--pg", "--pg-setting")
    parsed = parser.parse_args(args)
    workers = [int(w) for w in parsed.workers.split(",")]
    rows = measure_api(parsed.smoke, workers, parsed.client, parsed.baseline, pg=parsed.pg,
                       pg_settings=parsed.pg_setting)  # fmt: skip
    print(text_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
