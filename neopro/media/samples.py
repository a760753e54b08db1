"""Sample media and a sample site configuration, generated with ffmpeg (nothing binary is committed).

Sponsor clips show the sponsor's name and a running clock; trigger clips ("Goal!",
"Timeout", "Player intro") are short and loud. Every clip is encoded in the player
profile (:mod:`.profile`), stored content-addressed in a data directory, and described by
a :class:`~neopro.contracts.SiteConfig` that uses them. Generated clips are cached by
their recipe, so a second run costs a copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from neopro.contracts import (
    Category,
    LoopSlot,
    Owner,
    Phase,
    SiteConfig,
    SiteInfo,
    Sponsor,
    Video,
    encode_site_config,
)
from neopro.contracts.site_config import Overlay, RemoteSettings, ScoreBug
from neopro.datadir import DataDir, atomic_write

from . import profile

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
)


@dataclass(frozen=True)
class ClipRecipe:
    """What a generated clip looks like; its hash names the cached file."""

    title: str
    color: str  # background, ffmpeg colour syntax (0xRRGGBB)
    seconds: float
    tone_hz: int = 440
    width: int = profile.WIDTH
    height: int = profile.HEIGHT
    encode: str = "player"  # "player" (the profile) or "upload" (B-frames, 2 s GOP)

    def key(self) -> str:
        blob = repr(sorted(asdict(self).items())).encode() + _ffmpeg_version().encode()
        return hashlib.sha256(blob).hexdigest()[:24]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "neopro" / "clips"


def make_clip(recipe: ClipRecipe, out: Path | None = None) -> Path:
    """Encode ``recipe`` (or take it from the cache) and return the file's path."""
    cached = cache_dir() / f"{recipe.key()}.mp4"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        _encode(recipe, cached)
    if out is None:
        return cached
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, out)
    return out


def _encode(recipe: ClipRecipe, dest: Path) -> None:
    font = next((f for f in FONT_CANDIDATES if Path(f).exists()), None)
    if font is None:
        raise RuntimeError("no DejaVu font found: install fonts-dejavu-core (make setup does)")
    w, h, fps = recipe.width, recipe.height, profile.FPS
    with tempfile.TemporaryDirectory() as tmp:
        title_file = Path(tmp) / "title.txt"
        title_file.write_text(recipe.title)
        draw = (
            f"drawtext=fontfile={font}:textfile={title_file}:fontcolor=white:"
            f"fontsize={h // 8}:x=(w-tw)/2:y=(h-th)/2-h/12:borderw=4:bordercolor=black@0.6,"
            f"drawtext=fontfile={font}:text='%{{eif\\:t\\:d}}s / {recipe.seconds:g}s':"
            f"fontcolor=white@0.9:fontsize={h // 18}:x=(w-tw)/2:y=h*0.62,"
            f"drawtext=fontfile={font}:text='NEOPRO':fontcolor=white@0.85:"
            f"fontsize={h // 20}:x=mod(t*{w // 4}\\,w+tw)-tw:y=h*0.82"
        )
        encode = profile.encode_args() if recipe.encode == "player" else profile.upload_like_args()
        partial = dest.with_name(f"{dest.stem}.{os.getpid()}.part.mp4")  # parallel runs
        cmd = [
            "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"color=c={recipe.color}:s={w}x{h}:r={fps}:d={recipe.seconds}",
            "-f", "lavfi", "-i",
            f"sine=frequency={recipe.tone_hz}:sample_rate={profile.AUDIO_RATE}:d={recipe.seconds}",
            "-vf", f"{draw},{profile.video_filter(w, h)}",
            *encode, "-t", f"{recipe.seconds}", "-shortest", str(partial),
        ]  # fmt: skip
        subprocess.run(cmd, check=True)
        os.replace(partial, dest)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def store(data_dir: DataDir, clip: Path) -> tuple[str, int]:
    """Put ``clip`` into ``media/`` under its sha256; returns (sha256, size)."""
    sha = file_sha256(clip)
    dest = data_dir.media_path(f"{sha}.mp4")
    if not dest.exists():
        tmp = dest.with_name(dest.name + ".part")
        shutil.copyfile(clip, tmp)
        os.replace(tmp, dest)
    return sha, dest.stat().st_size


@dataclass(frozen=True)
class SampleClip:
    id: str
    recipe: ClipRecipe
    sponsor_id: str | None = None


