"""The one libmpv instance, and the bridge from mpv's event thread to asyncio.

python-mpv calls every callback on mpv's own event thread; each one is stamped with
``time.monotonic_ns()`` there (the instant that matters for proof-of-play and latency) and
handed to the asyncio loop with ``call_soon_threadsafe``, where the state machine lives.
Every event carries the playlist entry id of the file it belongs to, so an event of a
timeline that was replaced a moment ago is never taken for one of the new timeline.

One instance for the life of the process: creating one per clip crashes libmpv after a few
dozen clips, and costs ~100 ms each time. See the mpv manual for every option used here.

Why ``video-timing-offset=0``: by default mpv hands each frame to the VO 50 ms before it is
due, and the VO thread then sleeps until that instant to flip it. A ``loadfile`` landing in
that window could not show the new clip until the old frame's flip was over: up to 40 ms
more at 25 fps, depending on where in the frame the tap fell (raw libmpv, prepared clips,
random phase: first frame p50/p95 32/50 ms by default, 16/20 ms with the offset at 0). At
0 the VO gets each frame when it is due and flips it at once: the loop plays the same
frames at the same pace, each presented a render time later (nothing on ``vo=null``, a few
ms on a Pi's GPU), and a cut-in finds the VO free.

Not used, on measurement: ``video-latency-hacks`` (``playback-restart`` comes sooner but,
per ``--dump-stats``, the new clip's first frame is presented no sooner: it only stops mpv
waiting for that frame, so our latency figures would flatter us) and pausing before a
``loadfile`` (slower).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpv

from .settings import PlayerSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineEvent:
    kind: str  # "restart" | "chapter" | "eof" | "end_file" | "shutdown"
    entry: int
    mono_ns: int
    value: Any = None
    error: int = 0


class MpvFailure(RuntimeError):
    """libmpv died or refused a command: the process must end non-zero (systemd restarts it)."""


def mpv_options(settings: PlayerSettings) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "vo": settings.vo,
        "ao": settings.ao,
        "hwdec": "no",
        # Stay alive with nothing loaded, and hold the last frame at the end of a timeline
        # (never a black frame while the next one loads).
        "idle": "yes",
        "keep_open": "yes",
        "image_display_duration": "inf",
        "osc": "no",
        "osd_level": "0",
        "input_default_bindings": "no",
        "input_vo_keyboard": "no",
        "cursor_autohide": "always",
        "audio_file_auto": "no",
        "sub_auto": "no",
        "ytdl": "no",
        "load_scripts": "no",
        "hr_seek": "yes",
        "volume_max": "100",
        # A cut-in must not wait behind the old clip's frame: see the module docstring.
        "video_timing_offset": "0",
    }
    if settings.vo != "null":
        opts["force_window"] = "yes"
        opts["fullscreen"] = "yes" if settings.fullscreen else "no"
    if settings.gpu_context:
        opts["gpu_context"] = settings.gpu_context
    if settings.drm_mode:
        opts["drm_mode"] = settings.drm_mode
    for key, value in settings.mpv_options.items():
        opts[key.replace("-", "_")] = value
    return opts


def _mute_main_handle(m: mpv.MPV) -> None:
    """python-mpv reads events on a second client handle; mpv also queues every broadcast event
    on the main handle, which nobody reads, until it logs "Too many events queued" (after ~1000
    events, a few hundred clips) and drops them. Ask for none there."""
    for event_id in mpv.MpvEventID.ANY:
        if event_id == mpv.MpvEventID.SHUTDOWN:
            continue
        with contextlib.suppress(Exception):  # an id this libmpv does not know
            mpv._mpv_request_event(m.handle, event_id, 0)


class Engine:
    """Owns the MPV instance; methods are called from the asyncio loop's thread."""

    def __init__(self, settings: PlayerSettings, loop: asyncio.AbstractEventLoop,
                 sink: Callable[[EngineEvent], None]) -> None:  # fmt: skip
        self._loop = loop
        self._sink = sink
        self._closing = False
        self._entry = 0  # the playlist entry mpv is playing (written on mpv's thread)
        #: The latest playback position, written on mpv's thread at every frame.
        self.time_pos: float | None = None
        self.time_pos_mono_ns = 0
        try:
            self.mpv = mpv.MPV(log_handler=self._log, loglevel="warn", **mpv_options(settings))
        except Exception as exc:  # libmpv missing, a bad vo/ao or option
            raise MpvFailure(f"libmpv could not start: {exc}") from exc
        m = self.mpv
        _mute_main_handle(m)
        m.register_event_callback(self._on_event)
        m.observe_property("chapter", self._on_chapter)
        m.observe_property("eof-reached", self._on_eof)
        m.observe_property("time-pos", self._on_time_pos)

    # -- mpv thread ---------------------------------------------------------------------
    def _emit(self, kind: str, value: Any = None, error: int = 0, entry: int | None = None) -> None:
        event = EngineEvent(kind, self._entry if entry is None else entry, time.monotonic_ns(), value, error)
        with contextlib.suppress(RuntimeError):  # the loop is closed: the process is ending
            self._loop.call_soon_threadsafe(self._sink, event)

    def _on_event(self, event: Any) -> None:
        kind = event.event_id.value if hasattr(event.event_id, "value") else event.event_id
        if kind == mpv.MpvEventID.START_FILE:
            self._entry = event.data.playlist_entry_id
        elif kind == mpv.MpvEventID.PLAYBACK_RESTART:
            self._emit("restart")
        elif kind == mpv.MpvEventID.END_FILE:
            data = event.data
            self._emit("end_file", data.reason, data.error, entry=data.playlist_entry_id)
        elif kind == mpv.MpvEventID.SHUTDOWN and not self._closing:
            self._emit("shutdown")

    def _on_chapter(self, _name: str, value: Any) -> None:
        if value is not None:
            self._emit("chapter", int(value))

    def _on_eof(self, _name: str, value: Any) -> None:
        if value:
            self._emit("eof", True)

    def _on_time_pos(self, _name: str, value: Any) -> None:
        self.time_pos = value
        self.time_pos_mono_ns = time.monotonic_ns()

    def _log(self, level: str, prefix: str, text: str) -> None:
        text = text.rstrip()
        log.log(logging.ERROR if level in ("fatal", "error") else logging.WARNING, "mpv[%s] %s", prefix, text)
        if prefix == "cplayer" and "selected video_out" in text:
            # no picture can ever be shown: not a file's fault, the process must restart
            self._emit("shutdown", f"the video output could not start: {text}")

    # -- commands (asyncio thread) ------------------------------------------------------
    def _command(self, *args: Any) -> Any:
        try:
            return self.mpv.command(*args)
        except mpv.ShutdownError as exc:
            raise MpvFailure(f"libmpv is gone: {exc}") from exc

    def load(self, url: str, *, start_s: float = 0.0, hwdec: str | None = None) -> int:
        """Replace what plays with ``url``; returns its playlist entry id."""
        if hwdec is not None and self.mpv.hwdec != hwdec:
            self.mpv.hwdec = hwdec  # per codec, see hwdec.py
        options = f"start={start_s:.3f}" if start_s > 0 else ""
        result = self._command("loadfile", url, "replace", options)
        self.time_pos = None
        return int(result["playlist_entry_id"])

    def chapter_times(self) -> list[float]:
        return [float(c["time"]) for c in (self.mpv.chapter_list or [])]

    def duration(self) -> float | None:
        return self.mpv.duration

    def set_end(self, seconds: float | None) -> None:
        """Stop the timeline at ``seconds`` (the end of the clip on air), or clear that."""
        self.mpv["end"] = "none" if seconds is None else f"{seconds:.3f}"

    def seek(self, seconds: float) -> None:
        self._command("seek", f"{seconds:.3f}", "absolute+exact")

    def set_pause(self, paused: bool) -> None:
        self.mpv.pause = paused

    def set_volume(self, volume: int) -> None:
        self.mpv.volume = volume

    def set_mute(self, muted: bool) -> None:
        self.mpv.mute = muted

    def screenshot_raw(self) -> tuple[bytes, int, int, int]:
        """The video frame on screen: (BGR0 bytes, width, height, stride). Thread-safe (libmpv is)."""
        shot = self._command("screenshot-raw", "video")
        return bytes(shot["data"]), int(shot["w"]), int(shot["h"]), int(shot["stride"])

    def osd_size(self) -> tuple[int, int]:
        dims = self.mpv.osd_dimensions or {}
        w, h = int(dims.get("w") or 0), int(dims.get("h") or 0)
        return (w, h) if w > 0 and h > 0 else (1920, 1080)

    def overlay_add(self, overlay_id: int, x: int, y: int, path: str, w: int, h: int) -> None:
        self._command("overlay-add", overlay_id, x, y, path, 0, "bgra", w, h, 4 * w)

    def overlay_remove(self, overlay_id: int) -> None:
        self._command("overlay-remove", overlay_id)

    def redraw_if_paused(self) -> None:
        """Show an overlay change at once while paused (a blackout pauses).

        Some VOs (x11) never redraw a paused frame for an OSD change; an exact seek to where
        we are makes mpv present the same frame again, overlays included.
        """
        if self.mpv.pause and self.mpv.time_pos is not None:
            self._command("seek", "0", "relative+exact")

    def alive(self) -> bool:
        try:
            self.mpv.check_core_alive()
        except mpv.ShutdownError:
            return False
        return True

    def close(self) -> None:
        self._closing = True
        try:
            self.mpv.terminate()
        except Exception:  # already dead: nothing left to release
            log.debug("mpv terminate failed", exc_info=True)
