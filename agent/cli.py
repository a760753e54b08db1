"""``neopro agent``: ``enroll`` once, then ``run`` (the systemd unit's command)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="agent_command", metavar="ACTION", required=True)
    enroll = sub.add_parser("enroll", help="trade a one-time enrollment code for a device credential")
    enroll.add_argument("--cloud", required=True, help="the cloud API's base URL, e.g. https://cloud.example")
    enroll.add_argument("--code", required=True, help="the site's enrollment code, e.g. K7QX-3MPD")
    enroll.add_argument("--force", action="store_true", help="enroll again even if device.json exists")
    enroll.add_argument("--data-dir", help="the data directory (default: $NEOPRO_DATA_DIR)")
    run = sub.add_parser("run", help="run the agent (heartbeat, sync, upload, commands, updates)")
    run.add_argument("--data-dir", help="the data directory (default: $NEOPRO_DATA_DIR)")


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    import sys
    from pathlib import Path

    from .cloud_client import CloudError
    from .device import load_identity
    from .settings import AgentSettings

    settings = AgentSettings.from_env(data_dir=Path(args.data_dir) if args.data_dir else None)
    log = logging.getLogger("neopro.agent")
    if args.agent_command == "enroll":
        from .enroll import enroll

        try:
            identity = asyncio.run(enroll(args.cloud, args.code, settings.data, force=args.force))
        except (CloudError, RuntimeError) as exc:
            print(f"enrollment failed: {getattr(exc, 'reason', exc)}", file=sys.stderr)
            return 1
        print(f"enrolled: site {identity.site_id}, device {identity.device_id} ({settings.data.device_json})")
        return 0

    from .push import Revoked
    from .service import Agent

    identity = load_identity(settings.data.device_json)
    if identity is None:
        print(
            f"not enrolled: {settings.data.device_json} is missing; "
            "run `neopro agent enroll --cloud URL --code CODE`",
            file=sys.stderr,
        )
        return 2
    try:
        asyncio.run(Agent(settings, identity).run())
    except Revoked as exc:
        log.error("%s", exc)
        return 3
    except CloudError as exc:
        log.error("stopped: %s", exc.reason)
        return 3
    return 0
