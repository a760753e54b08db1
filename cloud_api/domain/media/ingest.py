"""Taking an upload in: stream to disk with a size limit, hash, probe, thumbnail, store.

The body is never held in memory: it goes to a temporary file in chunks while its sha256 is
computed and its size counted; past the limit the upload stops with 413. ffprobe checks it
against the allow-list (neopro.media.probe) and says why it is refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from cloud_api.lib.security import new_id
from cloud_api.lib.storage import Storage
from cloud_api.server.errors import FieldError
from neopro.media.probe import MediaInfo, MediaRejected, probe_async

_SAFE_NAME = re.compile(r"[^A-Za-z0-9 ._()-]+")


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    ext: str
    info: MediaInfo
    storage_key: str
    thumbnail_key: str | None


def too_large(limit: int) -> FieldError:
    return FieldError(
        413, "body", f"the file is larger than the {limit // (1024 * 1024)} MiB limit; send a smaller one"
    )


async def receive(chunks: AsyncIterator[bytes], scratch: Path, limit: int) -> tuple[Path, str, int]:
    """Write the body to a scratch file; returns (path, sha256, size). Raises 413 past ``limit``."""
    await asyncio.to_thread(scratch.mkdir, parents=True, exist_ok=True)
    path = scratch / f"{new_id()}.part"
    digest = hashlib.sha256()
    size = 0
    f = await asyncio.to_thread(open, path, "wb")
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            digest.update(chunk)
            await asyncio.to_thread(f.write, chunk)
    except BaseException:
        f.close()
        path.unlink(missing_ok=True)
        raise
    f.close()
    return path, digest.hexdigest(), size


def clean_name(name: str) -> str:
    base = _SAFE_NAME.sub("_", os.path.basename(name or "")).strip() or "video"
    return base[:200]


def choose_ext(name: str, info: MediaInfo) -> str:
    asked = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if info.container.startswith("matroska"):
        return asked if asked in ("mkv", "webm") else "mkv"
    return asked if asked in ("mp4", "m4v", "mov") else "mp4"


async def check_video(path: Path) -> MediaInfo:
    try:
        return await probe_async(path)
    except MediaRejected as exc:
        raise FieldError(422, "file", f"this file is refused: {exc}") from None


async def thumbnail(source: Path, info: MediaInfo) -> Path | None:
    """A 320-px wide JPEG from a second in (or the middle of a shorter clip)."""
    out = source.with_suffix(".jpg")
    at = min(1.0, info.duration_s / 2)
    cmd = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-ss",
        f"{at:.2f}",
        "-i",
        str(source),
        "-frames:v",
        "1",
        "-vf",
        "scale=320:-2",
        str(out),
    ]
    done = await asyncio.to_thread(subprocess.run, cmd, capture_output=True, timeout=60, check=False)
    return out if done.returncode == 0 and out.exists() else None


async def store(storage: Storage, path: Path, sha256: str, size: int, name: str, info: MediaInfo) -> Stored:
    ext = choose_ext(name, info)
    thumb = await thumbnail(path, info)
    thumb_key = None
    if thumb is not None:
        thumb_key = f"thumbs/{sha256}.jpg"
        await storage.put_file(thumb_key, thumb, "image/jpeg")
    key = f"media/{sha256}.{ext}"
    await storage.put_file(key, path, "video/mp4" if ext != "mkv" else "video/x-matroska")
    return Stored(sha256=sha256, size=size, ext=ext, info=info, storage_key=key, thumbnail_key=thumb_key)
