"""Time to first frame: raw libmpv, the Neopro player on a command, a process per clip."""

from __future__ import annotations

import asyncio
import contextlib
import random
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import mpv
from websockets.asyncio.server import serve

from neopro.contracts import wire
from neopro.datadir import DataDir
from neopro.media.profile import FPS

from ..app import run_player
from ..settings import PlayerSettings
from .media import CLUB_LOOP, BenchMedia, install_site

#: The other clip plays this long before each measured load, plus up to one frame period at
#: random: a command lands anywhere in the frame on screen, and mpv shows the new clip only
#: after the frame it has already queued (up to 40 ms more at 25 fps). A fixed delay would
#: lock every measure to one phase of that frame and be luckier or unluckier than real taps.
SETTLE_S = 0.25
#: ``--fixed-phase`` turns the random part off (how the figures in ARCHITECTURE were taken).
RANDOM_PHASE = True


def _settle() -> float:
    return SETTLE_S + (random.uniform(0, 1 / FPS) if RANDOM_PHASE else 0.0)


def bare_loadfile_ms(media: BenchMedia, count: int) -> list[float]:
    """Raw libmpv, default options (headless outputs): loadfile of the uploaded clip -> playback-restart."""
    player = mpv.MPV(vo="null", ao="null")
    restarted = threading.Event()
    stamp: list[float] = [0.0]

    @player.event_callback("playback-restart")
    def _restart(_event) -> None:
        stamp[0] = time.perf_counter()
        restarted.set()

    out: list[float] = []
    try:
        for _ in range(count + 1):
            restarted.clear()
            player.command("loadfile", str(media.sponsor_upload), "replace")
            restarted.wait(10)
            time.sleep(_settle())  # another clip is playing
            restarted.clear()
            t0 = time.perf_counter()
            player.command("loadfile", str(media.goal_upload), "replace")
            if not restarted.wait(10):
                raise RuntimeError("libmpv never showed the clip")
            out.append((stamp[0] - t0) * 1000)
    finally:
        player.terminate()
    return out[1:]  # the first load warms caches up


async def trigger_ms(media: BenchMedia, count: int) -> list[float]:
    """The player, commanded through its websocket: command arrival -> playback-restart."""
    tmp = Path(tempfile.mkdtemp(prefix="neopro-bench-"))
    data_dir = DataDir(tmp / "data")
    install_site(data_dir, CLUB_LOOP)
    started_msgs: asyncio.Queue[wire.Started] = asyncio.Queue()
    hub_ws: list = []

    async def hub(ws) -> None:
        hub_ws.append(ws)
        with contextlib.suppress(Exception):
            async for frame in ws:
                msg = wire.from_player_codec.decode(frame)
                if isinstance(msg, wire.Started):
                    started_msgs.put_nowait(msg)

    server = await serve(hub, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = PlayerSettings(data_dir=data_dir, hub_url=f"ws://127.0.0.1:{port}/ws", vo="null", ao="null")
    stop = asyncio.Event()
    started = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_player(settings, stop=stop, started=started))
    try:
        player = await asyncio.wait_for(started, 30)
        await _until(lambda: bool(hub_ws) and player.segment is not None)
        ws = hub_ws[0]
        for i in range(count + 1):
            await asyncio.sleep(_settle())  # a sponsor is playing
            await ws.send(wire.encode(wire.PlayVideo(id=f"t{i}", video_id="goal")))
            msg = await asyncio.wait_for(started_msgs.get(), 10)
            assert msg.of == f"t{i}"
            await asyncio.sleep(SETTLE_S)
            await ws.send(wire.encode(wire.BackToLoop()))
            await _until(lambda: player.segment is not None and not player.segment.triggered)
        return [(shown - arrived) / 1e6 for _, arrived, shown in list(player.latencies)[1:]]
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        server.close()
        shutil.rmtree(tmp, ignore_errors=True)


async def _until(predicate, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Poll the player's state (the benchmark watches it from outside, like a test)."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


_FIRST_FRAME_LUA = """
mp.register_event("playback-restart", function()
    io.stdout:write("first-frame\\n")
    io.stdout:flush()
    mp.command("quit")
end)
"""


def spawn_per_clip_ms(media: BenchMedia, count: int) -> list[float]:
    """A new ``mpv`` process per clip (how peers do it): spawn -> its first frame."""
    exe = shutil.which("mpv")
    if exe is None:
        raise RuntimeError("the mpv command is missing: scripts/setup.sh dev installs it")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "first_frame.lua"
        script.write_text(_FIRST_FRAME_LUA)
        cmd = [exe, "--no-config", "--vo=null", "--ao=null", "--really-quiet", f"--script={script}",
               str(media.goal_prepared)]  # fmt: skip
        out: list[float] = []
        for _ in range(count + 1):
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            assert proc.stdout is not None
            line = proc.stdout.readline()
            t1 = time.perf_counter()
            proc.wait(10)
            if line.strip() != b"first-frame":
                raise RuntimeError("mpv exited before showing the clip")
            out.append((t1 - t0) * 1000)
    return out[1:]
