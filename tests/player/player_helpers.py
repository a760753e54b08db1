"""Helpers shared by the player tests (imported by name: tests/player is not a package)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

from neopro.contracts import (
    Category,
    LoopSlot,
    Phase,
    PlaybackError,
    ProofOfPlay,
    SiteConfig,
    SiteInfo,
    Sponsor,
    Video,
    encode_site_config,
)
from neopro.contracts.site_config import Playback
from neopro.datadir import DataDir, atomic_write
from neopro.media.samples import ClipRecipe, store
from player import Player, PlayerSettings

W, H = 640, 360

#: id -> (title, colour, seconds, tone); sponsors spot-*, triggers goal/timeout.
CLIPS = {
    "spot-a": ("Sponsor A", "0xC62828", 2.0, 330),
    "spot-b": ("Sponsor B", "0x2E7D32", 2.0, 392),
    "spot-c": ("Sponsor C", "0x1565C0", 2.0, 440),
    "goal": ("GOAL", "0xF9A825", 1.6, 880),
    "timeout": ("Timeout", "0x6A1B9A", 1.2, 660),
}
SPONSOR_OF = {"spot-a": "sponsor-a", "spot-b": "sponsor-b", "spot-c": "sponsor-c"}


def recipe(video_id: str) -> ClipRecipe:
    title, colour, seconds, tone = CLIPS[video_id]
    return ClipRecipe(title, colour, seconds, tone, W, H)


def build_config(data_dir: DataDir, clip_files: dict[str, Path], **playback) -> SiteConfig:
    videos = []
    for vid, path in clip_files.items():
        sha, size = store(data_dir, path)
        videos.append(Video(id=vid, title=CLIPS[vid][0], sha256=sha, size=size,
                            duration_s=CLIPS[vid][2], sponsor_id=SPONSOR_OF.get(vid)))  # fmt: skip
    return SiteConfig(
        site=SiteInfo(id="site-1", club_name="AS Test", hotspot_ssid="Neopro-Test"),
        videos=videos,
        sponsors=[Sponsor(id=s, name=s.title()) for s in SPONSOR_OF.values()],
        categories=[
            Category(id="goal", label="Goal", videos=["goal"]),
            Category(id="timeout", label="Timeout", videos=["timeout"]),
            Category(id="sponsors", label="Sponsors", videos=list(SPONSOR_OF)),
        ],
        loops={
            Phase.NEUTRAL: [LoopSlot(video=v) for v in ("spot-a", "spot-b", "spot-c")],
            Phase.DURING: [LoopSlot(video=v) for v in ("spot-c", "spot-b")],
        },
        playback=Playback(**playback),
    )


def write_config(data_dir: DataDir, cfg: SiteConfig) -> None:
    atomic_write(data_dir.current_config, encode_site_config(cfg))


def settings_for(data_dir: DataDir, **changes) -> PlayerSettings:
    base = PlayerSettings(data_dir=data_dir, hub_url="ws://127.0.0.1:9/ws", vo="null", ao="null",
                          fullscreen=False, checkpoint_s=0.5)  # fmt: skip
    return dataclasses.replace(base, **changes)


async def until(predicate: Callable[[], object], timeout: float = 10.0, step: float = 0.02) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {predicate}")
        await asyncio.sleep(step)


def outbox_rows(data_dir: DataDir) -> list[tuple[str, bool, ProofOfPlay | PlaybackError]]:
    """(kind, closed, event) of every outbox row, in insertion order."""
    conn = sqlite3.connect(data_dir.state_db)
    try:
        rows = conn.execute("SELECT kind, closed, body FROM outbox ORDER BY rowid").fetchall()
    finally:
        conn.close()
    out = []
    for kind, closed, body in rows:
        typ = ProofOfPlay if kind == "proof_of_play" else PlaybackError
        out.append((kind, bool(closed), msgspec.json.decode(body, type=typ)))
    return out


def plays(data_dir: DataDir) -> list[ProofOfPlay]:
    return [e for k, _, e in outbox_rows(data_dir) if k == "proof_of_play"]


def errors(data_dir: DataDir) -> list[PlaybackError]:
    return [e for k, _, e in outbox_rows(data_dir) if k == "playback_error"]


def on_air(player: Player) -> str | None:
    seg = player.segment
    return seg.video.id if seg else None


def dump(obj) -> str:
    return json.dumps(msgspec.to_builtins(obj), indent=1)
