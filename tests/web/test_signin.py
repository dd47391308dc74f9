"""`mediator web`'s sign-in, cookie and limits, over real HTTP on 127.0.0.1 (issue 20).

The server runs in this test's event loop (aiohttp on a real socket) with the real store's
staff table behind it; consoles are real `python -m mediator` processes. Its clock for the idle
limit and the token re-check is a counter the test moves, and `sweep()` is what its timer runs.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from mediator import cli_web
from mediator.store.base import Role, StaffMember
from mediator.store.sql import SqlStore
from mediator.web.server import COOKIE, WebConsole

from ..api.servers import free_port
from ..ui.conftest import make_store

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@dataclass
class Served:
    server: WebConsole
    url: str
    store: SqlStore
    agent_token: str
    supervisor_token: str
    clock: list[float]

    def advance(self, seconds: float) -> None:
        self.clock[0] += seconds


async def serve(
    tmp_path: Path, *, public_url: str | None = None, max_consoles: int = 5
) -> AsyncIterator[Served]:
    store = make_store(tmp_path / "web.db", generated=5)
    agent = store.add_staff_sync("agent.ana", "agent", now=NOW)
    supervisor = store.add_staff_sync("sup.sam", "supervisor", now=NOW)
    verify, launch = cli_web._on_store(f"sqlite:///{tmp_path / 'web.db'}", tmp_path / "members")
    clock = [1000.0]
    port = free_port()
    server = WebConsole(
        verify=verify,
        launch=launch,
        port=port,
        public_url=public_url,
        max_consoles=max_consoles,
        idle=600,
        recheck=60,
        tick=3600,  # the test sweeps; the timer never fires during a test
        monotonic=lambda: clock[0],
    )
    runner = web.AppRunner(await server.make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield Served(server, f"http://127.0.0.1:{port}", store, agent, supervisor, clock)
    finally:
        await runner.cleanup()
        store.close_sync()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async for one in serve(tmp_path):
        yield one


def client() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def sign_in(session: aiohttp.ClientSession, url: str, token: str) -> aiohttp.ClientResponse:
    return await session.post(f"{url}/login", data={"token": token}, allow_redirects=False)


async def test_nothing_but_the_sign_in_page_without_signing_in(served: Served) -> None:
    async with client() as session:
        page = await session.get(f"{served.url}/", allow_redirects=False)
        assert page.status == 302 and page.headers["Location"] == "/login"
        socket = await session.get(f"{served.url}/ws", allow_redirects=False)
        assert socket.status == 401
        login = await session.get(f"{served.url}/login")
        text = await login.text()
        assert login.status == 200
        assert 'name="token"' in text and 'type="password"' in text
        assert "frame-ancestors 'none'" in login.headers["Content-Security-Policy"]
        # the package's own assets are public, and nothing is fetched from elsewhere
        script = await session.get(f"{served.url}/static/js/textual.js")
        assert script.status == 200
        assert not served.server.consoles


@pytest.mark.parametrize(
    ("token", "status", "words"),
    [
        ("", 400, "Type your staff token."),
        ("mdt_not-a-token", 401, "That token is not valid (unknown or revoked)."),
    ],
)
async def test_a_wrong_or_missing_token_never_reaches_a_console(
    served: Served, token: str, status: int, words: str
) -> None:
    async with client() as session:
        answer = await sign_in(session, served.url, token)
        assert answer.status == status
        assert words in await answer.text()
        assert COOKIE not in answer.cookies
        socket = await session.get(f"{served.url}/ws", allow_redirects=False)
        assert socket.status == 401
        forged = await session.get(
            f"{served.url}/ws", headers={"Cookie": f"{COOKIE}=made-up"}, allow_redirects=False
        )
        assert forged.status == 401
    assert not served.server.sign_ins and not served.server.consoles


async def test_the_cookie_is_httponly_strict_and_holds_no_token(served: Served) -> None:
    async with client() as session:
        answer = await sign_in(session, served.url, served.agent_token)
        assert answer.status == 302 and answer.headers["Location"] == "/"
        header = answer.headers["Set-Cookie"]
        assert "HttpOnly" in header and "SameSite=Strict" in header
        assert "Secure" not in header  # plain http on 127.0.0.1
        assert served.agent_token not in header
        page = await session.get(f"{served.url}/")
        text = await page.text()
        assert page.status == 200
        assert "signed in as agent.ana (agent)" in text
        assert f"ws://127.0.0.1:{served.server.port}/ws" in text
        assert "fonts.googleapis" not in text  # every asset from the package
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in policy


async def test_an_https_public_url_makes_the_cookie_secure_and_the_socket_wss(
    tmp_path: Path,
) -> None:
    async for served in serve(tmp_path, public_url="https://mediator.example.com/"):
        async with client() as session:
            answer = await sign_in(session, served.url, served.supervisor_token)
            assert "Secure" in answer.headers["Set-Cookie"]
            # a Secure cookie is not sent back over http: send it as the proxy would
            sid = answer.cookies[COOKIE].value
            page = await session.get(
                f"{served.url}/", headers={"Cookie": f"{COOKIE}={sid}"}, allow_redirects=False
            )
            assert "wss://mediator.example.com/ws" in await page.text()


async def test_a_revoked_token_ends_its_sign_in_at_the_next_check(served: Served) -> None:
    async with client() as ana, client() as sam:
        await sign_in(ana, served.url, served.agent_token)
        await sign_in(sam, served.url, served.supervisor_token)
        served.store.revoke_token_sync("agent.ana", now=NOW)
        served.advance(30)
        await served.server.sweep()  # not yet time to check again
        assert (await ana.get(f"{served.url}/", allow_redirects=False)).status == 200
        served.advance(31)
        await served.server.sweep()
        assert (await ana.get(f"{served.url}/", allow_redirects=False)).status == 302
        assert (await sam.get(f"{served.url}/", allow_redirects=False)).status == 200
        # and the revoked token cannot sign in again
        again = await sign_in(ana, served.url, served.agent_token)
        assert again.status == 401


async def open_console(session: aiohttp.ClientSession, url: str) -> aiohttp.ClientWebSocketResponse:
    return await session.ws_connect(f"{url}/ws?width=100&height=30")


async def first_output(socket: aiohttp.ClientWebSocketResponse) -> bytes:
    """The console's first drawing (it started, and it speaks the web driver's protocol)."""
    while True:
        message = await socket.receive(timeout=120)
        assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), message
        if message.type == aiohttp.WSMsgType.BINARY and message.data:
            return bytes(message.data)


async def ended(served: Served, count: int) -> None:
    for _ in range(600):
        if len(served.server.consoles) == count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(served.server.consoles)} consoles, not {count}")


@pytest.mark.skipif(sys.platform == "win32", reason="consoles are POSIX processes here")
async def test_consoles_are_capped_ended_when_idle_and_when_the_browser_goes(
    tmp_path: Path,
) -> None:
    async for served in serve(tmp_path, max_consoles=1):
        async with client() as ana, client() as sam:
            await sign_in(ana, served.url, served.agent_token)
            await sign_in(sam, served.url, served.supervisor_token)
            first = await open_console(ana, served.url)
            assert await first_output(first)
            (console,) = served.server.consoles
            assert console.session.member.name == "agent.ana"
            assert console.service is not None and console.service._process is not None
            process = console.service._process
            # the cap: a second browser is asked to wait, before any process starts
            busy = await sam.get(f"{served.url}/", allow_redirects=False)
            assert busy.status == 503 and "All 1 consoles are in use" in await busy.text()
            refused = await sam.get(f"{served.url}/ws", allow_redirects=False)
            assert refused.status == 503
            # idle: no keystroke for `idle` seconds ends it, and its process
            await first.send_json(["stdin", "j"])
            served.advance(599)
            await served.server.sweep()
            assert len(served.server.consoles) == 1
            served.advance(1)
            await served.server.sweep()
            await ended(served, 0)
            assert process.returncode is not None
            # the browser goes: the console's process ends
            second = await open_console(sam, served.url)
            assert await first_output(second)
            (console,) = served.server.consoles
            assert console.session.member.name == "sup.sam"
            assert console.service is not None and console.service._process is not None
            process = console.service._process
            await second.close()
            await ended(served, 0)
            assert process.returncode is not None


def test_each_member_runs_as_themselves_with_their_own_files(tmp_path: Path) -> None:
    """What a console is started with: the member's name, the store in the environment (not
    on the command line, where `ps` shows it), their own data and settings, and none of the
    server's own identity."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    _, launch = cli_web._on_store(url, tmp_path / "members")

    one = launch(StaffMember(name="agent.ana", role=Role.AGENT), "mdt_x")
    assert one.env["MEDIATOR_AGENT"] == "agent.ana"
    assert one.env["MEDIATOR_STORE"] == url
    assert "m.db" not in one.command and "agent.ana" not in one.command
    assert one.env["MEDIATOR_DATA_DIR"] == str(tmp_path / "members" / "agent.ana")
    assert one.env["MEDIATOR_CONFIG"].endswith("agent.ana/config.toml")
    assert {"MEDIATOR_TOKEN", "MEDIATOR_API", "MEDIATOR_AGENT"} <= set(one.drop)
    other = launch(StaffMember(name="sup.sam", role=Role.SUPERVISOR), "mdt_y")
    assert other.env["MEDIATOR_DATA_DIR"] != one.env["MEDIATOR_DATA_DIR"]
    assert os.path.isdir(other.env["MEDIATOR_DATA_DIR"])
