"""Overlays and the idle screen as they appear on a real X display (Xvfb, mpv vo=x11).

The screen is grabbed with ImageMagick's ``import`` and read back with pygame; QR codes are
decoded with ``zbarimg``. The expected score bug is drawn by the same code the player uses
and compared with what the grab shows at the place the configuration puts it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest
from player_helpers import on_air, until, write_config

from neopro import setup_code
from neopro.contracts import wire
from neopro.contracts.site_config import Overlay, ScoreBug
from player.overlays import cards
from player.overlays.render import pygame

pytestmark = [pytest.mark.display, pytest.mark.slow]
SCREEN_W, SCREEN_H = 1280, 720


@pytest.fixture(scope="module")
def xvfb():
    for tool in ("Xvfb", "import", "zbarimg"):
        assert shutil.which(tool), f"{tool} is missing: run scripts/setup.sh dev"
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{SCREEN_W}x{SCREEN_H}x24", "-nolisten", "tcp"],
        pass_fds=(write,), stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write)
    with os.fdopen(read) as f:
        display = ":" + f.readline().strip()  # Xvfb picked a free display number
    yield display
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def on_display(xvfb, monkeypatch):
    monkeypatch.setenv("DISPLAY", xvfb)
    return xvfb


def grab(display: str, dest: Path) -> pygame.Surface:
    subprocess.run(["import", "-display", display, "-window", "root", str(dest)], check=True, timeout=20)
    return pygame.image.load(str(dest))


def rgb(surface: pygame.Surface, x: int, y: int) -> tuple[int, int, int]:
    c = surface.get_at((x, y))
    return (c.r, c.g, c.b)


def close(a, b, tol: int = 24) -> bool:
    return all(abs(p - q) <= tol for p, q in zip(a, b, strict=True))


def pixels_unlike(grabbed: pygame.Surface, expected: pygame.Surface, at: tuple[int, int]) -> int:
    """How many pixels of the grab at ``at`` differ clearly from ``expected``."""
    w, h = expected.get_size()
    crop = grabbed.subsurface(pygame.Rect(at, (w, h)))
    a = pygame.image.tobytes(crop, "RGB")
    flat = crop.copy()  # the bug over what is under it (its rounded corners show the video)
    flat.blit(expected, (0, 0))
    b = pygame.image.tobytes(flat, "RGB")
    return sum(1 for i in range(0, len(a), 3) if max(abs(a[i + k] - b[i + k]) for k in range(3)) > 64)


async def test_score_bug_is_where_the_configuration_puts_it_with_the_right_text(
    on_display, site, make_player, data_dir, tmp_path
):
    style = ScoreBug(position="top_right", offset_x=60, offset_y=50, background="#FF00FFFF",
                     corner_radius=10, score_color="#FFFFFF", team_color="#00FFFF")  # fmt: skip
    cfg = site()
    write_config(data_dir, msgspec.structs.replace(cfg, overlay=Overlay(score=style)))
    player = await make_player(vo="x11", fullscreen=True)
    await until(lambda: on_air(player) == "spot-a")
    match = wire.MatchState(home_name="LYON", away_name="NICE", home_score=2, away_score=1,
                            session=wire.MatchSession(id="m1", started_at=datetime.now(UTC)))  # fmt: skip
    await player.handle(wire.MatchStateUpdate(match=match))
    await asyncio.sleep(0.6)
    assert player.engine.osd_size() == (SCREEN_W, SCREEN_H)
    shot = grab(on_display, tmp_path / "score.png")

    scale = SCREEN_H / 1080
    expected = cards.score_bug(style, match, scale, None)
    w, h = expected.get_size()
    x, y = SCREEN_W - w - round(60 * scale), round(50 * scale)
    magenta = (255, 0, 255)
    assert close(rgb(shot, x + w // 2, y + 2), magenta)  # inside the box, above the text
    assert close(rgb(shot, x + 2, y + h // 2), magenta)
    assert close(rgb(shot, x + w - 3, y + h // 2), magenta)
    assert not close(rgb(shot, x - 4, y + h // 2), magenta)  # just outside: the video
    assert not close(rgb(shot, x + w // 2, y + h + 4), magenta)
    assert not close(rgb(shot, 40, 40), magenta)  # nothing at the default top-left place
    # the text: the grab matches the bug drawn for 2-1 LYON/NICE, not one for 3-1
    other = cards.score_bug(style, msgspec.structs.replace(match, home_score=3), scale, None)
    right, wrong = pixels_unlike(shot, expected, (x, y)), pixels_unlike(shot, other, (x, y))
    assert right < 20 and wrong > 100, (right, wrong)


async def test_blackout_is_black_and_the_picture_comes_back(
    on_display, site, make_player, data_dir, tmp_path
):
    site()
    player = await make_player(vo="x11", fullscreen=True)
    await until(lambda: on_air(player) == "spot-a")
    await player.handle(wire.SetBlackout(on=True))
    await asyncio.sleep(0.4)
    shot = grab(on_display, tmp_path / "black.png")
    for px in [(10, 10), (SCREEN_W // 2, SCREEN_H // 2), (SCREEN_W - 10, SCREEN_H - 10), (300, 200)]:
        assert rgb(shot, *px) == (0, 0, 0)
    await player.handle(wire.SetBlackout(on=False))
    await asyncio.sleep(0.4)
    shot = grab(on_display, tmp_path / "back.png")
    assert close(rgb(shot, 20, SCREEN_H // 2), (0xC6, 0x28, 0x28), tol=40)  # Sponsor A's red


async def test_idle_screen_qr_codes_join_the_wifi_and_open_the_remote(
    on_display, site, make_player, data_dir, tmp_path
):
    cfg = site()
    for vid in ("spot-a", "spot-b", "spot-c"):
        data_dir.media_path(cfg.video(vid).filename).unlink()
    url = "http://10.42.0.1:8080/remote"
    setup_code.ensure(data_dir)  # a hub not set up yet: its code shows too
    player = await make_player(vo="x11", fullscreen=True, remote_url=url, hotspot_password="but-en-or")
    await until(lambda: player.idle and player.engine.mpv.path is not None)
    await asyncio.sleep(0.6)
    path = tmp_path / "idle.png"
    shot = grab(on_display, path)
    assert not close(rgb(shot, SCREEN_W // 2, 30), (0, 0, 0), tol=5)  # not a black screen
    band_y = round((1080 - 125) * SCREEN_H / 1080)  # the setup code's band, scaled to the screen
    assert close(rgb(shot, 10, band_y), (0xFF, 0xD5, 0x4F), tol=12)
    zbar = ["zbarimg", "--raw", "-q", str(path)]
    out = await asyncio.to_thread(subprocess.run, zbar, capture_output=True, text=True, timeout=30)
    decoded = set(out.stdout.split())
    assert url in decoded
    assert "WIFI:T:WPA;S:Neopro-Test;P:but-en-or;;" in decoded


async def test_message_band_and_identify_card_show_and_expire(on_display, site, make_player, tmp_path):
    site()
    player = await make_player(vo="x11", fullscreen=True)
    await until(lambda: on_air(player) == "spot-a")
    await player.handle(wire.ShowMessage(text="Buvette ouverte", seconds=1.5))
    await player.handle(wire.Identify(seconds=1.5))
    await asyncio.sleep(0.5)
    assert player.overlays.active() == ["message", "identify"]
    shot = grab(on_display, tmp_path / "cards.png")
    assert close(rgb(shot, SCREEN_W // 2, SCREEN_H // 2), (0x0D, 0x1B, 0x2A), tol=12)  # the identify card
    band_y = SCREEN_H - round(40 * SCREEN_H / 1080) - 4  # the message band's lower edge
    assert close(rgb(shot, 6, band_y), (0, 0, 0), tol=60)  # black band at 75 % over the video
    assert player.status().message == "Buvette ouverte"
    await until(lambda: player.overlays.active() == [], timeout=4)
    await until(lambda: player.status().message == "")