SPONSORS = (
    Sponsor(id="boulangerie-martin", name="Boulangerie Martin"),
    Sponsor(id="garage-dupont", name="Garage Dupont"),
    Sponsor(id="credit-sportif", name="Crédit Sportif", owner=Owner.PLATFORM),
    Sponsor(id="pizzeria-luigi", name="Pizzeria Luigi"),
)


def sample_clips(
    *, width: int = profile.WIDTH, height: int = profile.HEIGHT, scale: float = 1.0
) -> list[SampleClip]:
    """The demo's clips. ``scale`` shortens every clip (tests use short ones)."""

    def r(title: str, color: str, seconds: float, tone: int) -> ClipRecipe:
        return ClipRecipe(title, color, round(seconds * scale, 2), tone, width, height)

    return [
        SampleClip("spot-boulangerie", r("Boulangerie Martin", "0x8D6E63", 12, 330), "boulangerie-martin"),
        SampleClip("spot-garage", r("Garage Dupont", "0x37474F", 15, 392), "garage-dupont"),
        SampleClip("spot-credit", r("Crédit Sportif", "0x2E7D32", 10, 440), "credit-sportif"),
        SampleClip("spot-pizzeria", r("Pizzeria Luigi", "0xC62828", 18, 494), "pizzeria-luigi"),
        SampleClip("goal", r("BUT ! GOAL !", "0xF9A825", 5, 880)),
        SampleClip("timeout", r("Temps mort", "0x1565C0", 4, 660)),
        SampleClip("intro-player", r("Entrée des joueurs", "0x6A1B9A", 6, 523)),
    ]  # fmt: skip


def build_sample_config(
    videos: Iterable[Video], *, club_name: str = "AS Neopro", site_id: str | None = None
) -> SiteConfig:
    videos = list(videos)
    sponsor_ids = [v.id for v in videos if v.sponsor_id]
    return SiteConfig(
        version=0,
        site=SiteInfo(id=site_id, club_name=club_name, site_name="Terrain principal",
                      hotspot_ssid="Neopro-Demo"),
        videos=videos,
        sponsors=list(SPONSORS),
        categories=[
            Category(id="goal", label="But !", color="#F9A825", icon="⚽", videos=["goal"]),
            Category(id="timeout", label="Temps mort", color="#1565C0", icon="⏱",
                     videos=["timeout"], phases=[Phase.DURING]),
            Category(id="intro", label="Entrée des joueurs", color="#6A1B9A", icon="★",
                     videos=["intro-player"], phases=[Phase.BEFORE]),
            Category(id="sponsors", label="Sponsors", color="#2E7D32", icon="€",
                     owner=Owner.PLATFORM, videos=sponsor_ids),
        ],
        loops={
            Phase.NEUTRAL: [LoopSlot(video=v) for v in sponsor_ids],
            Phase.BEFORE: [LoopSlot(video=v) for v in sponsor_ids],
            Phase.DURING: [LoopSlot(video=v) for v in sponsor_ids[:2]],
            Phase.HALF_TIME: [LoopSlot(video=v) for v in reversed(sponsor_ids)],
            Phase.AFTER: [LoopSlot(video=v) for v in sponsor_ids],
        },
        overlay=Overlay(score=ScoreBug()),
        remote=RemoteSettings(title=club_name, language="fr"),
    )  # fmt: skip


def install_samples(
    data_dir: DataDir,
    *,
    width: int = profile.WIDTH,
    height: int = profile.HEIGHT,
    scale: float = 1.0,
    write_config: bool = True,
) -> SiteConfig:
    """Generate the sample clips into ``data_dir`` and (optionally) apply a config using them."""
    data_dir.ensure()
    videos = []
    for clip in sample_clips(width=width, height=height, scale=scale):
        sha, size = store(data_dir, make_clip(clip.recipe))
        videos.append(
            Video(id=clip.id, title=clip.recipe.title, sha256=sha, size=size,
                  duration_s=clip.recipe.seconds, sponsor_id=clip.sponsor_id)
        )  # fmt: skip
    cfg = build_sample_config(videos)
    if write_config:
        atomic_write(data_dir.current_config, encode_site_config(cfg))
    return cfg


_FFMPEG_VERSION: str | None = None


def _ffmpeg_version() -> str:
    global _FFMPEG_VERSION
    if _FFMPEG_VERSION is None:
        try:
            out = subprocess.run(["ffmpeg", "-version"], capture_output=True, check=True)
            _FFMPEG_VERSION = out.stdout.decode().splitlines()[0]
        except (OSError, subprocess.CalledProcessError):
            _FFMPEG_VERSION = "unknown"
    return _FFMPEG_VERSION
