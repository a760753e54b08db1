"""The player's pure parts: timelines, hardware decode choice, settings, systemd notify."""

from __future__ import annotations

from pathlib import Path

import pytest

from neopro.contracts import Phase, Video
from neopro.datadir import DataDir
from player import PlayerSettings
from player.hwdec import Board, detect_board, hwdec_for
from player.timeline import MAX_SEGMENTS, Segment, Timeline, loop_segments


def video(vid: str, seconds: float = 10.0) -> Video:
    return Video(id=vid, title=vid, sha256=vid[0] * 64, duration_s=seconds)


def test_edl_quotes_every_path_by_its_byte_length():
    seg = Segment(video=video("a"), path=Path("/m/é;x,y.mp4"))
    assert Timeline((seg,), Phase.NEUTRAL).edl() == "edl://%13%/m/é;x,y.mp4"  # é is two bytes


def test_loop_repeats_until_it_lasts_long_enough_and_skips_unplayable_slots():
    loop = [(video("a"), Path("/a")), (video("b"), None), (video("c"), Path("/c"))]
    segs = loop_segments(loop, from_slot=1, min_seconds=45)
    assert [s.slot for s in segs] == [2, 0, 2, 0, 2]  # slot 1 is skipped but keeps its number
    assert all(not s.triggered for s in segs)
    assert loop_segments([(video("a"), None)], from_slot=0, min_seconds=10) == []
    many = loop_segments([(video("a", 1), Path("/a"))], from_slot=0, min_seconds=10**6)
    assert len(many) == MAX_SEGMENTS


@pytest.mark.parametrize(
    ("codec", "board", "expected"),
    [
        ("h264", Board.PI4, "v4l2m2m-copy"),
        ("hevc", Board.PI4, "drm-copy"),
        ("hevc", Board.PI5, "drm-copy"),
        ("h264", Board.PI5, "no"),  # a Pi 5 has no H.264 block mpv can use
        ("h264", Board.GENERIC, "no"),
        ("vp9", Board.PI4, "no"),
    ],
)
def test_hardware_decode_is_chosen_per_codec_and_board(codec, board, expected):
    assert hwdec_for(codec, board) == expected
    assert hwdec_for(codec, board, "vaapi") == "vaapi"  # an explicit setting wins


def test_board_is_read_from_the_device_tree(tmp_path):
    model = tmp_path / "model"
    model.write_bytes(b"Raspberry Pi 4 Model B Rev 1.4\0")
    assert detect_board(model) is Board.PI4
    model.write_bytes(b"Raspberry Pi 5 Model B Rev 1.0\0")
    assert detect_board(model) is Board.PI5
    assert detect_board(tmp_path / "absent") is Board.GENERIC


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("NEOPRO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NEOPRO_HUB_URL", "ws://hub:1/ws")
    monkeypatch.setenv("NEOPRO_PLAYER_MPV_OPTIONS", "dump-stats=/tmp/s.txt, volume-max=100")
    s = PlayerSettings.from_env()
    assert s.data_dir == DataDir(tmp_path) and s.hub_url == "ws://hub:1/ws"
    assert (s.vo, s.ao, s.headless) == ("null", "null", True)  # no display: headless
    assert s.mpv_options == {"dump-stats": "/tmp/s.txt", "volume-max": "100"}
    monkeypatch.setenv("DISPLAY", ":5")
    monkeypatch.setenv("NEOPRO_PLAYER_HWDEC", "no")
    s = PlayerSettings.from_env()
    assert (s.vo, s.ao, s.hwdec) == ("gpu", "auto", "no")


def test_idle_screen_draws_the_hubs_setup_code_big_at_the_bottom(tmp_path):
    from player.overlays.idle_screen import HEIGHT, render_idle_screen
    from player.overlays.render import pygame

    settings = PlayerSettings(data_dir=DataDir(tmp_path), hub_url="ws://127.0.0.1:9/ws")

    def rendered(code: str | None) -> pygame.Surface:
        path = tmp_path / f"idle-{code}.png"  # kept with the test's files: look at them
        render_idle_screen(None, settings, path, setup_code=code)
        return pygame.image.load(str(path))

    plain, with_code, other_code = rendered(None), rendered("123456"), rendered("987650")
    # the code's band across the bottom: light, with dark digits on it
    band = [with_code.get_at((x, HEIGHT - 125))[:3] for x in range(0, 1920, 4)]
    assert band.count((0xFF, 0xD5, 0x4F)) > len(band) // 2
    assert any(sum(c) < 200 for c in band), "no dark text on the band"
    assert plain.get_at((10, HEIGHT - 125))[:3] == (0x0D, 0x1B, 0x2A)  # no band without a code

    def text_pixels(surf: pygame.Surface) -> bytes:
        return pygame.image.tobytes(surf.subsurface((0, HEIGHT - 210, 1920, 170)), "RGB")

    assert text_pixels(with_code) != text_pixels(other_code)  # the digits themselves are drawn
