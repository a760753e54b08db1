"""Which overlays are on the TV, and keeping them there (mpv ``overlay-add``, ids 0-63).

Overlays are in screen pixels (``osd-dimensions``), so every picture is redrawn when the
screen size changes. Higher ids are drawn on top: the blackout covers everything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from neopro.contracts import SiteConfig
from neopro.contracts.site_config import Overlay
from neopro.contracts.wire import MatchState

from ..engine import Engine
from . import cards
from .render import pygame, write_bgra

log = logging.getLogger(__name__)

SCORE_ID, MESSAGE_ID, IDENTIFY_ID, BLACKOUT_ID = 1, 2, 3, 63


class OverlayManager:
    def __init__(self, engine: Engine, run_dir: Path, config: Callable[[], SiteConfig | None]) -> None:
        self.engine = engine
        self.run_dir = run_dir
        self._config = config
        self.match: MatchState | None = None
        self.message = ""
        self._message_until: float | None = None
        self._identify_until: float | None = None
        self.blackout = False
        self._shown: dict[int, tuple] = {}  # id -> what was drawn (skip identical redraws)
        self._size: tuple[int, int] | None = None

    # -- what the player asks for --------------------------------------------------------
    def set_match(self, match: MatchState) -> None:
        self.match = match
        self.refresh()

    def show_message(self, text: str, seconds: float | None) -> None:
        self.message = text
        self._message_until = time.monotonic() + seconds if (text and seconds) else None
        self.refresh()

    def identify(self, seconds: float) -> None:
        self._identify_until = time.monotonic() + seconds
        self.refresh()

    def set_blackout(self, on: bool) -> None:
        self.blackout = on
        self.refresh()

    def tick(self) -> bool:
        """Expire timed overlays, move the match clock; True when what is shown changed."""
        now = time.monotonic()
        before = self.active()
        if self._message_until is not None and now >= self._message_until:
            self.message, self._message_until = "", None
        if self._identify_until is not None and now >= self._identify_until:
            self._identify_until = None
        self.refresh()
        return self.active() != before

    def active(self) -> list[str]:
        names = {SCORE_ID: "score", MESSAGE_ID: "message", IDENTIFY_ID: "identify", BLACKOUT_ID: "blackout"}
        return [names[i] for i in sorted(self._shown) if i in names]

    # -- drawing ------------------------------------------------------------------------
    def refresh(self) -> None:
        try:
            if self._refresh():
                self.engine.redraw_if_paused()
        except Exception:  # an overlay must never stop the picture
            log.exception("overlay refresh failed")

    def _refresh(self) -> bool:
        """Draw what changed; True when something did."""
        before = dict(self._shown)
        size = self.engine.osd_size()
        if size != self._size:
            self._size, self._shown = size, {}
        width, height = size
        scale = height / 1080
        cfg = self._config()
        style = cfg.overlay if cfg else Overlay()

        bug = style.score
        match = self.match
        session = match.session if match else None
        live = bool(match and bug.enabled and session is not None and session.ended_at is None)
        clock_text = None
        if live and bug.show_clock and session is not None:
            elapsed = max(0, int(time.time() - session.started_at.timestamp()))
            clock_text = f"{elapsed // 60:02d}:{elapsed % 60:02d}"
        key = None
        if live and match is not None:
            key = (bug, match.home_name, match.away_name, match.home_score, match.away_score, clock_text)
        self._place(SCORE_ID, key, lambda: self._score_bug_at(style, scale, width, height, clock_text))

        key = (self.message, style.message_color, style.message_background) if self.message else None
        band = lambda: cards.message_band(self.message, style, width, scale)  # noqa: E731
        self._place(MESSAGE_ID, key, lambda: self._bottom(band(), height))

        if self._identify_until is not None and cfg is not None:
            key = ("identify", cfg.site.club_name, cfg.site.site_name)
            detail = f"site {cfg.site.id or 'not enrolled'} · config v{cfg.version}"
            card = cards.identify_card(cfg.site.club_name, cfg.site.site_name, detail, scale)
            at = ((width - card.get_width()) // 2, (height - card.get_height()) // 2)
            self._place(IDENTIFY_ID, key, lambda: (card, at))
        else:
            self._place(IDENTIFY_ID, None, lambda: None)

        black = ("black",) if self.blackout else None
        self._place(BLACKOUT_ID, black, lambda: (cards.black(width, height), (0, 0)))
        return self._shown != before

    def _score_bug_at(self, style: Overlay, scale: float, width: int, height: int, clock_text: str | None):
        assert self.match is not None
        bug = style.score
        surf = cards.score_bug(bug, self.match, scale, clock_text)
        ox, oy = round(bug.offset_x * scale), round(bug.offset_y * scale)
        x = ox if bug.position.endswith("left") else width - surf.get_width() - ox
        y = oy if bug.position.startswith("top") else height - surf.get_height() - oy
        return surf, (x, y)

    @staticmethod
    def _bottom(surf: pygame.Surface, height: int):
        return surf, (0, height - surf.get_height() - round(40 * height / 1080))

    def _place(self, overlay_id: int, key: tuple | None, draw: Callable) -> None:
        if key is None:
            if self._shown.pop(overlay_id, None) is not None:
                self.engine.overlay_remove(overlay_id)
            return
        if self._shown.get(overlay_id) == key:
            return
        surf, (x, y) = draw()
        path = self.run_dir / f"overlay-{overlay_id}.bgra"
        write_bgra(surf, path)
        self.engine.overlay_add(overlay_id, x, y, str(path), surf.get_width(), surf.get_height())
        self._shown[overlay_id] = key
