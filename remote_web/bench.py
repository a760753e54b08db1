"""``neopro bench remote``: how fast the hub fans a change out to phones, and tap to frame.

- ``fanout_ms``: one phone changes the score; the time until each of ``--phones`` connected
  phones has the new state (every phone, every change: phones x changes samples).
- ``tap_to_frame_ms`` and ``trigger_ms`` need the real player (``player/``); they are
  reported as missing when it is not installed on this machine.

The hub runs as its own process (``neopro remote``), as on the Pi; the phones are
websocket clients in this process, logged in with the operator PIN like a real phone.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

PIN = "1234"
PASSWORD = "bench-password"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--phones", type=int, default=50, help="connected phones for fan-out (default 50)")
    parser.add_argument("--changes", type=int, default=100, help="state changes to time (default 100)")
    parser.add_argument("--taps", type=int, default=100, help="taps for tap_to_frame (default 100)")


def run(args: argparse.Namespace) -> int:
    result = asyncio.run(_bench(args))
    if getattr(args, "json", False):
        print(json.dumps(result))
    else:
        _table(result)
    return 0


def percentiles(samples: list[float], *qs: int) -> dict[str, float]:
    if not samples:
        return {}
    cuts = statistics.quantiles(samples, n=100, method="inclusive") if len(samples) > 1 else samples * 99
    return {f"p{q}": round(cuts[q - 1], 2) for q in qs}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _bench(args: argparse.Namespace) -> dict:
    from neopro.datadir import DataDir
    from neopro.media.samples import install_samples

    with tempfile.TemporaryDirectory(prefix="neopro-bench-remote-") as tmp:
        data_dir = DataDir(Path(tmp) / "data").ensure()
        install_samples(data_dir, width=640, height=360, scale=0.5)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        hub = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "neopro", "--log-level", "ERROR", "remote", "--host", "127.0.0.1",
            "--port", str(port), "--data-dir", str(data_dir.root),
            env={**os.environ, "NEOPRO_DATA_DIR": str(data_dir.root)},
        )  # fmt: skip
        try:
            await _wait_up(url)
            cookie = await _setup_and_login(url, data_dir)
            result: dict = {"phones": args.phones, "changes": args.changes}
            result["fanout_ms"] = await _fanout(url, cookie, args.phones, args.changes)
            result.update(await _tap_to_frame(url, cookie, data_dir, args.taps))
            return result
        finally:
            hub.terminate()
            try:
                await asyncio.wait_for(hub.wait(), 10)
            except TimeoutError:
                hub.kill()
                await hub.wait()


async def _wait_up(url: str, within_s: float = 20) -> None:
    import aiohttp

    deadline = time.monotonic() + within_s
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url + "/login", allow_redirects=False) as r:
                    if r.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the hub did not start on {url}")
            await asyncio.sleep(0.1)


async def _setup_and_login(url: str, data_dir) -> str:
    """First-run setup (with the code the TV would show), then an operator login; the cookie header."""
    import aiohttp

    from neopro import setup_code

    async with aiohttp.ClientSession(url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        r = await http.get("/setup")
        csrf = re.search(r'name="csrf" value="([^"]+)"', await r.text()).group(1)  # type: ignore[union-attr]
        code = setup_code.read(data_dir) or ""
        await http.post("/setup", data={"csrf": csrf, "code": code, "pin": PIN, "pin2": PIN,
                                        "password": PASSWORD, "password2": PASSWORD})  # fmt: skip
        r = await http.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', await r.text()).group(1)  # type: ignore[union-attr]
        r = await http.post("/login", data={"csrf": csrf, "role": "operator", "secret": PIN, "next": "/"})
        token = next(c.value for c in http.cookie_jar if c.key == "neopro_session")
        return f"neopro_session={token}"


async def _fanout(url: str, cookie: str, phones: int, changes: int) -> dict[str, float]:
    import aiohttp

    from neopro.contracts import wire

    ws_url = url.replace("http", "ws") + "/ws"
    async with aiohttp.ClientSession(headers={"Cookie": cookie}) as http:
        sockets = [await http.ws_connect(ws_url, max_msg_size=0) for _ in range(phones)]
        states = [wire.to_phone_codec.decode((await ws.receive()).data) for ws in sockets]
        score = states[0].match.home_score  # type: ignore[attr-defined]
        samples: list[float] = []

        async def until_score(ws: aiohttp.ClientWebSocketResponse, want: int) -> float:
            while True:
                m = wire.to_phone_codec.decode((await ws.receive()).data)
                if isinstance(m, wire.State) and m.match.home_score == want:
                    return time.perf_counter()

        for i in range(changes):
            tapper = sockets[i % len(sockets)]  # taps come from every phone, as at a match
            delta = 1 if i % 2 == 0 or score == 0 else -1
            score += delta
            waits = [asyncio.ensure_future(until_score(ws, score)) for ws in sockets]
            t0 = time.perf_counter()
            await tapper.send_bytes(wire.encode(wire.ScoreChange(team="home", delta=delta)))
            arrived = await asyncio.wait_for(asyncio.gather(*waits), 10)
            samples.extend((t - t0) * 1000 for t in arrived)
        for ws in sockets:
            await ws.close()
    return percentiles(samples, 50, 95)


class _PlayerThread:
    """The real player (libmpv, vo=null) on its own thread and event loop, as if a process.

    It runs in this process only so that its own record of each command — arrival at the
    player, first frame (mpv ``playback-restart``) — can be read: CLOCK_MONOTONIC is the
    same clock the phone side stamps its taps with.
    """

    def __init__(self, data_dir, hub_ws_url: str) -> None:
        self._data_dir = data_dir
        self._url = hub_ws_url
        self.player = None
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._main, name="bench-player", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as exc:
            self.error = exc
            self.ready.set()

    async def _run(self) -> None:
        from player import Player, PlayerSettings
        from player.hub_client import HubClient

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        player = Player(PlayerSettings(data_dir=self._data_dir, hub_url=self._url, vo="null", ao="null"))
        await player.start()
        client = HubClient(self._url, self._data_dir.player_token(), player)
        task = asyncio.create_task(client.run())
        await client.connected.wait()
        self.player = player
        self.ready.set()
        await self._stop.wait()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await player.stop()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(20)


async def _tap_to_frame(url: str, cookie: str, data_dir, taps: int) -> dict:
    """A phone taps "play goal" through the hub; the real player's first frame of that clip."""
    if importlib.util.find_spec("player") is None:
        return {"tap_to_frame_ms": None, "trigger_ms": None,
                "note": "the player (player/) is not installed here: tap_to_frame_ms needs it"}  # fmt: skip
    import aiohttp

    from neopro.contracts import wire

    ws_url = url.replace("http", "ws") + "/ws"
    runner = _PlayerThread(data_dir, ws_url)
    runner.start()
    await asyncio.to_thread(runner.ready.wait, 30)
    if runner.error is not None or runner.player is None:
        raise RuntimeError(f"the player did not start: {runner.error}")
    player = runner.player
    tap_ms: list[float] = []
    trigger_ms: list[float] = []
    try:
        async with aiohttp.ClientSession(headers={"Cookie": cookie}) as http:
            ws = await http.ws_connect(ws_url)
            await ws.receive()
            await asyncio.sleep(1.0)  # let the loop settle on screen
            for i in range(taps):
                clip = ("goal", "timeout")[i % 2]
                before = len(player.latencies)
                sent_ns = time.monotonic_ns()
                await ws.send_bytes(wire.encode(wire.PlayVideo(id=f"tap{i}", video_id=clip)))
                while True:
                    m = wire.to_phone_codec.decode((await ws.receive(timeout=10)).data)
                    if isinstance(m, wire.Started) and m.of == f"tap{i}":
                        break
                    if isinstance(m, wire.Error) and m.of == f"tap{i}":
                        raise RuntimeError(f"tap {i} refused: {m.message}")
                _hub_id, arrival_ns, frame_ns = player.latencies[before]
                tap_ms.append((frame_ns - sent_ns) / 1e6)
                trigger_ms.append((frame_ns - arrival_ns) / 1e6)
                await asyncio.sleep(0.15 + 0.05 * (i % 3))  # a tap every ~0.2 s, not in lockstep
            await ws.close()
    finally:
        runner.stop()
    return {
        "taps": taps,
        "tap_to_frame_ms": percentiles(tap_ms, 50, 95, 99),
        "trigger_ms": percentiles(trigger_ms, 50, 95, 99),
        "hub_share_ms": percentiles([a - b for a, b in zip(tap_ms, trigger_ms, strict=True)], 50, 95, 99),
    }


def _table(result: dict) -> None:
    print(
        f"neopro bench remote — fan-out: {result['phones']} phones x {result['changes']} changes; "
        f"tap to frame: {result.get('taps', 0)} taps on the real player (vo=null)"
    )
    print(f"{'metric':<18} {'p50':>9} {'p95':>9} {'p99':>9}")
    for key in ("fanout_ms", "tap_to_frame_ms", "trigger_ms", "hub_share_ms"):
        value = result.get(key)
        if value is None:
            print(f"{key:<18} {'—':>9} {'—':>9} {'—':>9}")
            continue
        print(f"{key:<18} {value.get('p50', '—'):>9} {value.get('p95', '—'):>9} {value.get('p99', '—'):>9}")
    if result.get("note"):
        print(f"note: {result['note']}")
