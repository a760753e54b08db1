"""ffprobe with an allow-list: is this file a video the TV can play, and if not, why."""

from __future__ import annotations

import asyncio
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

ALLOWED_CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"}
ALLOWED_VIDEO_CODECS = {"h264", "hevc", "vp9", "av1", "mpeg4"}
MAX_DURATION_S = 6 * 3600
MAX_SIDE = 4096


class MediaRejected(ValueError):
    """The file is not a video we accept; the message says why, in plain words."""


@dataclass(frozen=True)
class MediaInfo:
    container: str
    video_codec: str
    width: int
    height: int
    duration_s: float
    fps: float
    audio_codec: str | None
    has_b_frames: bool


def probe(path: Path, *, timeout: float = 30) -> MediaInfo:
    """Read ``path`` with ffprobe and check it against the allow-list (blocking: use a thread)."""
    try:
        out = subprocess.run(
            [
                "ffprobe", "-v", "error", "-print_format", "json",
                "-show_format", "-show_streams", str(path),
            ],
            capture_output=True, timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise MediaRejected("the file could not be read in time (is it a video?)") from None
    if out.returncode != 0:
        detail = out.stderr.decode(errors="replace").strip().splitlines()
        reason = detail[-1] if detail else "unreadable"
        raise MediaRejected(f"not a readable video file ({_short(reason)})")
    return check(json.loads(out.stdout or b"{}"))


async def probe_async(path: Path) -> MediaInfo:
    return await asyncio.to_thread(probe, path)


def check(facts: dict) -> MediaInfo:
    fmt = facts.get("format") or {}
    streams = facts.get("streams") or []
    container = fmt.get("format_name", "")
    if container not in ALLOWED_CONTAINERS:
        raise MediaRejected(f"container {container or 'unknown'!r} is not accepted; use MP4 or MKV")
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if video is None or video.get("disposition", {}).get("attached_pic"):
        raise MediaRejected("the file has no video stream")
    codec = video.get("codec_name", "")
    if codec not in ALLOWED_VIDEO_CODECS:
        raise MediaRejected(f"video codec {codec!r} is not accepted; use H.264 or HEVC")
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if not (16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE):
        raise MediaRejected(f"resolution {width}x{height} is outside 16..{MAX_SIDE} pixels")
    try:
        duration = float(fmt.get("duration") or video.get("duration") or 0)
    except ValueError:
        duration = 0.0
    if not 0 < duration <= MAX_DURATION_S:
        raise MediaRejected(f"duration {duration:.1f} s is outside 0..{MAX_DURATION_S} s")
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    return MediaInfo(
        container=container,
        video_codec=codec,
        width=width,
        height=height,
        duration_s=duration,
        fps=_rate(video.get("avg_frame_rate") or video.get("r_frame_rate") or "0/1"),
        audio_codec=audio.get("codec_name") if audio else None,
        has_b_frames=bool(video.get("has_b_frames")),
    )


def _rate(text: str) -> float:
    num, _, den = text.partition("/")
    try:
        return float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
