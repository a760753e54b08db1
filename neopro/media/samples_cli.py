"""``neopro samples``: generate the sample clips into a data directory."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="default: $NEOPRO_DATA_DIR")
    parser.add_argument("--size", default="1920x1080", help="WIDTHxHEIGHT (default 1920x1080)")
    parser.add_argument("--scale", type=float, default=1.0, help="shorten every clip by this factor")


def run(args: argparse.Namespace) -> int:
    from neopro.datadir import DataDir

    from .samples import install_samples

    data_dir = DataDir(args.data_dir) if args.data_dir else DataDir.from_env()
    width, _, height = args.size.partition("x")
    cfg = install_samples(data_dir, width=int(width), height=int(height), scale=args.scale)
    print(f"{len(cfg.videos)} clips in {data_dir.media_dir}; configuration: {data_dir.current_config}")
    return 0
