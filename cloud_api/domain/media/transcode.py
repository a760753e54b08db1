"""Background transcode into the player's one profile (neopro.media.profile), with progress.

The result is a new media row (media is content-addressed: bytes never change under an id);
its ``transcode_progress`` goes from 0 to 1 while ffmpeg runs, read from ``-progress``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker

from cloud_api.db.models import Media
from cloud_api.lib.security import new_id
from cloud_api.lib.storage import Storage
from neopro.media import profile

from . import ingest

log = logging.getLogger("cloud_api.transcode")


async def run(
    sessionmaker: async_sessionmaker, storage: Storage, media_id: str, source: Path, duration_s: float
) -> None:
    out = source.with_name(f"{new_id()}.mp4")
    try:
        await _ffmpeg(sessionmaker, media_id, source, out, duration_s)
        digest = await asyncio.to_thread(_sha256, out)
        info = await ingest.check_video(out)
        stored = await ingest.store(storage, out, digest, out.stat().st_size, "x.mp4", info)
        async with sessionmaker() as session:
            row = await session.get(Media, media_id)
            if row is not None:
                row.sha256, row.size, row.ext = stored.sha256, stored.size, stored.ext
                row.storage_key, row.thumbnail_key = stored.storage_key, stored.thumbnail_key
                row.duration_s, row.width, row.height = info.duration_s, info.width, info.height
                row.video_codec, row.status, row.transcode_progress = info.video_codec, "ready", 1.0
                await session.commit()
    except Exception as exc:
        log.warning("transcode of media %s failed: %s", media_id, exc)
        async with sessionmaker() as session:
            row = await session.get(Media, media_id)
            if row is not None:
                row.status, row.transcode_error = "failed", str(exc)[:500]
                await session.commit()
    finally:
        await asyncio.to_thread(source.unlink, missing_ok=True)
        await asyncio.to_thread(out.unlink, missing_ok=True)


async def _ffmpeg(
    sessionmaker: async_sessionmaker, media_id: str, source: Path, out: Path, duration_s: float
) -> None:
    cmd = [
        "ffmpeg", "-v", "error", "-nostats", "-y", "-i", str(source), "-vf", profile.video_filter(),
        *profile.encode_args(), "-progress", "pipe:1", str(out),
    ]  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    last = 0.0
    async for raw in proc.stdout:
        key, _, value = raw.decode(errors="replace").strip().partition("=")
        if key == "out_time_us" and value.isdigit() and duration_s > 0 and time.monotonic() - last > 0.5:
            last = time.monotonic()
            await _progress(sessionmaker, media_id, min(int(value) / 1e6 / duration_s, 0.99))
    stderr = await proc.stderr.read() if proc.stderr else b""
    if await proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed: {stderr.decode(errors='replace')[-300:]}")


async def _progress(sessionmaker: async_sessionmaker, media_id: str, fraction: float) -> None:
    async with sessionmaker() as session:
        row = await session.get(Media, media_id)
        if row is not None:
            row.transcode_progress = round(fraction, 3)
            await session.commit()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
