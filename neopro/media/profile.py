"""The one media profile (ARCHITECTURE decision 10).

Whatever is uploaded is transcoded once into this profile, the one the player starts
fastest and loops seamlessly: H.264 High 1080p25, no B-frames (the first frame decodes
without waiting for a future one), a 1 s closed GOP (a cut or a seek lands on a keyframe
within 40 ms), ``fastdecode`` tuning (no CABAC/deblocking: cheap for a Pi's software
decode), AAC 48 kHz stereo (every clip has the same audio format, so mpv's EDL timeline
never rebuilds its audio chain at a seam) and ``faststart`` (the index is at the front).

The cloud's transcode, the local admin's upload and the sample generator all call
:func:`encode_args`; ``neopro bench player`` measures what it buys.
"""

from __future__ import annotations

FPS = 25
WIDTH, HEIGHT = 1920, 1080
AUDIO_RATE = 48_000


def video_filter(width: int = WIDTH, height: int = HEIGHT, fps: int = FPS) -> str:
    """Letterbox into the frame size, constant frame rate, 4:2:0 (what every decoder takes)."""
    return (
        f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,fps={fps},format=yuv420p,setsar=1"
    )


def encode_args(*, fps: int = FPS, crf: int = 21, preset: str = "veryfast") -> list[str]:
    """ffmpeg output options of the player profile (give ``-vf video_filter()`` beside them)."""
    gop = str(fps)  # one keyframe per second
    return [
        "-c:v", "libx264", "-profile:v", "high", "-preset", preset, "-tune", "fastdecode",
        "-crf", str(crf), "-maxrate", "8M", "-bufsize", "16M",
        "-bf", "0", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
        "-c:a", "aac", "-b:a", "160k", "-ar", str(AUDIO_RATE), "-ac", "2",
        "-movflags", "+faststart",
    ]  # fmt: skip


def upload_like_args(*, fps: int = FPS) -> list[str]:
    """What a typical upload looks like (B-frames, 2 s GOP): the benchmark's "before"."""
    return [
        "-c:v", "libx264", "-profile:v", "high", "-preset", "veryfast", "-crf", "21",
        "-bf", "3", "-g", str(2 * fps),
        "-c:a", "aac", "-b:a", "160k", "-ar", "44100", "-ac", "2",
    ]  # fmt: skip
