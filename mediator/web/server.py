"""`mediator web`: the console in a browser, on textual-serve (issue 20). No Textual imports.

textual-serve gives each browser websocket its own console process, drawn by xterm.js in the
page. It has no sign-in and passes no identity to the app. This module adds both:

- **Sign-in** with a staff token (`POST /login`, one password field named `token`), checked
  against the store's staff (or the API's `/me`). The browser gets a random session id in a
  cookie that is HttpOnly, SameSite=Strict, and Secure when the public URL is https; the token
  stays on the server. Every page and websocket but the sign-in page and the package's static
  assets needs that cookie.
- **Identity**: each console runs as the signed-in member (`--agent NAME` on a store, their own
  token on an API), with their own data directory (drafts, outbox) and settings file, so two
  browsers are two separate staff sessions.
- **Limits**: at most `max_consoles` consoles at once; a console with no keystroke for `idle`
  seconds is ended; one whose browser goes is ended (asked to quit, then killed); every
  `recheck` seconds each sign-in's token is checked again, and a revoked one ends its consoles
  and its sign-in.
- **Assets**: xterm.js, its CSS and the fonts come from the textual-serve package; the page is
  our own template (textual-serve's loads a font from Google).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from mediator.store.base import StaffMember, StoreError

log = logging.getLogger("mediator.web")

#: The session cookie: a random id, never the token.
COOKIE = "mediator_session"
TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(textual_serve.__file__).with_name("static")
#: How long a console may take to quit when asked before it is killed.
QUIT_GRACE = 5.0

#: Who holds a token: the member, None for an unknown or revoked token; raises `StoreError`
#: when it cannot be told (the store or API is down).
Verify = Callable[[str], Awaitable[StaffMember | None]]


@dataclass(frozen=True, slots=True)
class Launch:
    """How to start one member's console: the shell command, the environment it adds, and the
    server's variables it must not inherit (another store, another token)."""

    command: str
    env: Mapping[str, str]
    drop: tuple[str, ...] = ()


@dataclass(eq=False)
class Console:
    """One browser tab's console process."""

    session: SignIn
    websocket: web.WebSocketResponse
    last_input: float
    service: AppService | None = None


@dataclass(eq=False)
class SignIn:
    """One browser's sign-in: the member, and the token it was made with (re-checked)."""

    sid: str
    token: str
    member: StaffMember
    consoles: set[Console] = field(default_factory=set)


#: The sign-in of the request (set by the guard).
SIGNED_IN = web.RequestKey("sign_in", SignIn)


class _Service(AppService):
    """textual-serve's process manager, with the member's environment added."""

    def __init__(self, launch: Launch, **kwargs: Any) -> None:
        super().__init__(launch.command, **kwargs)
        self._launch = launch

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        for name in self._launch.drop:
            environment.pop(name, None)
        environment.update(self._launch.env)
        return environment


