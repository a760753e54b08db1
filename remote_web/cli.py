"""``neopro remote``: the edge hub (phone remote, local admin, /ws) on one port."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default 0.0.0.0, NEOPRO_REMOTE_HOST)")
    parser.add_argument("--port", type=int, help="port (default 80 on a Pi, else 8080; NEOPRO_REMOTE_PORT)")
    parser.add_argument(
        "--data-dir", help="device data directory (default NEOPRO_DATA_DIR or /var/lib/neopro)"
    )


def run(args: argparse.Namespace) -> int:
    import asyncio
    import dataclasses
    from pathlib import Path

    from neopro.datadir import DataDir

    from .service import serve
    from .settings import Settings

    settings = Settings.from_env()
    overrides: dict = {}
    if args.host:
        overrides["host"] = args.host
    if args.port is not None:
        overrides["port"] = args.port
    if args.data_dir:
        overrides["data_dir"] = DataDir(Path(args.data_dir))
    settings = dataclasses.replace(settings, **overrides)
    asyncio.run(serve(settings))
    return 0
