"""Player fixtures: real libmpv (vo=null, ao=null) on small generated H.264 clips."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from player_helpers import CLIPS, build_config, recipe, settings_for, write_config

from neopro.contracts import SiteConfig
from neopro.datadir import DataDir
from neopro.media.samples import make_clip
from player import Player


@pytest.fixture(scope="session")
def clip_files() -> dict[str, Path]:
    return {vid: make_clip(recipe(vid)) for vid in CLIPS}


@pytest.fixture
def site(data_dir: DataDir, clip_files) -> Callable[..., SiteConfig]:
    """``site(**playback)`` writes a configuration using the small clips; returns it."""

    def make(**playback) -> SiteConfig:
        cfg = build_config(data_dir, clip_files, **playback)
        write_config(data_dir, cfg)
        return cfg

    return make


@pytest.fixture
async def make_player(data_dir: DataDir):
    """``await make_player(**settings)``: a started Player on ``data_dir``, stopped at the end."""
    players: list[Player] = []

    async def start(**changes) -> Player:
        player = Player(settings_for(data_dir, **changes))
        await player.start()
        players.append(player)
        return player

    yield start
    for p in players:
        if p.engine is not None and p.engine.alive():
            await p.stop()
