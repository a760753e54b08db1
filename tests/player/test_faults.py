"""Missing, corrupt and undecodable files are skipped, recorded, and the loop goes on."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from player_helpers import errors, on_air, plays, until

from neopro import setup_code
from neopro.contracts import wire
from player.player import SETUP_CODE_POLL_S

pytestmark = pytest.mark.slow


def media_file(cfg, data_dir, video_id):
    return data_dir.media_path(cfg.video(video_id).filename)


async def test_missing_file_is_skipped_and_recorded(site, make_player, data_dir):
    cfg = site()
    media_file(cfg, data_dir, "spot-b").unlink()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    await until(lambda: on_air(player) == "spot-c", timeout=4)  # spot-b skipped
    await player.stop()
    assert [r.media_id for r in plays(data_dir)] == ["spot-a", "spot-c"]
    (err,) = errors(data_dir)
    assert (err.media_id, err.reason) == ("spot-b", "file missing")
    assert err.sha256 == cfg.video("spot-b").sha256 and err.site_id == "site-1"


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda p: p.write_bytes(os.urandom(50_000)), "not a readable video file"),
        (lambda p: p.write_bytes(p.read_bytes()[:2000]), "not a readable video file"),  # header cut short
    ],
    ids=["garbage", "truncated-header"],
)
async def test_corrupt_file_is_skipped_and_recorded(site, make_player, data_dir, damage, words):
    cfg = site()
    damage(media_file(cfg, data_dir, "spot-a"))
    player = await make_player()
    await until(lambda: on_air(player) == "spot-b")  # the loop starts at its first good clip
    await player.stop()
    (err,) = errors(data_dir)
    assert err.media_id == "spot-a" and words in err.reason
    assert all(r.media_id != "spot-a" for r in plays(data_dir))


async def test_file_that_mpv_cannot_open_is_dropped_within_a_second(site, make_player, data_dir):
    """Corrupted after it was checked (same size and mtime): mpv refuses the timeline naming it."""
    cfg = site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    path = media_file(cfg, data_dir, "spot-c")
    st = path.stat()
    path.write_bytes(os.urandom(st.st_size))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    sent = time.monotonic()
    await player.handle(wire.PlayVideo(id="g", video_id="goal"))  # a new timeline: mpv opens spot-c
    await until(lambda: on_air(player) == "goal", timeout=3)
    assert time.monotonic() - sent < 1.0
    await until(lambda: on_air(player) == "spot-a", timeout=4)
    await until(lambda: on_air(player) == "spot-b", timeout=4)
    await until(lambda: on_air(player) == "spot-a", timeout=4)  # spot-c is gone from the loop
    await player.stop()
    (err,) = errors(data_dir)
    assert err.media_id == "spot-c"
    assert "spot-c" in (player.status().last_error or "")


async def test_file_deleted_while_on_air_is_recorded_and_skipped(site, make_player, data_dir):
    cfg = site()
    player = await make_player()
    await until(lambda: on_air(player) == "spot-a")
    media_file(cfg, data_dir, "spot-b").unlink()
    deleted = time.monotonic()
    await until(lambda: errors(data_dir), timeout=2)
    assert time.monotonic() - deleted <= 1.5
    await until(lambda: on_air(player) == "spot-c", timeout=4)  # spot-b skipped at the next seam
    await player.stop()
    assert [r.media_id for r in plays(data_dir)] == ["spot-a", "spot-c"]
    rows = plays(data_dir)
    assert rows[0].completed  # the clip on air was not cut
    (err,) = errors(data_dir)
    assert (err.media_id, err.reason) == ("spot-b", "file deleted while on air")


async def test_nothing_playable_shows_the_idle_screen_not_black(site, make_player, data_dir):
    cfg = site()
    for vid in ("spot-a", "spot-b", "spot-c"):
        media_file(cfg, data_dir, vid).unlink()
    player = await make_player()
    await until(lambda: player.idle and player.engine.mpv.path is not None)
    assert player.engine.mpv.path.endswith("idle.png")
    status = player.status()
    assert status.idle and status.on_air is None
    # a trigger still plays, then the idle screen comes back
    await player.handle(wire.PlayVideo(video_id="goal"))
    await until(lambda: on_air(player) == "goal")
    await until(lambda: player.idle, timeout=4)
    await asyncio.sleep(0.2)
    assert player.engine.mpv.path.endswith("idle.png")
    await player.stop()
    assert [(r.media_id, r.completed) for r in plays(data_dir)] == [("goal", True)]
    assert {e.media_id for e in errors(data_dir)} == {"spot-a", "spot-b", "spot-c"}


async def test_idle_screen_shows_the_hubs_setup_code_while_the_file_exists(site, make_player, data_dir):
    cfg = site()
    for vid in ("spot-a", "spot-b", "spot-c"):
        media_file(cfg, data_dir, vid).unlink()
    player = await make_player()
    await until(lambda: player.idle and player.engine.mpv.path is not None)
    assert player.setup_code is None
    idle_png = data_dir.run_dir / "idle.png"
    without = idle_png.read_bytes()

    code = setup_code.ensure(data_dir)  # what the hub does at its first start
    await until(lambda: player.setup_code == code, timeout=SETUP_CODE_POLL_S + 3)
    await until(lambda: player.engine.mpv.path is not None and player.engine.mpv.path.endswith("idle.png"))
    assert idle_png.read_bytes() != without  # redrawn with the code

    setup_code.remove(data_dir)  # the hub was claimed
    await until(lambda: player.setup_code is None, timeout=SETUP_CODE_POLL_S + 3)
    assert player.idle
