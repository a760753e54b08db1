"""The player as a websocket client of the hub (a minimal server stands in for the hub)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from player_helpers import on_air, plays, settings_for, until
from websockets.asyncio.server import serve

from neopro.contracts import wire
from player import run_player
from player.engine import MpvFailure

pytestmark = pytest.mark.slow


class FakeHub:
    """Accepts the player, records what it sends, lets the test send frames to it."""

    def __init__(self) -> None:
        self.received: list[wire.Message] = []
        self.connections = 0
        self.ws = None
        self.server = None
        self.port = 0

    async def handler(self, ws) -> None:
        self.connections += 1
        self.ws = ws
        with contextlib.suppress(Exception):
            async for frame in ws:
                self.received.append(wire.from_player_codec.decode(frame))

    async def start(self, port: int = 0) -> None:
        self.server = await serve(self.handler, "127.0.0.1", port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    def of_type(self, kind):
        return [m for m in self.received if isinstance(m, kind)]


@pytest.fixture
async def hub():
    h = FakeHub()
    await h.start()
    yield h
    with contextlib.suppress(Exception):
        await h.stop()


@pytest.fixture
async def running(data_dir, hub):
    """``await running()``: the whole player process (run_player) connected to ``hub``."""
    stop = asyncio.Event()
    tasks = []

    async def start():
        started = asyncio.get_running_loop().create_future()
        settings = settings_for(data_dir, hub_url=f"ws://127.0.0.1:{hub.port}/ws")
        tasks.append(asyncio.create_task(run_player(settings, stop=stop, started=started)))
        return await asyncio.wait_for(started, 10)

    yield start
    stop.set()
    for t in tasks:
        assert await asyncio.wait_for(t, 10) == 0


async def test_player_says_hello_and_confirms_a_clip_when_it_is_on_screen(site, hub, running, data_dir):
    site()
    player = await running()
    await until(lambda: hub.of_type(wire.PlayerState))
    hello = hub.received[0]
    assert isinstance(hello, wire.Hello) and hello.role == "player"
    assert hello.token == data_dir.player_token()

    await hub.ws.send(wire.encode(wire.PlayVideo(id="tap-1", video_id="goal")))
    await until(lambda: hub.of_type(wire.Started))
    (started,) = hub.of_type(wire.Started)
    assert (started.of, started.video_id) == ("tap-1", "goal")
    assert on_air(player) == "goal"
    state = hub.of_type(wire.PlayerState)[-1].status
    assert state.on_air is not None and state.on_air.video_id == "goal"


async def test_bad_frames_get_an_error_and_the_connection_stays_up(site, hub, running):
    site()
    await running()
    await until(lambda: hub.ws is not None and hub.received)
    await hub.ws.send("{not json")
    await hub.ws.send('{"type":"set_volume","id":"v1","volume":400}')
    await hub.ws.send('{"type":"play","id":"p1","video_id":"ghost"}')
    await until(lambda: len(hub.of_type(wire.Error)) == 3)
    bad_json, bad_volume, unknown = hub.of_type(wire.Error)
    assert bad_json.code == "bad_json"
    assert (bad_volume.code, bad_volume.field, bad_volume.of) == ("bad_message", "$.volume", "v1")
    assert (unknown.code, unknown.of) == ("not_found", "p1")
    await hub.ws.send(wire.encode(wire.SetVolume(id="v2", volume=40)))
    await until(lambda: any(a.of == "v2" for a in hub.of_type(wire.Ack)))
    assert hub.of_type(wire.PlayerState)[-1].status.volume == 40
    await hub.ws.send(wire.encode(wire.ShowMessage(text="Buvette", seconds=30)))
    await until(lambda: hub.of_type(wire.PlayerState)[-1].status.overlays == ["message"])
    assert hub.of_type(wire.PlayerState)[-1].status.message == "Buvette"
    assert hub.connections == 1


async def test_score_and_match_session_from_the_hub_go_into_proof_of_play(site, hub, running, data_dir):
    site()
    player = await running()
    await until(lambda: hub.ws is not None and on_air(player) == "spot-a")
    from datetime import UTC, datetime

    match = wire.MatchState(
        home_score=2, away_score=1, session=wire.MatchSession(id="match-7", started_at=datetime.now(UTC))
    )
    await hub.ws.send(wire.encode(wire.MatchStateUpdate(match=match)))
    await until(lambda: on_air(player) == "spot-b", timeout=4)
    await until(lambda: len(plays(data_dir)) == 2)
    row = plays(data_dir)[1]
    assert (row.score_home, row.score_away, row.match_session_id) == (2, 1, "match-7")


async def test_player_keeps_playing_while_the_hub_is_away_and_reconnects(site, hub, running, data_dir):
    site()
    player = await running()
    await until(lambda: hub.connections == 1 and hub.received)
    port = hub.port
    await hub.stop()
    await until(lambda: on_air(player) == "spot-b", timeout=5)  # the loop goes on without the hub
    await until(lambda: on_air(player) == "spot-c", timeout=5)
    await hub.start(port)
    await until(lambda: hub.connections == 2, timeout=15)
    await until(lambda: isinstance(hub.received[-1], wire.PlayerState | wire.Hello))
    assert [r.media_id for r in plays(data_dir)][:3] == ["spot-a", "spot-b", "spot-c"]


async def test_a_command_that_fails_inside_the_player_gets_an_internal_error_and_the_tv_plays_on(
    site, hub, running, monkeypatch
):
    site()
    player = await running()
    await until(lambda: hub.ws is not None and on_air(player) == "spot-a")

    # No valid wire input makes the real player raise anything but PlayError today, so the
    # fault is injected at the boundary the command crosses: the engine call it makes.
    def broken_set_volume(volume: int) -> None:
        raise ValueError("injected fault: the volume property went wrong")

    monkeypatch.setattr(player.engine, "set_volume", broken_set_volume)
    await hub.ws.send(wire.encode(wire.SetVolume(id="v1", volume=40)))
    await until(lambda: hub.of_type(wire.Error))
    (error,) = hub.of_type(wire.Error)
    assert (error.code, error.of) == ("internal", "v1")
    assert "set_volume" in error.message and "injected fault" in error.message

    # the link and the TV are still up: the next command is obeyed on the same connection
    await hub.ws.send(wire.encode(wire.PlayVideo(id="tap-1", video_id="goal")))
    await until(lambda: any(s.of == "tap-1" for s in hub.of_type(wire.Started)))
    assert on_air(player) == "goal" and hub.connections == 1


async def test_libmpv_failing_under_a_command_still_ends_the_process(site, hub, data_dir, monkeypatch):
    site()
    started = asyncio.get_running_loop().create_future()
    settings = settings_for(data_dir, hub_url=f"ws://127.0.0.1:{hub.port}/ws")
    task = asyncio.create_task(run_player(settings, stop=asyncio.Event(), started=started))
    player = await asyncio.wait_for(started, 10)
    await until(lambda: hub.ws is not None and on_air(player) == "spot-a")

    def gone(volume: int) -> None:  # injected: what the engine raises when libmpv's core is gone
        raise MpvFailure("libmpv is gone: injected")

    monkeypatch.setattr(player.engine, "set_volume", gone)
    await hub.ws.send(wire.encode(wire.SetVolume(id="v1", volume=40)))
    assert await asyncio.wait_for(task, 10) == 1
    assert not hub.of_type(wire.Error)
