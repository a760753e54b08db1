"""The overlay pictures: score bug, message band, identify card, blackout.

Sizes are given for a 1080-line screen and scaled to the real one; the configuration's
offsets are in those 1080p pixels too, so a style looks the same on any TV.
"""

from __future__ import annotations

from neopro.contracts.site_config import Overlay, ScoreBug
from neopro.contracts.wire import MatchState

from .render import color, font, pygame, surface

PAD = 18


def score_bug(style: ScoreBug, match: MatchState, scale: float, clock_text: str | None) -> pygame.Surface:
    """Home name, score, away name in one rounded box (and the match clock when asked)."""

    def s(v: float) -> int:
        return max(1, round(v * scale))

    team_font, score_font = font(s(style.team_size)), font(s(style.score_size))
    home = team_font.render(match.home_name, True, color(style.team_color))
    away = team_font.render(match.away_name, True, color(style.team_color))
    score = score_font.render(f"{match.home_score} - {match.away_score}", True, color(style.score_color))
    parts = [home, score, away]
    if clock_text:
        parts.append(team_font.render(clock_text, True, color(style.score_color)))
    gap = s(PAD)
    width = sum(p.get_width() for p in parts) + gap * (len(parts) + 1)
    height = max(p.get_height() for p in parts) + 2 * s(PAD // 2)
    surf = surface(width, height)
    pygame.draw.rect(surf, color(style.background), surf.get_rect(), border_radius=s(style.corner_radius))
    x = gap
    for part in parts:
        surf.blit(part, (x, (height - part.get_height()) // 2))
        x += part.get_width() + gap
    return surf


def message_band(text: str, style: Overlay, screen_w: int, scale: float) -> pygame.Surface:
    size = round(48 * scale)
    rendered = font(size).render(text, True, color(style.message_color))
    while rendered.get_width() > screen_w - 2 * PAD and size > 12:  # shrink to fit the screen
        size = int(size * 0.9)
        rendered = font(size).render(text, True, color(style.message_color))
    surf = surface(screen_w, rendered.get_height() + round(2 * PAD * scale))
    surf.fill(color(style.message_background))
    surf.blit(rendered, rendered.get_rect(center=surf.get_rect().center))
    return surf


def identify_card(club: str, site: str, detail: str, scale: float) -> pygame.Surface:
    lines = [
        font(round(84 * scale)).render(club, True, color("#FFFFFF")),
        font(round(52 * scale), bold=False).render(site, True, color("#FFD54F")),
        font(round(32 * scale), bold=False).render(detail, True, color("#B0BEC5")),
    ]
    pad = round(40 * scale)
    width = max(line.get_width() for line in lines) + 2 * pad
    height = sum(line.get_height() for line in lines) + pad * (len(lines) + 1)
    surf = surface(width, height)
    pygame.draw.rect(surf, color("#0D1B2AF0"), surf.get_rect(), border_radius=round(24 * scale))
    y = pad
    for line in lines:
        surf.blit(line, line.get_rect(midtop=(width // 2, y)))
        y += line.get_height() + pad
    return surf


def black(width: int, height: int) -> pygame.Surface:
    surf = surface(width, height)
    surf.fill((0, 0, 0, 255))
    return surf
