"""The loop's seams, measured from mpv's own frame presentation times, and the player's RSS.

``--dump-stats`` logs a ``video-flip`` for every frame mpv presents (also with
``vo=null``: it still waits for each frame's due time); a seam's frozen time is the gap
between the last frame of one clip and the first of the next, less one frame duration.
``end-file`` timings would be wrong: they wait for the audio to drain.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from neopro.datadir import DataDir
from neopro.media.profile import FPS

from .media import SEAM_CLIPS, install_site

FRAME_MS = 1000 / FPS


@dataclass
class SeamRun:
    seams_ms: list[float]
    #: The same measure mid-clip, where no seam is: what the machine's own jitter looks like.
    mid_clip_ms: list[float]
    rss_mb: float
    frames: int


def flips_ms(stats_file: Path) -> list[float]:
    out = []
    for line in stats_file.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "start" and parts[2] == "video-flip":
            out.append(int(parts[0]) / 1000)
    return out


def seam_gaps(flips: list[float], frames_per_clip: int, *, skip: int = 1, offset: int = 0) -> list[float]:
    """Frozen ms beyond one frame at each clip boundary (found near every frames_per_clip-th flip).

    ``offset`` moves every window that many frames into the clip (a control without seams).
    """
    gaps: list[float] = []
    index = frames_per_clip + offset  # the windows stay anchored to the frame count: no drift
    while index + 3 < len(flips):
        window = range(max(1, index - 2), min(len(flips), index + 3))
        worst = max(window, key=lambda i: flips[i] - flips[i - 1])
        gaps.append(max(0.0, flips[worst] - flips[worst - 1] - FRAME_MS))
        index += frames_per_clip
    return gaps[skip:]


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_loop(seams: int, *, timeline_s: float | None = None) -> SeamRun:
    """Run ``neopro player`` (a separate process, headless, audio on through ao=null) on the loop."""
    with tempfile.TemporaryDirectory(prefix="neopro-seams-") as tmp:
        data_dir = DataDir(Path(tmp) / "data")
        install_site(data_dir, SEAM_CLIPS, goal=False)
        stats = Path(tmp) / "stats.txt"
        env = {**os.environ, "NEOPRO_DATA_DIR": str(data_dir.root), "NEOPRO_PLAYER_VO": "null",
               "NEOPRO_PLAYER_AO": "null", "NEOPRO_HUB_URL": "ws://127.0.0.1:9/ws",
               "NEOPRO_PLAYER_MPV_OPTIONS": f"dump-stats={stats}"}  # fmt: skip
        if timeline_s is not None:
            env["NEOPRO_PLAYER_LOOP_TIMELINE_S"] = str(timeline_s)
        env.pop("DISPLAY", None)
        cmd = [sys.executable, "-m", "neopro", "player"]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rss = 0.0
        try:
            deadline = time.monotonic() + 3 + (seams + 2) * SEAM_CLIPS[0].seconds
            while time.monotonic() < deadline:
                time.sleep(1.0)
                rss = max(rss, _rss_mb(proc.pid))
                if proc.poll() is not None:
                    raise RuntimeError(f"the player exited with {proc.returncode}")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        flips = flips_ms(stats)
    per_clip = round(SEAM_CLIPS[0].seconds * FPS)
    return SeamRun(
        seams_ms=seam_gaps(flips, per_clip),
        mid_clip_ms=seam_gaps(flips, per_clip, offset=per_clip // 2),
        rss_mb=round(rss, 1),
        frames=len(flips),
    )
