"""``neopro bench cloud``: heartbeats stored per second, a reconnect storm, push latency, 304s.

The server runs as its own process (``neopro cloud``, several workers) on a fresh PostgreSQL
database; this process is the load generator, on loopback. Figures:

- ``heartbeat_rps`` / ``heartbeat_p99_ms``: heartbeats offered at ``--rate`` (open loop, latency
  counted from when each was due) and actually stored (rows counted in the database), and the
  p99 of their round trip; ``heartbeat_max_rps``: the most stored per second, closed loop.
- ``reconnect_storm_s`` / ``reconnect_rejected``: the server restarted, every agent opens its
  push websocket at the same instant; seconds until all have their hello frame, and failures.
- ``push_ms`` {p50, p95}: command created through the admin API -> frame on the agent's socket,
  with every agent connected.
- ``manifest_rps``: conditional manifest requests answered 304.
"""

from __future__ import annotations

import argparse
import os

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agents", type=int, default=1000, help="enrolled agents (sites)")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of the heartbeat and manifest runs"
    )
    parser.add_argument(
        "--concurrency", type=int, default=128, help="keep-alive connections of the HTTP runs"
    )
    parser.add_argument(
        "--rate",
        type=float,
        # 5 % above the 5,000/s target: offering exactly the target could never measure above it
        default=5250.0,
        help="heartbeats offered per second (open loop)",
    )
    parser.add_argument(
        "--connections", type=int, default=256, help="keep-alive connections of the open loop"
    )
    parser.add_argument("--push-samples", type=int, default=200)
    parser.add_argument(
        "--pg", default=os.environ.get("NEOPRO_BENCH_PG", DEFAULT_PG), help="PostgreSQL server (no db)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    import json

    import uvloop

    from .bench_run import bench

    # The load generator shares the machine's cores with the server: on uvloop it spends less
    # of them (uvicorn serves on uvloop too).
    result = uvloop.run(bench(args))
    if args.json:
        print(json.dumps(result))
    else:
        rows = [
            (
                "heartbeat_rps (stored/s)",
                f"{result['heartbeat_rps']:.0f}",
                f">= 5000 (offered {args.rate:.0f}/s)",
            ),
            (
                "heartbeats stored / offered",
                f"{result['heartbeat_stored']}/{result['heartbeat_offered']}",
                "all",
            ),
            ("heartbeat_p99_ms", f"{result['heartbeat_p99_ms']:.1f}", "<= 50"),
            ("heartbeat_max_rps (closed)", f"{result['heartbeat_max_rps']:.0f}", ""),
            ("reconnect_storm_s", f"{result['reconnect_storm_s']:.2f}", f"<= 5 for {args.agents} agents"),
            ("reconnect_rejected", str(result["reconnect_rejected"]), "0"),
            ("push_ms p50", f"{result['push_ms']['p50']:.1f}", ""),
            ("push_ms p95", f"{result['push_ms']['p95']:.1f}", "<= 100"),
            ("manifest_rps (304/s)", f"{result['manifest_rps']:.0f}", ""),
        ]
        print(f"neopro bench cloud — {args.agents} agents, {args.workers} server workers, PostgreSQL")
        print(f"{'figure':<28}{'value':>12}  target")
        for name, value, target in rows:
            print(f"{name:<28}{value:>12}  {target}")
    return 0
