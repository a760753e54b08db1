"""Receiving a video from the local admin: streamed, hashed, checked, content-addressed.

The user's file name is never used to build a path: the body is streamed to a random
``*.part`` name inside ``incoming/`` (outside ``media/``: the agent's media GC never sees
it), hashed on the way, checked with ffprobe (:func:`neopro.media.probe.probe`) and renamed
to ``media/<sha256>.<ext>``. The file name only
suggests a title. The size cap is enforced from ``Content-Length`` before any of the body
is read, and again while streaming (a chunked upload has no length).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from aiohttp import web

from neopro.datadir import DataDir, fsync_dir
from neopro.media.probe import MediaInfo, MediaRejected, probe

CHUNK = 1 << 20


class TooLarge(Exception):
    pass


@dataclass(frozen=True)
class Received:
    """A checked upload still under its random ``*.part`` name: nobody plays it yet."""

    part: Path
    sha256: str
    size: int
    info: MediaInfo


@dataclass(frozen=True)
class Stored:
    sha256: str
    ext: str
    size: int
    info: MediaInfo
    path: Path


def title_from_filename(name: str) -> str:
    """A title suggested by the uploaded file's name: its last part, without extension."""
    last = PureWindowsPath(PurePosixPath(name).name).name
    stem = last.rsplit(".", 1)[0] if "." in last.lstrip(".") else last.lstrip(".")
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in stem).split())
    return cleaned[:80] or "Video"


def _ext_for(info: MediaInfo) -> str:
    return "mp4" if info.container.startswith("mov,mp4") else "mkv"


class _Sink:
    """Blocking file writes and hashing, run in a thread chunk by chunk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.digest = hashlib.sha256()
        self.size = 0
        self._fh = path.open("xb")

    def write(self, data: bytes) -> None:
        self._fh.write(data)
        self.digest.update(data)
        self.size += len(data)

    def finish(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._fh.close()
        self.path.unlink(missing_ok=True)


async def receive(request: web.Request, data_dir: DataDir, max_bytes: int) -> Received:
    """Stream the body into ``incoming/upload-*.part``, hashed and probed.

    Raises :class:`TooLarge` past ``max_bytes`` and :class:`MediaRejected` for a non-video.
    """
    incoming = data_dir.ensure().incoming_dir
    await asyncio.to_thread(incoming.mkdir, exist_ok=True)
    part = incoming / f"upload-{secrets.token_hex(8)}.part"
    sink = await asyncio.to_thread(_Sink, part)
    try:
        buffer = bytearray()
        async for chunk in request.content.iter_chunked(256 * 1024):
            buffer += chunk
            if sink.size + len(buffer) > max_bytes:
                raise TooLarge
            if len(buffer) >= CHUNK:
                await asyncio.to_thread(sink.write, bytes(buffer))
                buffer.clear()
        if buffer:
            await asyncio.to_thread(sink.write, bytes(buffer))
        await asyncio.to_thread(sink.finish)
        if sink.size == 0:
            raise MediaRejected("the file is empty")
        info = await asyncio.to_thread(probe, part)
        return Received(part=part, sha256=sink.digest.hexdigest(), size=sink.size, info=info)
    except BaseException:
        await asyncio.to_thread(sink.abort)
        raise


async def commit(data_dir: DataDir, received: Received) -> Stored:
    """Give a checked upload its content-addressed name ``media/<sha256>.<ext>``."""
    ext = _ext_for(received.info)
    final = data_dir.media_path(f"{received.sha256}.{ext}")
    await asyncio.to_thread(_commit, received.part, final)
    return Stored(sha256=received.sha256, ext=ext, size=received.size, info=received.info, path=final)


def remove_leftovers(data_dir: DataDir) -> int:
    """Delete the ``*.part`` files of uploads and conversions a previous run left (blocking).

    ``media/`` is swept too: hubs before ``incoming/`` existed left their scratch there.
    """
    count = 0
    for folder in (data_dir.incoming_dir, data_dir.media_dir):
        for pattern in ("upload-*.part", "transcode-*.part"):
            for path in folder.glob(pattern):
                path.unlink(missing_ok=True)
                count += 1
    return count


def _commit(part: Path, final: Path) -> None:
    if final.exists():  # the same content already there: keep the one we have
        part.unlink()
        return
    os.replace(part, final)
    fsync_dir(final.parent)
