"""pygame, offscreen: fonts, colours, and surfaces turned into what mpv's overlay-add reads."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from neopro.datadir import atomic_write
from neopro.media.samples import FONT_CANDIDATES

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # never a window: mpv owns the screen
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # (after the SDL drivers above are chosen)

REGULAR_FONTS = tuple(f.replace("-Bold", "") for f in FONT_CANDIDATES)


@cache
def _init() -> None:
    pygame.font.init()


@cache
def font(size: int, *, bold: bool = True) -> pygame.font.Font:
    _init()
    candidates = FONT_CANDIDATES if bold else REGULAR_FONTS
    path = next((f for f in candidates if Path(f).exists()), None)
    return pygame.font.Font(path, max(6, size))


def color(text: str) -> pygame.Color:
    """``#RRGGBB`` or ``#RRGGBBAA`` (the configuration's colours)."""
    raw = text.lstrip("#")
    r, g, b = int(raw[0:2], 16), int(raw[2:4], 16), int(raw[4:6], 16)
    a = int(raw[6:8], 16) if len(raw) == 8 else 255
    return pygame.Color(r, g, b, a)


def surface(width: int, height: int) -> pygame.Surface:
    _init()
    return pygame.Surface((max(1, width), max(1, height)), pygame.SRCALPHA)


def bgra_premultiplied(surf: pygame.Surface) -> bytes:
    """What ``overlay-add`` with fmt=bgra expects: B,G,R,A bytes, colour already times alpha."""
    return pygame.image.tobytes(surf.premul_alpha(), "BGRA")


def write_bgra(surf: pygame.Surface, path: Path) -> None:
    # mpv copies the file during overlay-add; the atomic replace just keeps a reader from
    # ever seeing half a bitmap.
    atomic_write(path, bgra_premultiplied(surf))


def save_png(surf: pygame.Surface, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.png")
    pygame.image.save(surf, str(tmp))
    os.replace(tmp, path)
