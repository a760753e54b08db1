"""A screenshot of the TV, small enough to travel: mpv's raw frame -> a JPEG at most 640x360."""

from __future__ import annotations

import io

from neopro.contracts.wire import SCREENSHOT_MAX_CHARS

from .render import pygame

MAX_SIZE = (640, 360)


def small_jpeg(bgr0: bytes, width: int, height: int, stride: int) -> tuple[bytes, int, int]:
    """Scale the frame to fit :data:`MAX_SIZE` (keeping its shape) and encode it as JPEG (blocking)."""
    if stride != width * 4:  # rows padded: keep only each row's pixels
        bgr0 = b"".join(bgr0[row * stride : row * stride + width * 4] for row in range(height))
    frame = pygame.image.frombuffer(bgr0, (width, height), "BGRA")
    scale = min(MAX_SIZE[0] / width, MAX_SIZE[1] / height, 1.0)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = pygame.transform.smoothscale(frame, size) if scale < 1 else frame.copy()
    jpeg = b""
    for _ in range(3):  # a busy picture can be large: halve it until it fits in base64
        out = io.BytesIO()
        pygame.image.save(small, out, "screenshot.jpg")
        jpeg = out.getvalue()
        if len(jpeg) * 4 // 3 + 4 <= SCREENSHOT_MAX_CHARS:
            break
        size = (max(1, size[0] // 2), max(1, size[1] // 2))
        small = pygame.transform.smoothscale(small, size)
    return jpeg, size[0], size[1]
