"""The benchmark's clips: 1080p25 H.264, as uploaded (B-frames, 2 s GOP) and as prepared."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from neopro.contracts import LoopSlot, Phase, SiteConfig, SiteInfo, Video, encode_site_config
from neopro.datadir import DataDir, atomic_write
from neopro.media.samples import ClipRecipe, make_clip, store

GOAL = ClipRecipe("BUT ! GOAL !", "0xF9A825", 4.0, 880)
SPONSORS = (
    ClipRecipe("Sponsor Un", "0x8D6E63", 6.0, 330),
    ClipRecipe("Sponsor Deux", "0x37474F", 6.0, 392),
)
#: The loop a trigger interrupts: eight sponsors, as a club's TV loops them (every distinct
#: file a timeline holds is opened before its first frame, so the count matters).
CLUB_LOOP = SPONSORS + tuple(
    ClipRecipe(f"Sponsor {n}", colour, 6.0, tone)
    for n, colour, tone in (
        (3, "0x00695C", 440), (4, "0xAD1457", 494), (5, "0x4527A0", 523),
        (6, "0x283593", 587), (7, "0x2E7D32", 659), (8, "0xEF6C00", 698),
    )
)  # fmt: skip
#: Short loop clips: one seam a second, so 50 seams take a minute.
SEAM_CLIPS = tuple(
    ClipRecipe(f"Seam {i}", colour, 1.0, tone)
    for i, (colour, tone) in enumerate(
        (("0xC62828", 330), ("0x2E7D32", 392), ("0x1565C0", 440), ("0x6A1B9A", 494))
    )
)


@dataclass(frozen=True)
class BenchMedia:
    goal_upload: Path
    goal_prepared: Path
    sponsor_upload: Path
    sponsor_prepared: Path


def make_media() -> BenchMedia:
    return BenchMedia(
        goal_upload=make_clip(replace(GOAL, encode="upload")),
        goal_prepared=make_clip(GOAL),
        sponsor_upload=make_clip(replace(SPONSORS[0], encode="upload")),
        sponsor_prepared=make_clip(SPONSORS[0]),
    )


def install_site(data_dir: DataDir, loop: tuple[ClipRecipe, ...], *, goal: bool = True) -> SiteConfig:
    """A data dir whose neutral loop is ``loop`` (prepared clips), plus the goal clip."""
    data_dir.ensure()
    videos: list[Video] = []
    for i, recipe in enumerate(loop):
        sha, size = store(data_dir, make_clip(recipe))
        videos.append(
            Video(id=f"loop-{i}", title=recipe.title, sha256=sha, size=size, duration_s=recipe.seconds)
        )
    if goal:
        sha, size = store(data_dir, make_clip(GOAL))
        videos.append(Video(id="goal", title=GOAL.title, sha256=sha, size=size, duration_s=GOAL.seconds))
    cfg = SiteConfig(
        site=SiteInfo(club_name="Bench"),
        videos=videos,
        loops={Phase.NEUTRAL: [LoopSlot(video=f"loop-{i}") for i in range(len(loop))]},
    )
    atomic_write(data_dir.current_config, encode_site_config(cfg))
    return cfg
