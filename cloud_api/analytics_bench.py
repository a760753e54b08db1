"""``neopro bench analytics``: event ingest, a sponsor's season report, the season PDF.

Everything runs on a fresh PostgreSQL database made for the run (dropped at the end). The
server is a separate process (uvicorn, ``--workers``) on loopback; this process is the load
generator: enrolled devices upload their outboxes in batches of 500, 10 % of each batch a
retry of events already sent, the events chained exactly as a Pi stamps them. The ingest
rate is what the database holds at the end divided by the time it took. Then millions of
plays are seeded by PostgreSQL itself (generate_series), and a sponsor's season analytics
and PDF are timed through the API.

The anchor (the earlier Neopro's ingest, measured on this kind of machine): about 5,400
events/s at best, one INSERT per event, no deduplication, no authentication.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ANCHOR_EVENTS_PER_S = 5400


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--pg", default=os.environ.get("NEOPRO_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--events", type=int, default=200_000, help="events uploaded through the API")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--duplicates", type=float, default=0.10, help="share of each batch that is a retry")
    parser.add_argument("--devices", type=int, default=16, help="devices uploading at the same time")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument(
        "--seed-events", type=int, default=5_000_000, help="stored events for the report timings"
    )
    parser.add_argument("--report-runs", type=int, default=40)
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--db", help="reuse this database (kept; seeded only if it holds no seeded events yet)"
    )


def run(args: argparse.Namespace) -> int:
    import psycopg

    from cloud_api.db.migrate import upgrade

    name = args.db or f"neopro_bench_analytics_{os.getpid()}_{secrets.token_hex(3)}"
    say = (lambda *_: None) if args.json else (lambda msg: print(f"  {msg}", file=sys.stderr, flush=True))
    args.keep_db = args.keep_db or bool(args.db)
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    conninfo = f"{args.pg}/{name}"
    url = conninfo.replace("postgresql://", "postgresql+psycopg://")
    try:
        upgrade(url)
        results = asyncio.run(_bench(args, conninfo, url, say))
    finally:
        if not args.keep_db:
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if args.json:
        print(json.dumps(results))
    else:
        _table(results)
    return 0


def _table(r: dict[str, Any]) -> None:
    rows = [
        (
            "ingest_events_per_s (stored, counted in the DB)",
            f"{r['ingest_events_per_s']:,.0f}",
            f"target >= 20,000; anchor {ANCHOR_EVENTS_PER_S:,} (x{r['ingest_vs_anchor']:.1f})",
        ),
        (
            "  offered incl. retried duplicates",
            f"{r['ingest_offered_events_per_s']:,.0f}",
            f"{r['ingest_events_sent']:,} sent, {r['ingest_events_stored']:,} stored once",
        ),
        (
            "  batch latency p50 / p95 (ms)",
            f"{r['ingest_batch_ms']['p50']:.0f} / {r['ingest_batch_ms']['p95']:.0f}",
            f"{r['devices']} devices, {r['workers']} workers",
        ),
        (
            "sponsor_report_ms p50 / p95",
            f"{r['sponsor_report_ms']['p50']:.1f} / {r['sponsor_report_ms']['p95']:.1f}",
            f"target p95 <= 200; a season of {r['sponsor_events']:,} plays among {r['stored_events']:,}",
        ),
        (
            "pdf_s (season sponsor PDF)",
            f"{r['pdf_s']:.2f}",
            f"{r['pdf_bytes']:,} bytes, {r['pdf_pages']} pages",
        ),
        (
            "  CPU seconds: server / PostgreSQL / load generator",
            f"{r['server_cpu_s']:.1f} / {r['postgres_cpu_s']:.1f} / {r['loadgen_cpu_s']:.1f}",
            f"in {r['ingest_s']:.1f} s of ingest (2 cores shared with PostgreSQL)",
        ),
        ("seed (generate_series + rollups)", f"{r['seed_s']:.0f} s", ""),
    ]
    width = max(len(a) for a, _, _ in rows)
    print(f"{'neopro bench analytics':<{width}}  {'value':>14}  notes")
    for a, b, c in rows:
        print(f"{a:<{width}}  {b:>14}  {c}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _bench(args: argparse.Namespace, conninfo: str, url: str, say: Any) -> dict[str, Any]:
    import httpx

    from cloud_api.lib.security import TokenKeys

    secret = secrets.token_urlsafe(32)
    devices = await asyncio.to_thread(_enroll_devices, conninfo, args.devices)
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="neopro-bench-") as data_dir:
        env = {
            **os.environ,
            "NEOPRO_DATABASE_URL": url,
            "NEOPRO_CLOUD_DATA_DIR": data_dir,
            "NEOPRO_JWT_SECRET": secret,
            "NEOPRO_LOG_JSON": "0",
            "NEOPRO_DB_POOL_SIZE": "8",
        }
        server = subprocess.Popen(  # noqa: ASYNC220  (started once, before anything is timed)
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "cloud_api.server.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base, timeout=120) as http:
                await _wait_ready(http, server)
                say(f"generating {args.events:,} chained events for {args.devices} devices")
                uploads, unique = await asyncio.to_thread(_make_uploads, devices, args)
                say("ingest through the API")
                server_cpu0 = _tree_cpu(server.pid)
                ingest = await _ingest(base, [c for _, c in devices], uploads)
                ingest["server_cpu"] = round(_tree_cpu(server.pid) - server_cpu0, 2)
                ingest["pg_cpu"] = await asyncio.to_thread(_backends_cpu, conninfo)
                stored = await asyncio.to_thread(_count, conninfo, [d[0] for d in devices])
                assert stored == unique, f"stored {stored} events, expected {unique}: lost or doubled"
                say(f"seeding {args.seed_events:,} events with generate_series")
                from cloud_api import analytics_bench_seed as seeding

                t0 = time.perf_counter()
                if await asyncio.to_thread(seeding.seeded, conninfo) == 0:
                    await asyncio.to_thread(seeding.seed, conninfo, args.seed_events, progress=say)
                seed_s = time.perf_counter() - t0
                keys = TokenKeys(secret, "neopro-cloud", "neopro-api", 3600)
                admin = {
                    "Authorization": "Bearer "
                    + keys.issue({"sub": "bench", "club": None, "role": "platform_admin", "typ": "access"})
                }
                sponsor = seeding.sponsor_id(3)
                season = {
                    "date_from": seeding.SEASON_START.isoformat(),
                    "date_to": seeding.SEASON_END.isoformat(),
                }
                say("sponsor season analytics")
                report = await _report_latency(http, admin, sponsor, season, args.report_runs)
                say("season PDF")
                t0 = time.perf_counter()
                r = await http.get(
                    f"/api/v1/analytics/sponsors/{sponsor}/report.pdf", params=season, headers=admin
                )
                pdf_s = time.perf_counter() - t0
                assert r.status_code == 200, r.text
                stored_total = await asyncio.to_thread(_count, conninfo, None)
        finally:
            server.terminate()
            server.wait(timeout=30)
    sent = args.events
    return {
        "ingest_events_per_s": round(unique / ingest["elapsed"], 1),
        "ingest_offered_events_per_s": round(sent / ingest["elapsed"], 1),
        "ingest_vs_anchor": round(unique / ingest["elapsed"] / ANCHOR_EVENTS_PER_S, 2),
        "ingest_events_sent": sent,
        "ingest_events_stored": unique,
        "ingest_batch_ms": ingest["batch_ms"],
        "ingest_duplicates_reported": ingest["duplicates"],
        "ingest_s": round(ingest["elapsed"], 2),
        "loadgen_cpu_s": round(ingest["cpu"], 2),
        "server_cpu_s": ingest.get("server_cpu"),
        "postgres_cpu_s": ingest.get("pg_cpu"),
        "devices": args.devices,
        "workers": args.workers,
        "sponsor_report_ms": report["ms"],
        "sponsor_events": report["plays"],
        "stored_events": stored_total,
        "pdf_s": round(pdf_s, 3),
        "pdf_bytes": len(r.content),
        "pdf_pages": r.content.count(b"/Type /Page\n") or r.content.count(b"/Type /Page"),
        "seed_s": round(seed_s, 1),
    }


async def _wait_ready(http: Any, server: subprocess.Popen) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            if (await http.get("/health")).status_code == 200:
                return
        except Exception:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the server did not answer /health within 60 s")


def _enroll_devices(conninfo: str, n: int) -> list[tuple[str, str]]:
    """Devices with real credentials, written straight to the database: (device_id, credential)."""
    import psycopg

    from cloud_api.lib.security import sha256_hex

    out = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO clubs (id, name, created_at) VALUES ('bench-load-club', 'Bench load club', now())"
        )
        for i in range(n):
            site, device, secret = f"bench-load-site-{i}", uuid.uuid4().hex, secrets.token_urlsafe(32)
            conn.execute(
                "INSERT INTO sites (id, club_id, name, created_at) VALUES (%s, 'bench-load-club', %s, now())",
                (site, f"Load site {i}"),
            )
            conn.execute(
                "INSERT INTO devices (id, site_id, club_id, secret_hash, hardware, enrolled_at) "
                "VALUES (%s, %s, 'bench-load-club', %s, '{}', now())",
                (device, site, sha256_hex(secret)),
            )
            out.append((device, f"{device}.{secret}"))
    return out


def _make_uploads(devices: list[tuple[str, str]], args: argparse.Namespace) -> tuple[list[list[bytes]], int]:
    """Per device, its batches as encoded bodies; each batch after the first retries some events."""
    import msgspec

    from neopro.contracts.proof_of_play import ProofOfPlay
    from neopro.proof_chain import GENESIS, event_hash

    per_device = args.events // len(devices)
    retry = int(args.batch * args.duplicates)
    fresh_per_batch = args.batch - retry
    start = datetime.now(UTC) - timedelta(days=1)
    uploads, unique = [], 0
    for d, _ in devices:
        bodies: list[bytes] = []
        prev, seq, previous_batch = GENESIS, 0, []
        sent = 0
        while sent < per_device:
            fresh = []
            for _ in range(min(fresh_per_batch if bodies else args.batch, per_device - sent)):
                seq += 1
                e = ProofOfPlay(
                    event_id=uuid.uuid4().hex,
                    media_id=f"bench-media-{seq % 7}",
                    sha256="b" * 64,
                    sponsor_id=f"bench-sponsor-{seq % 20:02d}",
                    phase="during",
                    trigger="loop",
                    started_at=start + timedelta(seconds=seq * 15),
                    seconds_on_screen=15.0,
                    completed=True,
                    match_session_id=f"load-{d[:6]}",
                    boot_id="bench-boot",
                    started_mono_ns=seq * 15 * 10**9,
                    clock_synced=True,
                    seq=seq,
                    prev_hash=prev,
                )
                prev = event_hash(e)
                fresh.append(msgspec.json.encode(e))
            retried = previous_batch[:retry] if bodies else []
            body = b'{"events":[' + b",".join(fresh + retried) + b"]}"
            bodies.append(body)
            sent += len(fresh) + len(retried)
            unique += len(fresh)
            previous_batch = fresh
        uploads.append(bodies)
    return uploads, unique


async def _ingest(base: str, credentials: list[str], uploads: list[list[bytes]]) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    duplicates = 0

    async def device(credential: str, bodies: list[bytes]) -> None:
        nonlocal duplicates
        headers = {"Authorization": f"Bearer {credential}", "Content-Type": "application/json"}
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            for body in bodies:
                t0 = time.perf_counter()
                r = await http.post("/device/v1/events", content=body, headers=headers)
                latencies.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    raise RuntimeError(f"ingest answered {r.status_code}: {r.text[:300]}")
                duplicates += r.json()["duplicate"]

    t0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(device(c, b) for c, b in zip(credentials, uploads, strict=True)))
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {"elapsed": elapsed, "batch_ms": _percentiles(latencies), "duplicates": duplicates, "cpu": cpu}


async def _report_latency(http: Any, headers: dict[str, str], sponsor: str, season: dict, runs: int) -> dict:
    times, plays = [], 0
    for i in range(runs + 3):
        t0 = time.perf_counter()
        r = await http.get("/api/v1/analytics/", params={"sponsor_id": sponsor, **season}, headers=headers)
        ms = (time.perf_counter() - t0) * 1000
        assert r.status_code == 200, r.text
        plays = r.json()["totals"]["plays"]
        if i >= 3:  # the first calls warm the pool and the statement cache
            times.append(ms)
    return {"ms": _percentiles(times), "plays": plays}


def _tree_cpu(pid: int, children: bool = True) -> float:
    """CPU seconds (user + system) of ``pid`` and its direct children (the uvicorn workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or (children and int(fields[1]) == pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _backends_cpu(conninfo: str) -> float:
    """CPU seconds of the PostgreSQL backends serving the bench database (the server's pool)."""
    import psycopg

    with psycopg.connect(conninfo) as conn:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )]  # fmt: skip
    return round(sum(_tree_cpu(pid, children=False) for pid in pids), 2)


def _percentiles(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return {"p50": round(statistics.median(values), 2), "p95": round(p95, 2)}


def _count(conninfo: str, device_ids: list[str] | None) -> int:
    import psycopg

    with psycopg.connect(conninfo) as conn:
        if device_ids is None:
            return conn.execute("SELECT count(*) FROM play_events").fetchone()[0]  # type: ignore[index]
        return conn.execute(
            "SELECT count(*) FROM play_events WHERE device_id = ANY(%s)", (device_ids,)
        ).fetchone()[0]  # type: ignore[index]


def main() -> int:
    parser = argparse.ArgumentParser(prog="neopro bench analytics", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
