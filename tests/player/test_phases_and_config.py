"""Phase changes, new and invalid configurations, blackout, pause, volume."""

from __future__ import annotations

import asyncio
import json

import msgspec
import pytest
from player_helpers import on_air, plays, until, write_config

from neopro.contracts import LoopSlot, Phase, wire

pytestmark = pytest.mark.slow


def summary(rows):
    return [(r.media_id, r.phase, r.completed, r.interrupted_by) for r in rows]


async def test_phase_change_now_switches_loops_at_once(site, make_player, data_dir):
    site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    await asyncio.sleep(0.4)
    await player.handle(wire.SetPhase(phase=Phase.DURING, when="now"))
    await until(lambda: on_air(player) == "spot-c")  # the first clip of the "during" loop
    await until(lambda: on_air(player) == "spot-b", timeout=4)
    await player.stop()
    assert summary(plays(data_dir)) == [
        ("spot-a", Phase.NEUTRAL, False, "phase"),
        ("spot-c", Phase.DURING, True, None),
        ("spot-b", Phase.DURING, False, "shutdown"),
    ]


async def test_phase_change_at_end_of_clip_lets_the_sponsor_finish(site, make_player, data_dir):
    site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    await asyncio.sleep(0.4)
    await player.handle(wire.SetPhase(phase=Phase.DURING, when="end_of_clip"))
    assert on_air(player) == "spot-a"
    await until(lambda: on_air(player) == "spot-c", timeout=4)
    await player.stop()
    rows = plays(data_dir)
    assert [(r.media_id, r.completed) for r in rows] == [("spot-a", True), ("spot-c", False)]
    assert abs(rows[0].seconds_on_screen - 2.0) <= 0.2
    assert rows[1].phase == Phase.DURING


async def test_new_configuration_is_taken_without_cutting_the_clip_on_air(site, make_player, data_dir):
    cfg = site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    reordered = msgspec.structs.replace(
        cfg, version=2, loops={Phase.NEUTRAL: [LoopSlot(video="spot-c"), LoopSlot(video="spot-a")]}
    )
    write_config(data_dir, reordered)
    assert await player.reload_config() is None
    assert on_air(player) == "spot-a"  # not interrupted
    await until(lambda: on_air(player) == "spot-c", timeout=4)  # what follows spot-a in the new loop
    await player.stop()
    rows = plays(data_dir)
    assert [(r.media_id, r.completed) for r in rows] == [("spot-a", True), ("spot-c", False)]
    assert player.status().config_version == 2
    assert json.loads(data_dir.last_good_config.read_bytes())["version"] == 2


async def test_invalid_configuration_is_refused_with_its_reason_and_last_good_kept(
    site, make_player, data_dir
):
    site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    good = data_dir.last_good_config.read_bytes()
    doc = json.loads(data_dir.current_config.read_bytes())
    doc["loops"]["neutral"].append({"video": "ghost"})
    data_dir.current_config.write_text(json.dumps(doc))

    reply = await player.handle(wire.ReloadConfig(id="r1"))
    assert isinstance(reply, wire.Error) and reply.of == "r1"
    assert "$.loops.neutral[3]" in reply.message and "ghost" in reply.message
    assert "ghost" in (player.status().last_error or "")
    assert data_dir.last_good_config.read_bytes() == good
    await until(lambda: on_air(player) == "spot-b", timeout=4)  # the loop plays on

    # a restart with the invalid document still on disk falls back to the last good one
    await player.stop()
    again = await make_player()
    await until(lambda: on_air(again) == "spot-a")
    assert "ghost" in (again.status().last_error or "")


async def test_blackout_stops_proof_of_play_until_the_picture_returns(site, make_player, data_dir):
    site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    await asyncio.sleep(0.5)
    await player.handle(wire.SetBlackout(on=True))
    assert player.status().blackout and player.status().on_air is None
    await asyncio.sleep(2.5)  # longer than a clip: nothing may be recorded meanwhile
    assert [r.media_id for r in plays(data_dir)] == ["spot-a"]
    await player.handle(wire.SetBlackout(on=False))
    await until(lambda: len(plays(data_dir)) == 2)
    await until(lambda: on_air(player) == "spot-b", timeout=4)
    await player.stop()
    rows = plays(data_dir)
    assert [(r.media_id, r.completed, r.interrupted_by) for r in rows][:2] == [
        ("spot-a", False, "blackout"),
        ("spot-a", True, None),  # played again, whole, after the blackout
    ]
    assert abs(rows[0].seconds_on_screen - 0.5) <= 0.2
    assert abs(rows[1].seconds_on_screen - 2.0) <= 0.2


async def test_pause_resume_volume_and_mute_reach_mpv(site, make_player, data_dir):
    site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    assert isinstance(await player.handle(wire.Pause(id="p")), wire.Ack)
    pos = player.engine.mpv.time_pos
    await asyncio.sleep(0.5)
    assert player.engine.mpv.pause is True and abs(player.engine.mpv.time_pos - pos) < 0.05
    await player.handle(wire.Resume())
    await player.handle(wire.SetVolume(volume=35))
    await player.handle(wire.SetMute(muted=True))
    await asyncio.sleep(0.3)
    assert player.engine.mpv.pause is False and player.engine.mpv.time_pos > pos
    assert player.engine.mpv.volume == 35 and player.engine.mpv.mute is True
    status = player.status()
    assert (status.volume, status.muted, status.paused) == (35, True, False)
    assert (
        status.on_air is not None
        and status.on_air.video_id == "spot-a"
        and status.on_air.sponsor_id == "sponsor-a"
    )
    # a trigger while paused plays: the tap means "now"
    await player.handle(wire.Pause())
    await player.handle(wire.PlayVideo(video_id="goal"))
    await until(lambda: on_air(player) == "goal")
    start = player.engine.mpv.time_pos
    await asyncio.sleep(0.3)
    assert player.engine.mpv.time_pos > start and not player.status().paused


async def test_back_to_loop_cuts_the_trigger_and_returns_to_the_sponsor(site, make_player, data_dir):
    site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    await player.handle(wire.PlayVideo(video_id="goal"))
    await until(lambda: on_air(player) == "goal")
    await player.handle(wire.BackToLoop())
    await until(lambda: on_air(player) == "spot-a")
    await player.stop()
    assert [(r.media_id, r.interrupted_by) for r in plays(data_dir)] == [
        ("spot-a", "trigger"),
        ("goal", "back_to_loop"),
        ("spot-a", "shutdown"),
    ]
