"""The hub relays phone commands to the player and the truth back to every phone."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from neopro.contracts import Phase, wire
from remote_web.keys import DB, HUB
from remote_web.match import MatchStore

from .conftest import JPEG_STAND_IN, Phone, start_hub


@pytest.fixture
async def phone(hub):
    http = await hub.login("operator")
    ws = await http.ws_connect("/ws")
    yield Phone(ws)
    await ws.close()
    await http.close()


async def test_a_phone_gets_the_whole_state_when_it_connects(hub, phone):
    first = await phone.next()
    assert isinstance(first, wire.State)
    assert first.player_connected is False
    assert first.match == wire.MatchState()


async def test_goal_tap_reaches_the_player_and_started_comes_back_with_the_phones_id(
    hub, phone, stand_in_player
):
    await phone.until(lambda m: isinstance(m, wire.State) and m.player_connected)
    await phone.send(wire.PlayVideo(id="tap-1", category_id="goal"))
    ack = await phone.until(lambda m: isinstance(m, wire.Ack))
    assert ack.of == "tap-1"
    sent = await stand_in_player.wait_for(wire.PlayVideo)
    assert sent.category_id == "goal" and sent.id != "tap-1"  # the hub's own id towards the player
    started = await phone.until(lambda m: isinstance(m, wire.Started))
    assert started.of == "tap-1" and started.video_id == "goal"
    state = await phone.until(lambda m: isinstance(m, wire.State) and m.player.on_air is not None)
    assert state.player.on_air.category_id == "goal"


async def test_other_phones_see_the_clip_start_without_someone_elses_id(hub, phone, stand_in_player):
    other_http = await hub.login("operator")
    other = Phone(await other_http.ws_connect("/ws"))
    try:
        await other.next()
        await phone.send(wire.PlayVideo(id="mine", video_id="timeout"))
        started = await other.until(lambda m: isinstance(m, wire.Started))
        assert started.of is None and started.video_id == "timeout"
    finally:
        await other.ws.close()
        await other_http.close()


async def test_a_player_command_while_the_tv_is_away_says_player_offline(hub, phone):
    await phone.next()
    await phone.send(wire.SetVolume(id="v1", volume=40))
    error = await phone.next()
    assert isinstance(error, wire.Error)
    assert (error.code, error.of) == ("player_offline", "v1")


async def test_score_change_is_sent_to_the_player_and_to_every_phone(hub, phone, stand_in_player):
    other_http = await hub.login("operator")
    other = Phone(await other_http.ws_connect("/ws"))
    try:
        await other.next()
        await phone.send(wire.ScoreChange(id="s1", team="home", delta=1))
        seen = await other.until(lambda m: isinstance(m, wire.State) and m.match.home_score == 1)
        assert seen.match.away_score == 0
        update = None
        for _ in range(50):
            update = next(
                (m for m in reversed(stand_in_player.received) if isinstance(m, wire.MatchStateUpdate)), None
            )
            if update and update.match.home_score == 1:
                break
            await asyncio.sleep(0.05)
        assert update is not None and update.match.home_score == 1
    finally:
        await other.ws.close()
        await other_http.close()


async def test_two_phones_tapping_plus_one_at_once_make_plus_two(hub, phone):
    other_http = await hub.login("operator")
    other = Phone(await other_http.ws_connect("/ws"))
    try:
        await phone.next()
        await other.next()
        await asyncio.gather(*(p.send(wire.ScoreChange(team="away", delta=1)) for p in (phone, other)))
        for p in (phone, other):
            await p.until(lambda m: isinstance(m, wire.State) and m.match.away_score == 2)
    finally:
        await other.ws.close()
        await other_http.close()


async def test_phase_is_match_state_even_while_the_tv_is_away(hub, phone):
    await phone.next()
    await phone.send(wire.SetPhase(id="p", phase=Phase.HALF_TIME))
    state = await phone.until(lambda m: isinstance(m, wire.State))
    assert state.match.phase == Phase.HALF_TIME
    ack = await phone.until(lambda m: isinstance(m, wire.Ack))
    assert ack.of == "p"


async def test_match_state_survives_a_hub_restart(hub, phone, hub_settings):
    await phone.next()
    for m in (
        wire.SetTeams(home="AS Neopro", away="FC Voisins"),
        wire.MatchStart(opponent="FC Voisins", competition="Coupe", audience_estimate=120),
        wire.ScoreChange(team="home", delta=2),
        wire.ScoreChange(team="away", delta=1),
        wire.SetPhase(phase=Phase.DURING),
        wire.MatchUpdate(audience_estimate=150),
    ):
        await phone.send(m)
        await phone.until(lambda r: isinstance(r, wire.Ack))
    before = hub.app[HUB].match
    await hub.runner.cleanup()

    again = await start_hub(hub_settings)
    try:
        http = await again.login("operator")
        ws = await http.ws_connect("/ws")
        state = await Phone(ws).next()
        assert state.match == before
        assert (state.match.home_score, state.match.away_score, state.match.phase) == (2, 1, Phase.DURING)
        assert state.match.session is not None
        assert (state.match.session.opponent, state.match.session.audience_estimate) == ("FC Voisins", 150)
        await ws.close()
        await http.close()
    finally:
        await again.runner.cleanup()


async def test_ending_a_match_keeps_it_in_the_history_with_its_final_score(hub, phone):
    await phone.next()
    for m in (wire.MatchStart(opponent="Rivals"), wire.ScoreChange(team="home", delta=3), wire.MatchEnd()):
        await phone.send(m)
        await phone.until(lambda r: isinstance(r, wire.Ack))
    history = await MatchStore(hub.app[DB]).history()
    assert len(history) == 1
    row = history[0]
    assert (row["opponent"], row["home_score"], row["away_name"]) == ("Rivals", 3, "Rivals")
    assert row["ended_at"] is not None


async def test_a_second_player_connection_replaces_the_first(hub, stand_in_player):
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(hub.ws_url)
        token = hub.settings.data_dir.player_token()
        await ws.send_bytes(wire.encode(wire.Hello(role="player", token=token)))
        assert isinstance(wire.to_player_codec.decode((await ws.receive(timeout=5)).data), wire.Ack)
        for _ in range(50):
            if stand_in_player.ws.closed:
                break
            await asyncio.sleep(0.05)
        assert stand_in_player.ws.closed
        assert stand_in_player.ws.close_code == 4409
        await ws.close()


async def test_the_agent_reads_the_state_and_asks_only_for_a_reload_a_clip_or_the_volume(
    hub, stand_in_player
):
    async with aiohttp.ClientSession() as session:
        agent = await session.ws_connect(hub.ws_url)
        token = hub.settings.data_dir.player_token()
        await agent.send_bytes(wire.encode(wire.Hello(role="agent", token=token, client="neopro-agent")))
        hello_ack = wire.to_phone_codec.decode((await agent.receive(timeout=5)).data)
        assert isinstance(hello_ack, wire.Ack)
        state = wire.to_phone_codec.decode((await agent.receive(timeout=5)).data)
        assert isinstance(state, wire.State) and state.player_connected

        async def reply_to(of: str, kind: type) -> wire.Message:
            while True:
                reply = wire.any_codec.decode((await agent.receive(timeout=5)).data)
                if isinstance(reply, kind | wire.Error) and getattr(reply, "of", None) == of:
                    return reply

        await agent.send_bytes(wire.encode(wire.ReloadConfig(id="r1")))
        assert isinstance(await stand_in_player.wait_for(wire.ReloadConfig), wire.ReloadConfig)
        assert isinstance(await reply_to("r1", wire.Ack), wire.Ack)
        # the cloud's "play a clip now": relayed, and the player's `started` comes back to the agent
        await agent.send_bytes(wire.encode(wire.PlayVideo(id="p1", video_id="goal", trigger="cloud")))
        played = await stand_in_player.wait_for(wire.PlayVideo)
        assert played.video_id == "goal" and played.trigger == "cloud"
        started = await reply_to("p1", wire.Started)
        assert isinstance(started, wire.Started) and started.video_id == "goal"
        await agent.send_bytes(wire.encode(wire.SetVolume(id="v1", volume=40)))
        assert isinstance(await reply_to("v1", wire.Ack), wire.Ack)
        assert (await stand_in_player.wait_for(wire.SetVolume)).volume == 40
        # the cloud's screenshot: the player's picture comes back to the agent
        await agent.send_bytes(wire.encode(wire.TakeScreenshot(id="x1")))
        shot = await reply_to("x1", wire.Screenshot)
        assert isinstance(shot, wire.Screenshot) and shot.jpeg_base64 == JPEG_STAND_IN
        # match changes stay the phones' business
        updates = sum(isinstance(m, wire.MatchStateUpdate) for m in stand_in_player.received)
        await agent.send_bytes(wire.encode(wire.ScoreChange(id="s1", team="home", delta=1)))
        refused = await reply_to("s1", wire.Ack)
        assert isinstance(refused, wire.Error) and refused.code == "forbidden"
        assert sum(isinstance(m, wire.MatchStateUpdate) for m in stand_in_player.received) == updates
        await agent.close()


async def test_a_phone_cannot_pass_itself_off_as_the_agent(hub):
    http = await hub.login("operator")
    phone = Phone(await http.ws_connect("/ws"))
    await phone.next()
    await phone.send(wire.Hello(role="agent", id="h"))
    error = await phone.until(lambda m: isinstance(m, wire.Error))
    assert (error.code, error.of) == ("forbidden", "h")
    await http.close()


async def test_updating_a_match_that_has_not_started_says_so(hub, phone):
    await phone.next()
    await phone.send(wire.MatchUpdate(id="u", audience_estimate=10))
    error = await phone.next()
    assert isinstance(error, wire.Error) and (error.code, error.of) == ("bad_message", "u")
    assert "start one first" in error.message
