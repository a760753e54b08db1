"""The measurements of ``neopro bench agent`` (see :mod:`agent.bench`); imported only by the bench."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from neopro.datadir import DataDir
from neopro.supervisor import free_port

from .bench_cloud import Admin, postgres_database, run_cloud
from .cloud_client import CloudClient, make_session
from .enroll import enroll
from .media_fetch import MediaLimits, Wanted, fetch_media
from .metrics import rss_mb


def big_clip(size_mb: int) -> Path:
    """A real H.264 file of about ``size_mb`` MB (lossless test pattern: fast to make, hard to shrink)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "neopro" / "bench"
    path = cache / f"agent-{size_mb}mb.mp4"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        seconds = max(2, round(size_mb / 1.7))
        tmp = path.with_suffix(".tmp.mp4")
        source = ["-f", "lavfi", "-i", "testsrc2=s=1280x720:r=25", "-t", str(seconds)]
        codec = ["-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p"]
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-y", *source, *codec, "-movflags", "+faststart", str(tmp)],
            check=True,
        )
        tmp.rename(path)
    return path


async def _raw_copy(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str], dest: Path, *, durable: bool
) -> float:
    """A plain GET written to a file (``curl -o``); ``durable``: fsynced at the end (``curl -o && sync``)."""
    t0 = time.perf_counter()
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        async with http.get(url, headers={**headers, "Accept-Encoding": "identity"}) as resp:
            resp.raise_for_status()
            async for chunk in resp.content.iter_chunked(1 << 20):
                os.write(fd, chunk)
        if durable:
            await asyncio.to_thread(os.fsync, fd)
    finally:
        os.close(fd)
    return time.perf_counter() - t0


async def _sync_speed(
    cloud_url: str, credential: str, media: dict, data: DataDir, repeat: int
) -> tuple[float, float, float]:
    """MB/s of the agent's sync, of a plain download, and of a plain download made durable."""
    size = media["size"]
    url = f"{cloud_url}/device/v1/media/{media['id']}"
    want = Wanted(media["sha256"], media["ext"], size)
    best_raw = best_durable = best_sync = float("inf")
    async with make_session() as http:
        client = CloudClient(cloud_url, credential, http)
        for _ in range(repeat):
            raw_dest = data.root / "raw-copy.bin"
            best_raw = min(best_raw, await _raw_copy(http, url, client.auth_headers, raw_dest, durable=False))
            raw_dest.unlink()
            best_durable = min(
                best_durable, await _raw_copy(http, url, client.auth_headers, raw_dest, durable=True)
            )
            raw_dest.unlink()
            (data.media_dir / want.filename).unlink(missing_ok=True)
            t0 = time.perf_counter()
            await fetch_media(
                http, url, want, data, limits=MediaLimits(reserve_bytes=0), headers=client.auth_headers
            )
            best_sync = min(best_sync, time.perf_counter() - t0)
        (data.media_dir / want.filename).unlink(missing_ok=True)
    return size / 1e6 / best_sync, size / 1e6 / best_raw, size / 1e6 / best_durable


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _outbox_count(data: DataDir) -> int:
    from neopro.state_db import connect

    conn = connect(data.state_db)
    try:
        return conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    finally:
        conn.close()


def _write_events(data: DataDir, count: int) -> None:
    import uuid
    from datetime import UTC, datetime

    from neopro.contracts import ProofOfPlay
    from neopro.contracts.proof_of_play import encode
    from neopro.state_db import open_outbox

    conn = open_outbox(data.state_db)
    now = datetime.now(UTC)
    conn.execute("BEGIN")
    for n in range(count):
        e = ProofOfPlay(
            event_id=uuid.uuid4().hex, media_id=f"clip-{n % 9}", sha256="a" * 64, phase="neutral",
            trigger="loop", started_at=now, ended_at=now, seconds_on_screen=15.0, completed=True,
            boot_id="b" * 32, started_mono_ns=n, ended_mono_ns=n + 1,
        )  # fmt: skip
        conn.execute(
            "INSERT INTO outbox(event_id, kind, body, closed, boot_id, created_mono_ns) VALUES (?,?,?,1,?,?)",
            (e.event_id, "proof_of_play", encode(e).decode(), e.boot_id, n),
        )
    conn.execute("COMMIT")
    conn.close()