class WebConsole(Server):
    """The console served to browsers, behind a staff sign-in."""

    def __init__(
        self,
        *,
        verify: Verify,
        launch: Callable[[StaffMember, str], Launch],
        host: str = "127.0.0.1",
        port: int = 8000,
        public_url: str | None = None,
        title: str = "mediator",
        max_consoles: int = 20,
        idle: float = 30 * 60,
        recheck: float = 60,
        tick: float = 5,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            "mediator",
            host=host,
            port=port,
            title=title,
            public_url=public_url.rstrip("/") if public_url else None,
            statics_path=STATIC,
            templates_path=TEMPLATES,
        )
        self.verify = verify
        self.launch = launch
        self.max_consoles = max_consoles
        self.idle = idle
        self.recheck = recheck
        self.tick = tick
        self.monotonic = monotonic
        self.secure = self.public_url.startswith("https:")
        self.sign_ins: dict[str, SignIn] = {}
        self.consoles: set[Console] = set()
        self._last_check = monotonic()
        self._sweeper: asyncio.Task[None] | None = None

    # ----- the application ------------------------------------------------------------------
    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        aiohttp_jinja2.setup(
            app, loader=jinja2.FileSystemLoader(self.templates_path), autoescape=True
        )
        app.add_routes(
            [
                web.get("/login", self.handle_login_page, name="login"),
                web.post("/login", self.handle_login),
                web.post("/logout", self.handle_logout, name="logout"),
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def make_app(self) -> web.Application:
        """The aiohttp application (for tests and embedding)."""
        return await self._make_app()

    async def on_startup(self, app: web.Application) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever())
        log.info("serving the console on %s", self.public_url)

    async def on_shutdown(self, app: web.Application) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        await asyncio.gather(
            *(self._close(console, "the server is stopping") for console in list(self.consoles)),
            return_exceptions=True,
        )

    # ----- sign-in ----------------------------------------------------------------------------
    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Everything but the sign-in page and the package's assets needs a sign-in."""
        public = request.path == "/login" or request.path.startswith("/static/")
        if not public:
            sign_in = self._sign_in_of(request)
            if sign_in is None:
                if request.method == "GET" and request.path == "/":
                    raise web.HTTPFound("/login")
                raise web.HTTPUnauthorized(text="Sign in first: /login")
            request[SIGNED_IN] = sign_in
        response = await handler(request)
        self._harden(response)
        return response

    def _sign_in_of(self, request: web.Request) -> SignIn | None:
        sid = request.cookies.get(COOKIE, "")
        return self.sign_ins.get(sid) if sid else None

    def _harden(self, response: web.StreamResponse) -> None:
        if isinstance(response, web.WebSocketResponse):
            return
        headers = response.headers
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Cache-Control", "no-store")

    async def handle_login_page(self, request: web.Request) -> web.StreamResponse:
        if self._sign_in_of(request) is not None:
            raise web.HTTPFound("/")
        return self._login_page(request)

    def _login_page(self, request: web.Request, error: str = "", status: int = 200) -> web.Response:
        response = aiohttp_jinja2.render_template(
            "login.html",
            request,
            {"name": self.title, "error": error, "login_url": "/login"},
            status=status,
        )
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        )
        return response

    async def handle_login(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        token = str(form.get("token", "")).strip()
        if not token:
            return self._login_page(request, "Type your staff token.", status=400)
        try:
            member = await self.verify(token)
        except StoreError as error:
            return self._login_page(request, f"Cannot check tokens now: {error}", status=503)
        if member is None:
            return self._login_page(
                request, "That token is not valid (unknown or revoked).", status=401
            )
        old = self._sign_in_of(request)
        if old is not None:  # a new sign-in replaces the old one (no session fixation)
            await self._sign_out(old, "signed in again")
        sid = secrets.token_urlsafe(32)
        self.sign_ins[sid] = SignIn(sid, token, member)
        log.info("%s (%s) signed in", member.name, member.role.value)
        response = web.HTTPFound("/")
        response.set_cookie(
            COOKIE, sid, httponly=True, samesite="Strict", secure=self.secure, path="/"
        )
        raise response

    async def handle_logout(self, request: web.Request) -> web.StreamResponse:
        sign_in = request[SIGNED_IN]
        await self._sign_out(sign_in, "signed out")
        response = web.HTTPFound("/login")
        response.del_cookie(COOKIE, path="/")
        raise response

    async def _sign_out(self, sign_in: SignIn, why: str) -> None:
        self.sign_ins.pop(sign_in.sid, None)
        await asyncio.gather(
            *(self._close(console, why) for console in list(sign_in.consoles)),
            return_exceptions=True,
        )

    # ----- the console page and its websocket ---------------------------------------------------
    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        sign_in = request[SIGNED_IN]
        if len(self.consoles) >= self.max_consoles:
            return self._busy()
        nonce = secrets.token_urlsafe(16)
        ws_url = self._websocket_url(request)
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": ws_url,
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
            "who": f"{sign_in.member.name} ({sign_in.member.role.value})",
            "nonce": nonce,
            "logout_url": "/logout",
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        socket = urlsplit(ws_url)
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
            # xterm.js adds <style> elements for its renderer
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
            f"connect-src 'self' {socket.scheme}://{socket.netloc}; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        return response

    def _websocket_url(self, request: web.Request) -> str:
        path = request.app.router["websocket"].url_for()
        base = urlsplit(self.public_url)
        scheme = "wss" if base.scheme == "https" else "ws"
        return f"{scheme}://{base.netloc}{base.path}{path}"

    def _busy(self) -> web.Response:
        return web.Response(
            status=503,
            text=f"All {self.max_consoles} consoles are in use. Try again in a minute.",
            headers={"Retry-After": "60"},
        )

    async def handle_websocket(  # type: ignore[override]  # a 503 page when all are in use
        self, request: web.Request
    ) -> web.StreamResponse:
        sign_in = request[SIGNED_IN]
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc not in (
            request.host,
            urlsplit(self.public_url).netloc,
        ):
            raise web.HTTPForbidden(text="websocket from another site")
        if len(self.consoles) >= self.max_consoles:
            return self._busy()
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        console = Console(sign_in, websocket, last_input=self.monotonic())
        sign_in.consoles.add(console)
        self.consoles.add(console)
        launch = self.launch(sign_in.member, sign_in.token)
        service = _Service(
            launch,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        console.service = service
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        log.info("console started for %s", sign_in.member.name)
        try:
            await service.start(width, height)
            await self._relay(console, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:
            log.exception("console of %s failed", sign_in.member.name)
        finally:
            try:
                await self._end(service)
            finally:  # counted until its process is gone
                sign_in.consoles.discard(console)
                self.consoles.discard(console)
            log.info("console ended for %s", sign_in.member.name)
        return websocket

    async def _relay(self, console: Console, service: AppService) -> None:
        """The browser's keys and size to the console (textual-serve's loop, with the time
        of the last keystroke kept for the idle limit)."""
        async for message in console.websocket:
            if message.type != WSMsgType.TEXT:
                continue
            envelope = message.json()
            if not isinstance(envelope, list) or not envelope:
                continue
            kind = envelope[0]
            if kind == "stdin":
                console.last_input = self.monotonic()
                await service.send_bytes(str(envelope[1]).encode("utf-8"))
            elif kind == "resize":
                size = envelope[1]
                await service.set_terminal_size(int(size["width"]), int(size["height"]))
            elif kind == "ping":
                await console.websocket.send_json(["pong", envelope[1]])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    async def _end(self, service: AppService) -> None:
        """Ask the console to quit; kill it if it has not within `QUIT_GRACE`."""
        with contextlib.suppress(Exception):  # TimeoutError too: it is killed below
            await asyncio.wait_for(service.stop(), QUIT_GRACE)
        process = service._process  # textual-serve keeps it private; it has no kill of its own
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(Exception):
                await process.wait()

    async def _close(self, console: Console, why: str) -> None:
        log.info("closing the console of %s: %s", console.session.member.name, why)
        with contextlib.suppress(Exception):
            await console.websocket.close(message=why.encode("utf-8"))

    # ----- limits ---------------------------------------------------------------------------
    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.tick)
            try:
                await self.sweep()
            except Exception:  # a sweep must never stop the sweeping
                log.exception("sweep failed")

    async def sweep(self) -> None:
        """End idle consoles; every `recheck` seconds, end the sign-ins whose token was
        revoked, with their consoles (a token that cannot be checked now is kept)."""
        now = self.monotonic()
        for console in list(self.consoles):
            if now - console.last_input >= self.idle:
                await self._close(console, f"idle for {round(self.idle / 60)} min")
        if now - self._last_check < self.recheck:
            return
        self._last_check = now
        for sign_in in list(self.sign_ins.values()):
            try:
                member = await self.verify(sign_in.token)
            except StoreError:
                continue
            if member is None or member.name != sign_in.member.name:
                await self._sign_out(sign_in, "token revoked")


# ----- what a member's console runs --------------------------------------------------------

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def member_dir(root: Path, name: str) -> Path:
    """A directory of the member's own under `root` (their drafts, outbox and settings)."""
    if _SAFE_NAME.fullmatch(name) and ".." not in name:
        return root / name
    return root / ("member-" + hashlib.sha256(name.encode()).hexdigest()[:16])
