"""Fixtures for the hub: a real aiohttp server on 127.0.0.1, real state.db, real sockets.

``stand_in_player`` is a minimal websocket client that speaks the wire contract the way
the player does (hello with the local token, ``started`` when asked to play, ``player_state``
on every change). It stands in for the player only where a test is about the hub; the
end-to-end test drives the real player.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import msgspec
import pytest
from aiohttp import web

from neopro import setup_code
from neopro.contracts import wire
from neopro.datadir import DataDir
from neopro.media.samples import ClipRecipe, install_samples
from remote_web import Settings, create_app

PIN = "2468"
PASSWORD = "correct horse battery"


@pytest.fixture
def samples_dir(data_dir: DataDir) -> DataDir:
    install_samples(data_dir, width=640, height=360, scale=0.4)
    return data_dir


#: A clip already in the player's profile (1080p25 H.264 without B-frames, AAC 48 kHz): filed as is.
IN_PROFILE = ClipRecipe("Upload test", "0x00838F", 1.0, 600, 1920, 1080)
#: A typical phone upload (small, B-frames): converted on the Pi before it is filed.
UPLOAD_LIKE = ClipRecipe("Phone video", "0xAD1457", 1.0, 500, 320, 180, encode="upload")


@dataclasses.dataclass
class RunningHub:
    app: web.Application
    runner: web.AppRunner
    url: str
    settings: Settings

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws"

    def client(self) -> aiohttp.ClientSession:
        # unsafe=True: cookies for an IP address (127.0.0.1), as a phone on the hotspot gets them
        return aiohttp.ClientSession(self.url, cookie_jar=aiohttp.CookieJar(unsafe=True))

    def setup_code(self) -> str:
        """The code the TV shows (the test reads the file the player reads)."""
        code = setup_code.read(self.settings.data_dir)
        assert code is not None, "the hub wrote no setup code"
        return code

    async def setup(self, pin: str = PIN, password: str = PASSWORD) -> None:
        async with self.client() as http:
            csrf = await form_csrf(http, "/setup")
            r = await http.post("/setup", data={"csrf": csrf, "code": self.setup_code(), "pin": pin,
                                                "pin2": pin, "password": password,
                                                "password2": password})  # fmt: skip
            assert r.status == 200 and r.url.path == "/login", await r.text()

    async def login(self, role: str = "operator", secret: str | None = None) -> aiohttp.ClientSession:
        http = self.client()
        secret = secret if secret is not None else (PIN if role == "operator" else PASSWORD)
        r = await post_login(http, role, secret)
        assert r.status == 200, await r.text()
        return http


async def form_csrf(http: aiohttp.ClientSession, path: str) -> str:
    r = await http.get(path)
    found = re.search(r'name="csrf" value="([^"]+)"', await r.text())
    assert found, f"no csrf field on {path}"
    return found.group(1)


async def post_login(http: aiohttp.ClientSession, role: str, secret: str) -> aiohttp.ClientResponse:
    csrf = await form_csrf(http, "/login")
    return await http.post("/login", data={"csrf": csrf, "role": role, "secret": secret, "next": "/"})


async def page_csrf(http: aiohttp.ClientSession, path: str = "/") -> str:
    r = await http.get(path)
    found = re.search(r'"csrf": "([^"]+)"', await r.text())
    assert found, f"no session csrf on {path}"
    return found.group(1)


class ManualClock:
    """Wall time that a test moves forward instead of sleeping (lockouts, session expiry)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


async def start_hub(settings: Settings, clock: ManualClock | None = None) -> RunningHub:
    app = create_app(settings, clock=clock or time.time)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return RunningHub(app=app, runner=runner, url=f"http://127.0.0.1:{port}", settings=settings)


@pytest.fixture
def hub_settings(samples_dir: DataDir) -> Settings:
    return Settings(data_dir=samples_dir, host="127.0.0.1", port=0)


@pytest.fixture
async def hub(hub_settings: Settings) -> AsyncIterator[RunningHub]:
    running = await start_hub(hub_settings)
    await running.setup()
    yield running
    await running.runner.cleanup()


