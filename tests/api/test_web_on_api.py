"""`mediator web --api URL` (issue 20): a browser's token is checked by the API's `/me`, and the
console it starts works through the API as that member (their token, never the server's)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from mediator import cli_web
from mediator.store.base import Role, StaffMember
from mediator.web.server import WebConsole

from ..store.conftest import NOW
from ..web.test_signin import client, first_output, open_console, sign_in
from .conftest import Api
from .servers import free_port


async def test_tokens_are_checked_by_the_api(api: Api, tmp_path: Path) -> None:
    verify, launch = cli_web._on_api(api.base_url, tmp_path / "members")
    assert await verify(api.tokens["sup.sam"]) == StaffMember(name="sup.sam", role=Role.SUPERVISOR)
    assert await verify("mdt_not-a-token") is None
    api.store.revoke_token_sync("agent.ana", now=NOW)
    assert await verify(api.tokens["agent.ana"]) is None
    one = launch(StaffMember(name="agent.bo", role=Role.AGENT), api.tokens["agent.bo"])
    assert one.env["MEDIATOR_API"] == api.base_url
    assert one.env["MEDIATOR_TOKEN"] == api.tokens["agent.bo"]
    assert api.tokens["agent.bo"] not in one.command  # not on the command line (`ps`)
    assert "MEDIATOR_STORE" in one.drop and "MEDIATOR_AGENT" in one.drop


async def test_a_browser_console_works_through_the_api_as_its_member(
    api: Api, tmp_path: Path
) -> None:
    verify, launch = cli_web._on_api(api.base_url, tmp_path / "members")
    port = free_port()
    server = WebConsole(verify=verify, launch=launch, port=port, tick=3600)
    runner = web.AppRunner(await server.make_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}"
    try:
        async with client() as browser:
            answer = await sign_in(browser, url, api.tokens["agent.bo"])
            assert answer.status == 302
            socket = await open_console(browser, url)
            assert await first_output(socket)
            # Enter on the queue opens the most urgent dispute, which claims it: through the
            # API, as agent.bo (the API records the token's owner)
            for _ in range(600):
                await socket.send_json(["stdin", "\r"])
                held = api.store.claims_held_sync("agent.bo")
                if held:
                    break
                await asyncio.sleep(0.1)
            assert [claim.holder for claim in held] == ["agent.bo"]
            await socket.close()
    finally:
        await runner.cleanup()
