"""The idle/pairing screen: what the TV shows when nothing is playable (never black).

The club's name, the hotspot to join, and two QR codes: one joins the Wi-Fi (the standard
``WIFI:`` payload phones understand), one opens the remote page. Until the hub is set up,
its one-time setup code (:mod:`neopro.setup_code`) is drawn big under them: only someone
who can see the TV can claim the hub.
"""

from __future__ import annotations

from pathlib import Path

import segno

from neopro import setup_code as setup_codes
from neopro.contracts import SiteConfig

from .render import color, font, pygame, save_png, surface

WIDTH, HEIGHT = 1920, 1080
BACKGROUND = "#0D1B2A"


def wifi_payload(ssid: str, password: str | None) -> str:
    def esc(text: str) -> str:
        return "".join("\\" + c if c in '\\;,":' else c for c in text)

    if password:
        return f"WIFI:T:WPA;S:{esc(ssid)};P:{esc(password)};;"
    return f"WIFI:T:nopass;S:{esc(ssid)};;"


def qr_surface(payload: str, size: int) -> pygame.Surface:
    """A QR code drawn module by module, white quiet zone included, about ``size`` px wide."""
    qr = segno.make(payload, error="m")
    matrix = [list(row) for row in qr.matrix_iter(scale=1, border=4)]
    modules = len(matrix)
    px = max(2, size // modules)
    surf = surface(px * modules, px * modules)
    surf.fill((255, 255, 255, 255))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                surf.fill((0, 0, 0, 255), pygame.Rect(x * px, y * px, px, px))
    return surf


def render_idle_screen(
    config: SiteConfig | None, settings: object, path: Path, *, setup_code: str | None = None
) -> Path:
    """Draw the idle screen as a PNG at ``path`` (1920x1080; mpv scales it to the screen)."""
    club = config.site.club_name if config else "Neopro"
    ssid = (config.site.hotspot_ssid if config else None) or getattr(settings, "hotspot_ssid", None)
    remote_url = getattr(settings, "remote_url", "http://10.42.0.1:8080/")
    password = getattr(settings, "hotspot_password", None)

    surf = surface(WIDTH, HEIGHT)
    surf.fill(color(BACKGROUND))
    title = font(110).render(club, True, color("#FFFFFF"))
    surf.blit(title, title.get_rect(midtop=(WIDTH // 2, 90)))
    sub = font(44, bold=False).render("Télécommande / Remote", True, color("#B0BEC5"))
    surf.blit(sub, sub.get_rect(midtop=(WIDTH // 2, 240)))

    codes: list[tuple[str, str]] = []
    if ssid:
        codes.append((wifi_payload(ssid, password), f"1. Wi-Fi : {ssid}"))
    codes.append((remote_url, f"{len(codes) + 1}. {remote_url}"))
    slot = WIDTH // len(codes)
    qr_size = 400 if setup_code else 480  # smaller QR codes make room for the setup code
    for i, (payload, caption) in enumerate(codes):
        qr = qr_surface(payload, qr_size)
        center_x = slot * i + slot // 2
        surf.blit(qr, qr.get_rect(midtop=(center_x, 320)))
        label = font(40).render(caption, True, color("#FFFFFF"))
        surf.blit(label, label.get_rect(midtop=(center_x, 320 + qr.get_height() + 24)))
    if setup_code:
        _draw_setup_code(surf, setup_code)
    save_png(surf, path)
    return path


def _draw_setup_code(surf: pygame.Surface, code: str) -> None:
    """The code on a light band across the bottom, 100 px digits: readable from 3 m on any TV."""
    band = pygame.Rect(0, HEIGHT - 210, WIDTH, 170)
    surf.fill(color("#FFD54F"), band)
    text = font(100).render(f"Setup code: {setup_codes.display(code)}", True, color("#0D1B2A"))
    surf.blit(text, text.get_rect(center=band.center))
