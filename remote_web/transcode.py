"""Uploads not in the player's profile are converted on the Pi, one at a time, in the background.

ARCHITECTURE decision 10: the player starts and loops fastest on one profile
(:mod:`neopro.media.profile`). A phone's video (B-frames, another size or frame rate, no
audio) is converted once, with ffmpeg at low priority; the admin page follows the job's
progress, and the converted file — content-addressed like any other — is what gets filed
in the category. The upload itself is deleted once converted.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import secrets
import shutil
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Literal

from neopro.datadir import DataDir
from neopro.media import profile
from neopro.media.probe import MediaInfo, MediaRejected, probe

from . import uploads

log = logging.getLogger(__name__)
KEEP_JOBS = 20


def in_profile(info: MediaInfo) -> bool:
    """True when the file already is what the player plays best: no conversion needed."""
    return (
        info.video_codec == "h264"
        and not info.has_b_frames
        and (info.width, info.height) == (profile.WIDTH, profile.HEIGHT)
        and abs(info.fps - profile.FPS) < 0.01
        and info.audio_codec == "aac"
    )


@dataclass
class Job:
    id: str
    title: str
    category: str
    state: Literal["queued", "running", "done", "failed"] = "queued"
    progress: float = 0.0
    message: str = ""
    video_id: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


OnDone = Callable[[Job, uploads.Stored], Awaitable[str]]


class Transcoder:
    def __init__(self, data_dir: DataDir, on_done: OnDone) -> None:
        self._data_dir = data_dir
        self._on_done = on_done
        self._one_at_a_time = asyncio.Semaphore(1)
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._tasks: set[asyncio.Task] = set()
        self._ids = itertools.count(1)

    def submit(self, received: uploads.Received, *, title: str, category: str) -> Job:
        job = Job(id=f"j{next(self._ids)}", title=title, category=category)
        self.jobs[job.id] = job
        while len(self.jobs) > KEEP_JOBS:
            self.jobs.popitem(last=False)
        task = asyncio.create_task(self._run(job, received), name=f"transcode-{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self, job: Job, received: uploads.Received) -> None:
        out = self._data_dir.incoming_dir / f"transcode-{secrets.token_hex(8)}.part"
        try:
            async with self._one_at_a_time:
                job.state = "running"
                await self._ffmpeg(job, received, out)
                stored = await self._store(out)
                job.video_id = await self._on_done(job, stored)
                job.state, job.progress = "done", 1.0
                log.info("converted %r into %s", job.title, stored.path.name)
        except asyncio.CancelledError:
            job.state, job.message = "failed", "the hub stopped during the conversion"
            raise
        except Exception as exc:
            job.state, job.message = "failed", str(exc) or type(exc).__name__
            log.warning("conversion of %r failed: %s", job.title, job.message)
        finally:
            received.part.unlink(missing_ok=True)
            out.unlink(missing_ok=True)

    async def _ffmpeg(self, job: Job, received: uploads.Received, out) -> None:
        info = received.info
        if info.audio_codec is None:  # a silent clip still gets the profile's audio track
            audio_in = [
                "-f",
                "lavfi",
                "-i",
                f"anullsrc=channel_layout=stereo:sample_rate={profile.AUDIO_RATE}",
            ]
            maps = ["-map", "0:v:0", "-map", "1:a:0", "-shortest"]
        else:
            audio_in, maps = [], ["-map", "0:v:0", "-map", "0:a:0"]
        cmd = [
            "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(received.part),
            *audio_in, *maps, "-vf", profile.video_filter(), *profile.encode_args(),
            "-f", "mp4", "-progress", "pipe:1", "-nostats", str(out),
        ]  # fmt: skip
        if shutil.which("nice"):
            cmd = ["nice", "-n", "10", *cmd]  # the remote and the player come first
        proc = await asyncio.create_subprocess_exec(
            *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        try:
            assert proc.stdout is not None and proc.stderr is not None
            errors = asyncio.create_task(proc.stderr.read())
            async for line in proc.stdout:
                key, _, value = line.decode(errors="replace").strip().partition("=")
                if key == "out_time_us" and value.isdigit() and info.duration_s > 0:
                    job.progress = min(0.99, int(value) / 1e6 / info.duration_s)
            code = await proc.wait()
            if code != 0:
                detail = (await errors).decode(errors="replace").strip().splitlines()
                raise MediaRejected(
                    f"the conversion failed ({detail[-1] if detail else f'ffmpeg exit {code}'})"
                )
        finally:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()

    async def _store(self, out) -> uploads.Stored:
        sha, size = await asyncio.to_thread(_hash, out)
        info = await asyncio.to_thread(probe, out)
        received = uploads.Received(part=out, sha256=sha, size=size, info=info)
        return await uploads.commit(self._data_dir, received)


def _hash(path) -> tuple[str, int]:
    import hashlib

    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
