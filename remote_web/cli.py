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
    import dataclasses
    import logging
    from pathlib import Path

    from aiohttp import web

    from neopro.datadir import DataDir

    from .app import create_app
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
    log = logging.getLogger("remote_web")
    web.run_app(create_app(settings), host=settings.host, port=settings.port, access_log=None,
                shutdown_timeout=5, print=log.info)  # fmt: skip
    return 0
