"""``neopro remote``: the edge hub (phone remote, local admin, /ws) on one port."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        choices=("serve", "setup-code"),
        default="serve",
        help="serve (default), or setup-code: print the first-run setup code (for someone on SSH)",
    )
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
    if args.action == "setup-code":
        return _print_setup_code(settings.data_dir)
    asyncio.run(serve(settings))
    return 0


def _print_setup_code(data_dir) -> int:
    import sys

    from neopro import setup_code

    code = setup_code.read(data_dir)
    if code is None:
        print(
            f"No setup code in {data_dir.setup_code_file}: the hub is already set up (log in with the "
            "admin password), has not started yet, or this user cannot read the file (try sudo).",
            file=sys.stderr,
        )
        return 1
    print(f"Setup code: {setup_code.display(code)}")
    return 0
