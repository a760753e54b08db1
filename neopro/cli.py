"""``neopro``: one command, a subcommand per process or tool.

Each subcommand lives in its own package as a module with ``add_arguments(parser)`` and
``run(args) -> int``; it is imported only when asked for, so the Pi never imports the
cloud's libraries and ``neopro --help`` stays instant. Those modules keep their heavy
imports inside ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

#: subcommand -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "player": ("player.cli", "the TV player (libmpv): loops sponsors, cuts in clips"),
    "remote": ("remote_web.cli", "the edge hub: phone remote, local admin, /ws"),
    "agent": ("agent.cli", "the Pi's link to the cloud"),
    "cloud": ("cloud_api.cli", "the cloud API"),
    "demo": ("neopro.demo", "the whole stack on this machine, on its embedded defaults"),
    "samples": ("neopro.media.samples_cli", "generate sample clips and a sample configuration"),
    "bench": ("neopro.bench", "benchmarks that print their numbers"),
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the module of the subcommand being run is imported.

    Importing every component to build the parser cost each process the others' libraries
    (libmpv for the agent, aiohttp's server for the player: 88 MB for ``neopro agent``).
    ``--help`` without a subcommand lists them all from :data:`COMMANDS`, importing none.
    """
    parser = argparse.ArgumentParser(
        prog="neopro", description="Neopro: club video on the TV, sponsor airtime that can be proven."
    )
    parser.add_argument("--log-level", default=os.environ.get("NEOPRO_LOG_LEVEL", "INFO"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    tokens = sys.argv[1:] if argv is None else argv
    chosen = next((t for t in tokens if t in COMMANDS), None)
    for name, (module_name, help_text) in COMMANDS.items():
        if name != chosen:
            sub.add_parser(name, help=help_text, description=help_text, add_help=False)
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if not (exc.name and module_name.startswith(exc.name)):
                raise
            parser.error(f"`neopro {name}` is not installed on this machine ({exc.name} is missing)")
        command = sub.add_parser(name, help=help_text, description=help_text, add_help=False)
        command.add_argument("-h", "--help", action="help", help="show this help message and exit")
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser(argv).parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        return 130
