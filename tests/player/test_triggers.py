"""A trigger cuts in and the loop comes back; proof-of-play rows match what was on air."""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import time
from datetime import timedelta

import pytest
from player_helpers import CLIPS, on_air, plays, until

from neopro import clock, proof_chain
from neopro.contracts import ProofOfPlay, Trigger, wire
from player.overlays.render import pygame

pytestmark = pytest.mark.slow
TOL = 0.2


def summary(rows: list[ProofOfPlay]) -> list[tuple[str, bool, str | None]]:
    return [(r.media_id, r.completed, r.interrupted_by) for r in rows]


async def test_goal_clip_cuts_in_and_loop_resumes_at_the_interrupted_sponsor(site, make_player, data_dir):
    site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-b", timeout=6)
    await asyncio.sleep(0.6)
    reply = await player.handle(
        wire.PlayVideo(id="goal-1", video_id="goal"), arrival_ns := time.monotonic_ns()
    )
    assert reply is None  # a play is confirmed by `started`, not an ack
    await until(lambda: on_air(player) == "goal")
    # the clip's timeline holds only the way back (mpv opens every file of a timeline before
    # its first frame); the rest of the loop is loaded when the interrupted sponsor ends
    assert player.timeline is not None
    assert [s.video.id for s in player.timeline.segments] == ["goal", "spot-b"]
    await until(lambda: on_air(player) == "spot-b", timeout=4)  # the interrupted sponsor, from its start
    await until(lambda: on_air(player) == "spot-c", timeout=4)
    await player.stop()

    rows = plays(data_dir)
    assert summary(rows) == [
        ("spot-a", True, None),
        ("spot-b", False, "trigger"),
        ("goal", True, None),
        ("spot-b", True, None),
        ("spot-c", False, "shutdown"),
    ]
    a, b1, goal, b2, _ = rows
    assert abs(a.seconds_on_screen - CLIPS["spot-a"][2]) <= TOL
    assert abs(b1.seconds_on_screen - (arrival_ns - b1.started_mono_ns) / 1e9) <= TOL
    assert abs(goal.seconds_on_screen - CLIPS["goal"][2]) <= TOL
    assert abs(b2.seconds_on_screen - CLIPS["spot-b"][2]) <= TOL
    assert goal.trigger == Trigger.REMOTE and goal.category_id == "goal" and a.trigger == Trigger.LOOP
    assert a.sponsor_id == "sponsor-a" and a.site_id == "site-1" and goal.sponsor_id is None
    # wall-clock and monotonic times agree with the order things were on screen
    mono = [r.started_mono_ns for r in rows]
    assert mono == sorted(mono)
    for r in rows:
        assert r.ended_at is not None and r.ended_at >= r.started_at and len(r.event_id) == 32
    assert len({r.event_id for r in rows}) == len(rows)
    # each closed row carries the device's next seq and the previous row's hash (the chain
    # the cloud checks to tell a sponsor the count is complete)
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == proof_chain.GENESIS
    for prev, row in itertools.pairwise(rows):
        assert row.prev_hash == proof_chain.event_hash(prev)
    # the command was answered with `started` at the clip's first frame
    (cmd, arrived, shown) = player.latencies[0]
    assert cmd == "goal-1" and arrived == arrival_ns and shown == goal.started_mono_ns


async def test_wall_clock_step_back_during_a_clip_never_ends_a_play_before_it_started(
    site, make_player, data_dir, monkeypatch
):
    site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    # The system clock cannot be stepped on a shared test machine: the wall-clock reading
    # (neopro.clock.utcnow, the boundary NTP would move) is stepped back an hour instead.
    real_utcnow = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: real_utcnow() - timedelta(hours=1))
    await until(lambda: on_air(player) == "spot-b", timeout=4)
    await player.stop()

    a = plays(data_dir)[0]
    assert a.media_id == "spot-a" and a.completed
    assert a.ended_at is not None and a.ended_at >= a.started_at
    on_screen = (a.ended_at - a.started_at).total_seconds()
    assert on_screen == pytest.approx((a.ended_mono_ns - a.started_mono_ns) / 1e9, abs=1e-5)
    assert abs(on_screen - CLIPS["spot-a"][2]) <= TOL


async def test_resume_next_goes_on_with_the_following_sponsor(site, make_player, data_dir):
    site(resume="next")
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    await asyncio.sleep(0.5)
    await player.handle(wire.PlayVideo(category_id="goal"))
    await until(lambda: on_air(player) == "goal")
    await until(lambda: on_air(player) not in ("goal", None), timeout=4)
    assert on_air(player) == "spot-b"
    await player.stop()
    assert summary(plays(data_dir))[:3] == [
        ("spot-a", False, "trigger"),
        ("goal", True, None),
        ("spot-b", False, "shutdown"),
    ]