@pytest.fixture
async def fresh_hub(hub_settings: Settings) -> AsyncIterator[RunningHub]:
    """A hub on its first run: nobody has set the PIN or the password yet."""
    running = await start_hub(hub_settings)
    yield running
    await running.runner.cleanup()


#: Not a real picture: the hub relays a screenshot without decoding it.
JPEG_STAND_IN = "/9j/4AAQSkZJRgABAQ=="


class StandInPlayer:
    """Speaks the player's side of the wire contract; records what the hub sent it."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.received: list[wire.Message] = []
        self.status = wire.PlayerStatus(idle=False)
        self._task = asyncio.create_task(self._loop())
        self.changed = asyncio.Event()

    async def _loop(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            message = wire.to_player_codec.decode(msg.data)
            self.received.append(message)
            self.changed.set()
            await self._act(message)

    async def _act(self, m: wire.Message) -> None:
        replace = msgspec.structs.replace
        if isinstance(m, wire.PlayVideo):
            video = m.video_id or m.category_id or "?"
            air = wire.OnAir(video_id=video, title=video, category_id=m.category_id, trigger=m.trigger,
                             duration_s=2.0)  # fmt: skip
            await self.send(wire.Started(of=m.id, video_id=video))
            self.status = replace(self.status, on_air=air)
        elif isinstance(m, wire.TakeScreenshot):  # the hub relays it unread
            await self.send(wire.Screenshot(of=m.id, width=1, height=1, jpeg_base64=JPEG_STAND_IN,
                                            taken_at=datetime.now(UTC)))  # fmt: skip
            return
        elif isinstance(m, wire.SetVolume):
            self.status = replace(self.status, volume=m.volume)
        elif isinstance(m, wire.SetMute):
            self.status = replace(self.status, muted=m.muted)
        elif isinstance(m, wire.SetBlackout):
            self.status = replace(self.status, blackout=m.on)
        elif isinstance(m, wire.BackToLoop):
            self.status = replace(self.status, on_air=None)
        else:
            return
        await self.send(wire.PlayerState(status=self.status))

    async def send(self, m: wire.Message) -> None:
        await self.ws.send_bytes(wire.encode(m))

    async def wait_for(self, kind: type, within: float = 5.0) -> wire.Message:
        async def scan() -> wire.Message:
            while True:
                for m in self.received:
                    if isinstance(m, kind):
                        return m
                self.changed.clear()
                await self.changed.wait()

        return await asyncio.wait_for(scan(), within)

    async def close(self) -> None:
        await self.ws.close()
        self._task.cancel()


@pytest.fixture
async def stand_in_player(hub: RunningHub) -> AsyncIterator[StandInPlayer]:
    session = aiohttp.ClientSession()
    ws = await session.ws_connect(hub.ws_url)
    token = hub.settings.data_dir.player_token()
    await ws.send_bytes(wire.encode(wire.Hello(role="player", token=token, client="stand-in")))
    player = StandInPlayer(ws)
    await player.wait_for(wire.MatchStateUpdate)
    yield player
    await player.close()
    await session.close()


class Phone:
    """A phone's websocket as a test sees it: frames decoded with the phone's codec."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def send(self, m: wire.Message | dict | bytes | str) -> None:
        if isinstance(m, wire.Message):
            await self.ws.send_bytes(wire.encode(m))
        elif isinstance(m, dict):
            await self.ws.send_json(m)
        elif isinstance(m, bytes):
            await self.ws.send_bytes(m)
        else:
            await self.ws.send_str(m)

    async def next(self, within: float = 5.0) -> wire.Message:
        msg = await self.ws.receive(timeout=within)
        assert msg.type == aiohttp.WSMsgType.TEXT, f"expected a text frame, got {msg.type} {msg.data!r}"
        return wire.to_phone_codec.decode(msg.data)

    async def until(self, predicate, within: float = 5.0) -> wire.Message:
        async def scan() -> wire.Message:
            while True:
                m = await self.next(within)
                if predicate(m):
                    return m

        return await asyncio.wait_for(scan(), within)


@pytest.fixture
def artifacts() -> Path:
    """Screenshots land here so a person can look at them after the run."""
    out = Path(__file__).resolve().parents[2] / ".artifacts" / "remote_web"
    out.mkdir(parents=True, exist_ok=True)
    return out
