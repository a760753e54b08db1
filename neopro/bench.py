"""``neopro bench <name>``: benchmarks are programs that print their numbers.

Each lives beside the code it measures as ``<package>/bench.py`` with
``add_arguments(parser)`` and ``run(args) -> int``; each prints a table, or one JSON
object with ``--json``, and compares against a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS: dict[str, tuple[str, str]] = {
    "player": ("player.bench", "trigger latency, loop seams, spawn-per-clip baseline, memory"),
    "remote": ("remote_web.bench", "tap to frame through the hub, fan-out to 50 phones"),
    "cloud": ("cloud_api.bench", "heartbeats, reconnect storm, command push, manifests"),
    "agent": ("agent.bench", "media sync vs raw copy, outbox drain, agent footprint"),
    "analytics": ("cloud_api.analytics_bench", "event ingest, sponsor report, PDF"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
    for name, (module_name, help_text) in BENCHMARKS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if not (exc.name and module_name.startswith(exc.name)):
                raise
            continue  # not built yet, or not installed on this machine
        bench = sub.add_parser(name, help=help_text, description=help_text, conflict_handler="resolve")
        bench.add_argument("--json", action="store_true", help="print one JSON object")
        module.add_arguments(bench)
        bench.set_defaults(_bench=module.run)


def run(args: argparse.Namespace) -> int:
    return int(args._bench(args) or 0)