async def test_trigger_during_trigger_replaces_it(site, make_player, data_dir):
    site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    await player.handle(wire.PlayVideo(video_id="goal"))
    await until(lambda: on_air(player) == "goal")
    await asyncio.sleep(0.5)
    await player.handle(wire.PlayVideo(video_id="timeout"))
    await until(lambda: on_air(player) == "timeout")
    await until(lambda: on_air(player) == "spot-a", timeout=4)
    await player.stop()
    rows = plays(data_dir)
    assert summary(rows) == [
        ("spot-a", False, "trigger"),
        ("goal", False, "trigger"),
        ("timeout", True, None),
        ("spot-a", False, "shutdown"),
    ]
    assert abs(rows[2].seconds_on_screen - CLIPS["timeout"][2]) <= TOL


async def test_trigger_during_trigger_queues_after_it_when_configured(site, make_player, data_dir):
    site(trigger_during_trigger="queue")
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    await player.handle(wire.PlayVideo(video_id="goal"))
    await until(lambda: on_air(player) == "goal")
    await asyncio.sleep(0.5)
    await player.handle(wire.PlayVideo(video_id="timeout"))
    await until(lambda: on_air(player) == "timeout", timeout=4)
    await until(lambda: on_air(player) == "spot-a", timeout=4)
    await player.stop()
    rows = plays(data_dir)
    assert summary(rows) == [
        ("spot-a", False, "trigger"),
        ("goal", True, None),  # one row: the queue did not cut the goal clip
        ("timeout", True, None),
        ("spot-a", False, "shutdown"),
    ]
    assert abs(rows[1].seconds_on_screen - CLIPS["goal"][2]) <= TOL
    assert abs(rows[2].seconds_on_screen - CLIPS["timeout"][2]) <= TOL


async def test_unknown_video_is_refused_with_its_reason(site, make_player):
    site()
    player = await make_player()
    reply = await player.handle(wire.PlayVideo(id="x", video_id="nope"))
    assert isinstance(reply, wire.Error) and reply.of == "x" and reply.code == "not_found"
    assert "nope" in reply.message and reply.field == "$.video_id"


async def test_second_tap_while_the_first_clip_loads_keeps_the_way_back(site, make_player, data_dir):
    site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-b", timeout=6)
    await player.handle(wire.PlayVideo(video_id="goal"))
    await player.handle(wire.PlayVideo(video_id="timeout"))  # before the goal's first frame
    await until(lambda: on_air(player) == "timeout")
    await until(lambda: on_air(player) == "spot-b", timeout=4)  # still the interrupted sponsor
    await player.stop()
    assert [r.media_id for r in plays(data_dir)] == ["spot-a", "spot-b", "timeout", "spot-b"]


async def test_a_screenshot_is_a_small_jpeg_of_the_clip_on_air(site, make_player):
    site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-b", timeout=6)
    shot = await player.handle(wire.TakeScreenshot(id="s1"))
    assert isinstance(shot, wire.Screenshot) and shot.of == "s1", shot
    assert (shot.width, shot.height) == (640, 360)
    jpeg = base64.b64decode(shot.jpeg_base64)
    assert jpeg[:2] == b"\xff\xd8"  # a JPEG
    picture = pygame.image.load(io.BytesIO(jpeg), "shot.jpg")
    assert picture.get_size() == (640, 360)
    r, g, b, _ = picture.get_at((20, 20))  # the corner of "Sponsor B": its colour, 0x2E7D32
    assert abs(r - 0x2E) < 30 and abs(g - 0x7D) < 30 and abs(b - 0x32) < 30, (r, g, b)

    await player.handle(wire.SetBlackout(on=True))
    refused = await player.handle(wire.TakeScreenshot(id="s2"))
    assert isinstance(refused, wire.Error) and refused.of == "s2" and "blacked out" in refused.message
    await player.stop()


async def test_a_screenshot_of_the_idle_screen_shows_it(make_player):
    player = await make_player()  # no configuration: the idle/pairing screen
    assert player.idle

    await until(lambda: player.engine is not None and player.engine.mpv.width is not None, timeout=5)
    answer = await player.handle(wire.TakeScreenshot(id="idle"))
    assert isinstance(answer, wire.Screenshot), answer
    picture = pygame.image.load(io.BytesIO(base64.b64decode(answer.jpeg_base64)), "idle.jpg")
    assert picture.get_size() == (answer.width, answer.height) and answer.width <= 640
    await player.stop()
