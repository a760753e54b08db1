"""Download one content-addressed media file, resumably, so it is whole or invisible.

``media/<sha256>.<ext>.part`` grows while bytes arrive (hashed as they are written); its
strong ETag sits beside it in ``.part.etag`` so a later try asks ``Range: bytes=N-`` with
``If-Range: <etag>`` and the cloud either continues (206) or, if the file changed, sends it
whole (200). Only when the sha256 of the whole file is the one the configuration names is
the file fsynced, renamed to ``<sha256>.<ext>`` and the directory fsynced: the player only
ever looks at that name, so it never sees a partial or a wrong file.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from neopro.backoff import parse_retry_after
from neopro.contracts import is_sha256
from neopro.contracts.agent_status import DownloadProgress
from neopro.contracts.site_config import MEDIA_EXTENSIONS
from neopro.datadir import DataDir, atomic_write, fsync_dir, start_writeback

from .media_errors import NoSpace, Refused, Transient
from .status import StatusBoard
from .throttle import Throttle

log = logging.getLogger("neopro.agent.media")

_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
#: Hand bytes to the writer thread in slices this big, or this old: few thread hops on a fast
#: link, and little to fetch again after a kill on a slow one.
_FLUSH_BYTES = 1024 * 1024
#: Every this many written bytes the kernel is told to start writing them to disk (without
#: waiting), so the fsync before the rename has little left to do.
_WRITEBACK_EVERY_BYTES = 8 * 1024 * 1024
_FLUSH_AGE_S = 0.002


@dataclass(frozen=True)
class Wanted:
    sha256: str
    ext: str
    #: The size the configuration announces; 0 when it does not say.
    size: int = 0

    @property
    def filename(self) -> str:
        return f"{self.sha256}.{self.ext}"


@dataclass(frozen=True)
class MediaLimits:
    #: Anything bigger is refused as absurd (a 1080p clip of several hours is far below).
    max_file_bytes: int = 8 * 2**30
    #: Free space that must remain after a download.
    reserve_bytes: int = 512 * 2**20


@dataclass(frozen=True)
class Fetched:
    path: Path
    #: Body bytes received in this call (to measure what resuming saves).
    transferred: int
    resumed_from: int


def check_wanted(want: Wanted, limits: MediaLimits) -> None:
    """Refuse names shaped like paths and sizes that cannot be a clip, before any byte is written."""
    if not is_sha256(want.sha256):
        raise Refused(f"media sha256 {want.sha256!r:.80} is not 64 lower-case hex digits")
    if want.ext not in MEDIA_EXTENSIONS:
        raise Refused(f"media extension {want.ext!r:.40} is not one of {', '.join(MEDIA_EXTENSIONS)}")
    if want.size < 0 or want.size > limits.max_file_bytes:
        raise Refused(
            f"media {want.filename}: announced size {want.size} bytes is outside 0..{limits.max_file_bytes}"
        )


class _Sink:
    """The ``.part`` file and the running hash.

    ``update`` (hashing) runs on the event loop as each chunk arrives: a chunk is at most a
    few hundred KiB (well under a millisecond of SHA-256), and hashing there measured less
    CPU than hashing in the writer thread, which fought the loop for the GIL on a 2-core
    machine. ``write`` (the disk) runs in a worker thread: a write can block on a slow SD card.
    """

    def __init__(self, path: Path, offset: int) -> None:
        self.hasher = hashlib.sha256()
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if offset:
            self._hash_prefix(offset)
        os.ftruncate(self.fd, offset)
        os.lseek(self.fd, offset, os.SEEK_SET)
        self.unsynced = 0

    def _hash_prefix(self, length: int) -> None:
        os.lseek(self.fd, 0, os.SEEK_SET)
        left = length
        while left:
            chunk = os.read(self.fd, min(left, 1 << 20))
            if not chunk:
                raise OSError("the .part file is shorter than it was")
            self.hasher.update(chunk)
            left -= len(chunk)

    def restart(self) -> None:
        self.hasher = hashlib.sha256()
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)

    def update(self, chunk: bytes) -> None:
        self.hasher.update(chunk)

    def write(self, chunks: list[bytes]) -> None:
        """Append the chunks (already hashed) as they came, with no copy into one buffer."""
        original = chunks
        while chunks:
            written = os.writev(self.fd, chunks[:256])  # under IOV_MAX, however small the chunks
            while chunks and written >= len(chunks[0]):
                written -= len(chunks[0])
                chunks = chunks[1:]
            if chunks and written:
                chunks = [chunks[0][written:], *chunks[1:]]
        self.unsynced += sum(len(c) for c in original)
        if self.unsynced >= _WRITEBACK_EVERY_BYTES:
            start_writeback(self.fd)
            self.unsynced = 0

    def finish(self) -> str:
        os.fsync(self.fd)
        return self.hasher.hexdigest()

    def close(self) -> None:
        os.close(self.fd)


class _Progress:
    def __init__(self, board: StatusBoard | None, filename: str, total: int, start: int) -> None:
        self.board, self.filename, self.total = board, filename, total
        self.start = self.done = start
        self.t0 = self._last_log = time.monotonic()

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        rate = (self.done - self.start) / max(now - self.t0, 1e-6)
        percent = 100.0 * self.done / self.total if self.total else 0.0
        if self.board is not None:
            self.board.download(DownloadProgress(
                filename=self.filename, bytes_done=self.done, bytes_total=self.total,
                percent=round(percent, 1), rate_bytes_per_s=round(rate),
            ))  # fmt: skip
        if now - self._last_log >= 2.0:
            self._last_log = now
            log.info(
                "media %s: %.1f%% of %.1f MB at %.2f MB/s",
                self.filename,
                percent,
                self.total / 1e6,
                rate / 1e6,
            )


async def fetch_media(
    http: aiohttp.ClientSession,
    url: str,
    want: Wanted,
    data: DataDir,
    *,
    limits: MediaLimits | None = None,
    throttle: Throttle | None = None,
    board: StatusBoard | None = None,
    headers: dict[str, str] | None = None,
) -> Fetched:
    """Make ``media/<sha256>.<ext>`` exist with exactly the bytes named by ``want.sha256``."""
    limits = limits or MediaLimits()
    check_wanted(want, limits)
    final = data.media_path(want.filename)
    if final.exists():
        return Fetched(final, 0, 0)
    part = final.with_name(final.name + ".part")
    etag_file = final.with_name(final.name + ".part.etag")
    offset, etag = _resume_point(part, etag_file)
    if want.size and offset == want.size:
        # Every byte arrived before a stop cut the check short: verify it here, ask nothing.
        digest = await asyncio.to_thread(_hash_file, part)
        if digest == want.sha256:
            return await asyncio.to_thread(_make_visible, part, etag_file, final, want, 0, offset)
        _discard(part, etag_file)
        offset, etag = 0, None
    _guard_space(data, want.filename, (want.size or 0) - offset, limits)

    # Identity only: a compressed body would make byte ranges and lengths meaningless.
    request_headers = {**(headers or {}), "Accept-Encoding": "identity"}
    if offset and etag:
        request_headers["Range"] = f"bytes={offset}-"
        request_headers["If-Range"] = etag
    else:
        offset = 0

    try:
        async with http.get(url, headers=request_headers, allow_redirects=False) as resp:
            if resp.status in (429,) or resp.status >= 500:
                raise Transient(
                    f"media {want.filename}: the cloud answered {resp.status}",
                    parse_retry_after(resp.headers.get("Retry-After")),
                )
            if resp.status == 416:
                _discard(part, etag_file)
                raise Transient(f"media {want.filename}: the saved partial no longer fits; starting over")
            if resp.status not in (200, 206):
                raise Refused(f"media {want.filename}: the cloud answered {resp.status} to {url}")
            start, total = _body_span(resp, want, offset, limits)
            _guard_space(data, want.filename, total - start, limits)
            new_etag = resp.headers.get("ETag", "")
            if new_etag and not new_etag.startswith("W/") and new_etag != etag:
                await asyncio.to_thread(atomic_write, etag_file, new_etag.encode())
            elif not new_etag or new_etag.startswith("W/"):
                etag_file.unlink(missing_ok=True)  # no strong validator: a break means starting over
            sink = await asyncio.to_thread(_Sink, part, start)
            try:
                received = await _stream(resp, sink, want, start, total, throttle, board)
                digest = await asyncio.to_thread(sink.finish)
            finally:
                await asyncio.to_thread(sink.close)
    except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
        raise Transient(f"media {want.filename}: {type(exc).__name__}: {exc}") from None
    finally:
        if board is not None:
            board.download_done(want.filename)

    if digest != want.sha256:
        _discard(part, etag_file)
        raise Refused(
            f"media {want.filename}: the bytes received hash to {digest}, not the sha256 the configuration "
            "names; the file was discarded (check the media in the cloud's library)"
        )
    return await asyncio.to_thread(_make_visible, part, etag_file, final, want, received, start)


def _make_visible(
    part: Path, etag_file: Path, final: Path, want: Wanted, received: int, start: int
) -> Fetched:
    """The verified ``.part`` takes its content address: rename, then fsync the directory (blocking)."""
    os.replace(part, final)
    etag_file.unlink(missing_ok=True)
    fsync_dir(final.parent)
    size = final.stat().st_size
    log.info("media %s: verified and in place (%d bytes, resumed from %d)", want.filename, size, start)
    return Fetched(final, received, start)


def _hash_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            hasher.update(chunk)
    return hasher.hexdigest()


async def _stream(
    resp: aiohttp.ClientResponse,
    sink: _Sink,
    want: Wanted,
    start: int,
    total: int,
    throttle: Throttle | None,
    board: StatusBoard | None,
) -> int:
    """Hash the body as it arrives and write it to the sink; one slice is written in a thread
    while the next one arrives."""
    progress = _Progress(board, want.filename, total, start)
    position, received = start, 0
    pending: asyncio.Future[None] | None = None
    buffer: list[bytes] = []
    buffered = 0
    oldest = time.monotonic()
    try:
        while True:
            try:
                chunk = await resp.content.readany()
            except aiohttp.ClientPayloadError:
                chunk = _salvage(resp)
                if not chunk:
                    raise
            if not chunk:
                break
            received += len(chunk)
            if position + buffered + len(chunk) > total:
                raise Refused(
                    f"media {want.filename}: the cloud sent more than the {total} bytes it announced"
                )
            if throttle is not None:
                await throttle.take(len(chunk))
            if not buffer:
                oldest = time.monotonic()
            sink.update(chunk)
            buffer.append(chunk)
            buffered += len(chunk)
            if buffered >= _FLUSH_BYTES or time.monotonic() - oldest >= _FLUSH_AGE_S:
                if pending is not None:
                    await pending
                position += buffered
                progress.add(buffered)
                pending = asyncio.ensure_future(asyncio.to_thread(sink.write, buffer))
                buffer, buffered = [], 0
    finally:
        # Whatever arrived before a break is good (TCP delivered it in order): keep it, so
        # the next try resumes after it rather than fetching it again.
        if pending is not None:
            await pending
        if buffer:
            await asyncio.to_thread(sink.write, buffer)
            position += buffered
            progress.add(buffered)
    if position != total:
        raise Transient(f"media {want.filename}: the body stopped at byte {position} of {total}; will resume")
    return received


def _salvage(resp: aiohttp.ClientResponse) -> bytes:
    """Bytes that arrived before the link broke but that aiohttp holds back once it has the error.

    ``readany()`` raises as soon as the stream has an exception, even with data still
    buffered; on a dropped link that is up to a few hundred KiB we would fetch again. The
    buffered bytes are sound (TCP delivered them in order), so take them: a private call,
    guarded, that costs only a re-fetch if aiohttp ever renames it.
    """
    read_nowait = getattr(resp.content, "_read_nowait", None)
    if read_nowait is None:
        return b""
    try:
        return bytes(read_nowait(-1))
    except Exception:
        return b""


def _body_span(
    resp: aiohttp.ClientResponse, want: Wanted, offset: int, limits: MediaLimits
) -> tuple[int, int]:
    """Where the body starts in the file and how long the file is, or a refusal with the reason."""
    if resp.status == 206:
        match = _CONTENT_RANGE.match(resp.headers.get("Content-Range", ""))
        if not match:
            raise Refused(f"media {want.filename}: a 206 without a usable Content-Range")
        first, last, total = (int(g) for g in match.groups())
        if first != offset or last != total - 1:
            raise Refused(f"media {want.filename}: asked for bytes {offset}- and got {first}-{last}/{total}")
    else:
        length = resp.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise Refused(f"media {want.filename}: the answer has no Content-Length")
        first, total = 0, int(length)
    if total > limits.max_file_bytes or (want.size and total != want.size):
        raise Refused(
            f"media {want.filename}: the cloud announces {total} bytes, the configuration says "
            f"{want.size or 'nothing'} (limit {limits.max_file_bytes})"
        )
    return first, total


def _resume_point(part: Path, etag_file: Path) -> tuple[int, str | None]:
    try:
        size = part.stat().st_size
    except FileNotFoundError:
        return 0, None
    try:
        etag = etag_file.read_text().strip() or None
    except FileNotFoundError:
        etag = None
    return (size, etag) if etag else (0, None)


def _discard(part: Path, etag_file: Path) -> None:
    part.unlink(missing_ok=True)
    etag_file.unlink(missing_ok=True)


def _guard_space(data: DataDir, filename: str, needed: int, limits: MediaLimits) -> None:
    guard_space(data.media_dir, f"media {filename}", needed, limits.reserve_bytes)


def guard_space(directory: Path, what: str, needed: int, reserve_bytes: int) -> None:
    """Refuse to write ``needed`` more bytes under ``directory`` if less than the reserve would stay free.

    The one disk-space rule of the agent: media downloads and software updates both use it.
    """
    free = shutil.disk_usage(directory).free
    if needed > 0 and free - needed < reserve_bytes:
        raise NoSpace(
            f"{what}: needs {needed / 1e6:.1f} MB but only {free / 1e6:.1f} MB are free and "
            f"{reserve_bytes / 1e6:.0f} MB must stay free; free disk space on the Pi "
            "(nothing on air was deleted)"
        )
