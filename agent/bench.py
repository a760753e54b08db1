"""``neopro bench agent``: media sync vs a raw download, outbox drain, and the agent's footprint.

Everything runs for real on loopback: a ``neopro cloud`` process (PostgreSQL by default),
an enrolled data directory, and a ``neopro agent run`` process.

- ``sync_mb_per_s`` vs ``raw_copy_mb_per_s``: the agent's media download (Range-capable,
  sha256 verified, fsynced, renamed) against a plain HTTP GET written to a file, of the same
  file from the same cloud, alternated in the same run (best of ``--repeat``).
  ``raw_durable_mb_per_s`` is that GET fsynced at the end: on loopback the disk, not the
  network, bounds a download that must survive a power cut, and this separates the cost of
  durability (the disk's) from the agent's own (hashing, resuming, bookkeeping).
- ``drain_events_per_s``: the agent process drains ``--events`` proof-of-play rows from
  ``state.db`` into the cloud's ingest (``POST /device/v1/events``, stored once each).
- ``rss_mb_idle`` / ``cpu_pct_idle``: the agent process enrolled and in sync, over
  ``--idle-s`` seconds; ``rss_mb_syncing``: its peak while it syncs the big file.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size-mb", type=int, default=100, help="size of the media file to sync")
    parser.add_argument("--repeat", type=int, default=3, help="sync and raw-copy runs (best is kept)")
    parser.add_argument("--events", type=int, default=50_000, help="proof-of-play rows to drain")
    parser.add_argument("--idle-s", type=float, default=10.0, help="how long idle is measured")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")


def run(args: argparse.Namespace) -> int:
    import asyncio

    from .bench_run import bench

    result = asyncio.run(bench(args))
    if args.json:
        import json

        print(json.dumps(result))
        return 0
    rows = [
        ("sync_mb_per_s", result["sync_mb_per_s"], "agent media sync (verified, fsynced, renamed)"),
        ("raw_copy_mb_per_s", result["raw_copy_mb_per_s"], "plain HTTP GET to a file, same file, same run"),
        ("sync_vs_raw", result["sync_vs_raw"], "target >= 0.8"),
        ("raw_durable_mb_per_s", result["raw_durable_mb_per_s"], "the same GET, fsynced at the end"),
        ("sync_vs_raw_durable", result["sync_vs_raw_durable"], "same durability on both sides"),
        ("drain_events_per_s", result["drain_events_per_s"], f"into {result['receiver']}"),
        ("rss_mb_idle", result["rss_mb_idle"], "target <= 60"),
        ("rss_mb_syncing", result["rss_mb_syncing"], "target <= 80"),
        ("cpu_pct_idle", result["cpu_pct_idle"], "target <= 1"),
    ]
    print(
        f"neopro bench agent  ({result['file_mb']} MB file, {result['events']} events, {result['database']})"
    )
    for key, value, note in rows:
        print(f"  {key:<20} {value:>10}   {note}")
    return 0
