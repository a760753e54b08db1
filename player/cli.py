"""``neopro player``: the TV player (see :mod:`player`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="default: $NEOPRO_DATA_DIR")
    parser.add_argument("--hub-url", help="default: $NEOPRO_HUB_URL or ws://127.0.0.1:8080/ws")
    parser.add_argument("--vo", help="mpv video output (default: $NEOPRO_PLAYER_VO; null when headless)")
    parser.add_argument("--window", action="store_true", help="a window instead of fullscreen")


def run(args: argparse.Namespace) -> int:
    import asyncio
    import dataclasses

    from neopro.datadir import DataDir

    from .app import run_player
    from .settings import PlayerSettings

    settings = PlayerSettings.from_env(DataDir(args.data_dir) if args.data_dir else None)
    changes: dict = {}
    if args.hub_url:
        changes["hub_url"] = args.hub_url
    if args.vo:
        changes["vo"] = args.vo
        if args.vo == "null":
            changes["ao"] = "null"
    if args.window:
        changes["fullscreen"] = False
    settings = dataclasses.replace(settings, **changes)
    return asyncio.run(run_player(settings))