def _start_agent(data: DataDir, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NEOPRO_DATA_DIR": str(data.root),
        "NEOPRO_AGENT_HUB_URL": f"http://127.0.0.1:{free_port()}",
        "NEOPRO_AGENT_UPLOAD_INTERVAL_S": "1",
    }
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "neopro", "agent", "run"], env=env, stdout=log, stderr=log
        )


async def _drain_rate(data: DataDir, total: int, deadline: float) -> float:
    """Events per second, from the first batch leaving the outbox to the last (polled every 10 ms:
    another process empties it). The wait before the agent's next upload pass is not counted."""
    left = total
    while left == total and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
        left = await asyncio.to_thread(_outbox_count, data)
    first_at, first_left = time.perf_counter(), left
    while left and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
        left = await asyncio.to_thread(_outbox_count, data)
    elapsed = time.perf_counter() - first_at
    return (first_left - left) / elapsed if elapsed > 0 else 0.0


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    clip = await asyncio.to_thread(big_clip, args.size_mb)
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="neopro-bench-agent-")))
        db_url = stack.enter_context(postgres_database()) if args.database == "postgres" else None
        cloud = stack.enter_context(run_cloud(work / "cloud", db_url, max_upload_bytes=4 * 2**30))
        admin = await Admin(cloud.url).login()
        club_id, site_id, code = await admin.new_site()
        media = await admin.upload(await asyncio.to_thread(clip.read_bytes), clip.name, club_id)
        data = DataDir(work / "edge").ensure()
        identity = await enroll(cloud.url, code, data)

        sync, raw, raw_durable = await _sync_speed(cloud.url, identity.credential, media, data, args.repeat)

        agent = _start_agent(data, work / "agent.log")
        stack.callback(agent.wait)
        stack.callback(agent.terminate)
        try:
            await asyncio.sleep(3.0)  # enrolled, heartbeat sent, nothing to do: idle
            cpu0, t0 = _cpu_s(agent.pid), time.perf_counter()
            rss_idle = 0.0
            while time.perf_counter() - t0 < args.idle_s:
                rss_idle = max(rss_idle, rss_mb(agent.pid) or 0.0)
                await asyncio.sleep(0.5)
            cpu_idle = 100 * (_cpu_s(agent.pid) - cpu0) / (time.perf_counter() - t0)

            await admin.publish(site_id, [media], note="bench")
            final = data.media_dir / f"{media['sha256']}.{media['ext']}"
            rss_sync = 0.0
            deadline = time.perf_counter() + 300
            while not final.exists() and time.perf_counter() < deadline:
                rss_sync = max(rss_sync, rss_mb(agent.pid) or 0.0)
                await asyncio.sleep(0.05)

            await asyncio.to_thread(_write_events, data, args.events)
            drain = await _drain_rate(data, args.events, deadline)
        finally:
            await admin.close()
    return {
        "sync_mb_per_s": round(sync, 1),
        "raw_copy_mb_per_s": round(raw, 1),
        "sync_vs_raw": round(sync / raw, 2),
        "raw_durable_mb_per_s": round(raw_durable, 1),
        "sync_vs_raw_durable": round(sync / raw_durable, 2),
        "drain_events_per_s": round(drain),
        "rss_mb_idle": round(rss_idle, 1),
        "rss_mb_syncing": round(max(rss_sync, rss_idle), 1),
        "cpu_pct_idle": round(cpu_idle, 2),
        "file_mb": round(media["size"] / 1e6, 1),
        "events": args.events,
        "database": args.database,
        "receiver": f"the cloud's ingest on {args.database}",
    }
