"""The playback state machine: the phase loop, triggered clips, the way back to the loop.

Commands (:mod:`.commands`) and fault handling (:mod:`.faults`) are mixed in from their
own modules; this one holds what plays and the proof-of-play of it.

It lives on the asyncio loop; :class:`~.engine.Engine` hands it mpv's events. What is on
air is always one :class:`~.timeline.Timeline`; every change of what plays is the load of a
new one, and the segment on screen is known from mpv's ``chapter`` property. Proof-of-play
rows open at a clip's first frame (``playback-restart`` or a chapter change) and close when
the next clip starts or something cuts in.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from neopro import clock, setup_code
from neopro.contracts import Phase, SiteConfig, Video, wire
from neopro.contracts.proof_of_play import InterruptedBy

from . import rows
from .commands import Commands
from .engine import Engine, EngineEvent, MpvFailure
from .faults import Faults
from .hwdec import hwdec_for
from .library import Library
from .outbox import Outbox
from .settings import PlayerSettings
from .status import player_status
from .timeline import Segment, Timeline, loop_segments
from .timers import every

if TYPE_CHECKING:
    from .overlays.manager import OverlayManager

log = logging.getLogger(__name__)

END_FILE_ERROR = 4
#: How often the idle screen looks for the hub's setup code (appears / goes away).
SETUP_CODE_POLL_S = 3.0


class Player(Commands, Faults):
    """One TV: call :meth:`start`, feed it wire commands with :meth:`handle`, :meth:`stop` it."""

    def __init__(self, settings: PlayerSettings) -> None:
        self.settings = settings
        self.library = Library(settings.data_dir)
        self.outbox = Outbox(settings.data_dir.state_db)
        self.engine: Engine | None = None
        #: Where wire messages to the hub go (set by the hub client; dropped while it is away).
        self.send: Callable[[wire.Message], None] = lambda _msg: None
        #: Called after every change of what :meth:`status` reports.
        self.on_change: Callable[[], None] = lambda: None
        #: Set when libmpv died: the process must end non-zero.
        self.failure: asyncio.Future[MpvFailure] | None = None
        #: (command id, command arrival ns, first frame ns) of every commanded clip.
        self.latencies: deque[tuple[str, int, int]] = deque(maxlen=1000)

        self.phase = Phase.NEUTRAL
        self.match: wire.MatchState | None = None
        self.volume = 100
        self.muted = False
        self.paused = False
        self.blackout = False
        self.idle = True
        #: The hub's first-run setup code drawn on the idle screen (None: the hub is set up).
        self.setup_code: str | None = None
        self.message = ""
        self.last_error: str | None = None

        self.timeline: Timeline | None = None
        self._entry: int | None = None  # mpv playlist entry of what we loaded last
        self._live = False  # the loaded timeline has shown its first frame
        self._chapters: list[float] = []
        self.index: int | None = None  # the segment on screen
        self.row: rows.OpenRow | None = None
        self._switch_pending = False  # load what follows at the end of the clip on air
        self._restart_loop = False  # ... and start the loop at its first clip (new phase)
        self._arrivals: dict[str, int] = {}
        self._tasks: set[asyncio.Future] = set()
        self._timers: list[asyncio.Task] = []
        self._blamed_in_a_row = 0
        self._category_turn: dict[str, int] = {}
        self._reported: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_cache: dict[tuple[Phase, int, tuple[Path | None, ...]], tuple[Segment, ...]] = {}
        self._loop_cache_config: SiteConfig | None = None
        self.overlays: OverlayManager | None = None

    # -- life ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.failure = self._loop.create_future()
        self.settings.data_dir.ensure()
        await self.outbox.open()
        self.engine = Engine(self.settings, self._loop, self._on_engine_event)
        from .overlays.manager import OverlayManager  # pygame: imported once mpv is up

        self.overlays = OverlayManager(self.engine, self.settings.data_dir.run_dir, lambda: self.config)
        outcome = await self.library.load_config()
        self.last_error = outcome.refused
        if outcome.config:
            self.volume = outcome.config.playback.volume
            await self._check_media(outcome.config)
        self.engine.set_volume(self.volume)
        self._play_loop(from_slot=0, interrupted_by=None)
        self._timers = [
            asyncio.create_task(every(self.settings.checkpoint_s, self.checkpoint), name="checkpoint"),
            asyncio.create_task(every(1.0, self.check_files_on_air), name="files-on-air"),
            asyncio.create_task(every(2.0, self._config_poll), name="config-poll"),
            asyncio.create_task(every(1.0, self._overlay_tick), name="overlays"),
            asyncio.create_task(every(SETUP_CODE_POLL_S, self._setup_code_poll), name="setup-code"),
        ]
        for task in self._timers:
            task.add_done_callback(self._timer_done)

    def _timer_done(self, task: asyncio.Task) -> None:
        if not task.cancelled() and isinstance(task.exception(), MpvFailure):
            self.fail(task.exception())  # type: ignore[arg-type]

    def _overlay_tick(self) -> None:
        if self.overlays is not None and self.overlays.tick():
            self.message = self.overlays.message
            self.on_change()

    def _setup_code_poll(self) -> None:
        """While idle, follow the hub's setup code: it appears at its first start, goes once claimed."""
        if self.idle and setup_code.read(self.settings.data_dir) != self.setup_code:
            self._show_idle(None)

    async def _config_poll(self) -> None:
        if self.library.config_changed_on_disk():
            await self.reload_config()
        elif self.library.drop_expired() and not self.idle:
            self._switch_at_end_of_clip()  # an expired video leaves the loop at the next seam

    async def stop(self) -> None:
        for task in self._timers:
            task.cancel()
        await asyncio.gather(*self._timers, return_exceptions=True)
        if self.row is not None:
            self._close_row(completed=False, interrupted_by="shutdown")
        await self.outbox.close()
        if self.engine is not None:
            self.engine.close()

    @property
    def config(self) -> SiteConfig | None:
        return self.library.config

    @property
    def segment(self) -> Segment | None:
        if self.timeline is None or self.index is None or not self._live:
            return None
        return self.timeline.segments[self.index]

    def position(self) -> tuple[float, float]:
        """(seconds into the clip on air, its duration)."""
        if self.segment is None or self.engine is None:
            return 0.0, 0.0
        start, end = self._bounds(self.index or 0)
        pos = self.engine.time_pos
        return (max(0.0, (pos or start) - start), max(0.0, end - start))

    # -- engine events ------------------------------------------------------------------
    def _on_engine_event(self, ev: EngineEvent) -> None:
        try:
            self._dispatch(ev)
        except MpvFailure as exc:
            self.fail(exc)

    def fail(self, exc: MpvFailure) -> None:
        log.error("%s", exc)
        if self.failure is not None and not self.failure.done():
            self.failure.set_result(exc)

    def _dispatch(self, ev: EngineEvent) -> None:
        if ev.kind == "shutdown":
            self.fail(MpvFailure(ev.value or "libmpv shut down on its own"))
            return
        if ev.entry != self._entry:
            return  # an event of a timeline we already replaced
        if ev.kind == "end_file" and ev.value == END_FILE_ERROR:
            task = asyncio.ensure_future(self._on_load_error(ev.error))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif self.timeline is None:
            return  # the idle screen
        elif ev.kind == "restart":
            self._on_restart(ev)
        elif ev.kind == "chapter" and self._live and ev.value != self.index:
            self._on_chapter(ev)
        elif ev.kind == "eof" and self._live:
            self._on_end_of_timeline(ev)

    def _on_restart(self, ev: EngineEvent) -> None:
        if not self._live:  # the first frame of a new timeline
            assert self.engine is not None and self.timeline is not None
            self._live = True
            self._chapters = self.engine.chapter_times() or [0.0]
            index = int(self.engine.mpv.chapter or 0)
            start = self.timeline.start_s if index == 0 else self._chapters[index]
            self._enter(index, ev.mono_ns, start)
        elif self.row is None and not self.blackout and self.index is not None:
            # back from a blackout: a new play of the clip, from its start
            self._enter(self.index, ev.mono_ns, self._bounds(self.index)[0])

    def _on_chapter(self, ev: EngineEvent) -> None:
        if self.row is not None:
            self._close_row(completed=True, interrupted_by=None, mono_ns=ev.mono_ns,
                            seconds=self.row.seconds(self._bounds(self.index or 0)[1]))  # fmt: skip
        if self._switch_pending:  # the clip ended before the new end took effect
            self._load(self._following(), interrupted_by="config")
            return
        self._enter(ev.value, ev.mono_ns, self._bounds(ev.value)[0])

    def _on_end_of_timeline(self, ev: EngineEvent) -> None:
        if self.row is not None:
            self._close_row(completed=True, interrupted_by=None, mono_ns=ev.mono_ns)
        self._load(self._following(), interrupted_by=None)

    def _enter(self, index: int, mono_ns: int, media_start_s: float) -> None:
        """Segment ``index`` shows its first frame now, at timeline position ``media_start_s``."""
        assert self.timeline is not None and self.config is not None
        self.index = index
        segment = self.timeline.segments[index]
        continuing = self.timeline.continues and index == 0 and self.row is not None
        self._blamed_in_a_row = 0
        if not continuing and not self.blackout:
            self.row = rows.open_row(
                segment, config=self.config, phase=self.phase, match=self.match, mono_ns=mono_ns,
                media_start_s=media_start_s, clock_synced=clock.clock_synced(self.settings.data_dir.root),
            )  # fmt: skip
            self.outbox.insert(self.row.event)
        if segment.command_id and not continuing:
            arrival = self._arrivals.pop(segment.command_id, None)
            if arrival is not None:
                self.latencies.append((segment.command_id, arrival, mono_ns))
            self.send(wire.Started(of=segment.command_id, video_id=segment.video.id))
        self.on_change()

    def _bounds(self, index: int) -> tuple[float, float]:
        """Start and end (timeline seconds) of segment ``index``."""
        chapters = self._chapters or [0.0]
        start = chapters[index] if index < len(chapters) else 0.0
        if index + 1 < len(chapters):
            end = chapters[index + 1]
        else:
            end = (self.engine.duration() if self.engine else None) or start
        return start, end

    # -- proof-of-play ------------------------------------------------------------------
    def _close_row(self, *, completed: bool, interrupted_by: InterruptedBy | None,
                   mono_ns: int | None = None, seconds: float | None = None) -> None:  # fmt: skip
        row, self.row = self.row, None
        if row is None:
            return
        if seconds is None:
            seconds = row.seconds(self.engine.time_pos if self.engine else None)
        event = rows.close_row(row, seconds=seconds, mono_ns=mono_ns or time.monotonic_ns(),
                               completed=completed, interrupted_by=interrupted_by)  # fmt: skip
        self.outbox.update(event, closed=True)

    def checkpoint(self) -> None:
        """Save the open row's seconds so far (a power cut loses at most one interval)."""
        if self.row is not None and self.engine is not None:
            seconds = self.row.seconds(self.engine.time_pos)
            if seconds != self.row.event.seconds_on_screen:
                self.outbox.update(rows.checkpoint(self.row, seconds), closed=False)

    # -- building timelines -------------------------------------------------------------
    def _loop_of(self, phase: Phase) -> list[tuple[Video, Path | None]]:
        if self.config is None:
            return []
        return [
            (v, None if self.library.problem(v) else self.library.path_of(v)) for v in self.config.loop(phase)
        ]

    def _loop_segments(self, from_slot: int) -> tuple[Segment, ...]:
        """The phase's loop from ``from_slot`` for hours: built once per configuration, phase,
        slot and set of playable files, since a trigger needs it at once (a thousand segments
        took ~5 ms to build, on the way from the tap to the first frame)."""
        loop = self._loop_of(self.phase)
        if self._loop_cache_config is not self.config:
            self._loop_cache.clear()
            self._loop_cache_config = self.config
        key = (self.phase, from_slot, tuple(path for _, path in loop))
        cached = self._loop_cache.get(key)
        if cached is None:
            if len(self._loop_cache) >= 64:
                self._loop_cache.clear()
            hours = self.settings.loop_timeline_s
            cached = tuple(loop_segments(loop, from_slot=from_slot, min_seconds=hours))
            self._loop_cache[key] = cached
        return cached

    def _way_back(self, from_slot: int) -> tuple[Segment, ...]:
        """What follows a triggered clip in its timeline: the loop's clip at ``from_slot`` only.

        mpv opens every distinct file of a timeline before showing its first frame, ~3 ms
        each here (raw libmpv, a tail of 1/2/4/10 distinct sponsor files: first frame p50
        25/27/32/50 ms). With the whole loop behind it, a club with ten sponsors would wait
        longer for "Goal!" than with no preparation at all. So the way back holds the one
        sponsor clip: the return to it stays a seamless chapter change, and the rest of the
        loop is loaded when that clip ends (one reload, the same as a timeline's end).
        """
        return self._loop_segments(from_slot)[:1]

    def _resume_slot(self) -> int:
        """The loop slot to come back to after what is on air."""
        segment, timeline = self.segment, self.timeline
        if timeline is not None and segment is None:  # a timeline still loading: keep its way back
            first = next((s for s in timeline.segments if s.slot is not None), None)
            return self._slot_now(first) if first else 0
        if segment is None or timeline is None or self.index is None:
            return 0
        if segment.slot is not None:
            mode = self.config.playback.resume if self.config else "interrupted"
            slot = self._slot_now(segment)
            return slot if mode == "interrupted" else slot + 1
        later = next((s for s in timeline.segments[self.index :] if s.slot is not None), None)
        return self._slot_now(later) if later else 0

    def _slot_now(self, segment: Segment) -> int:
        """``segment``'s place in the loop as it is now (a new configuration may reorder it)."""
        slot = segment.slot or 0
        ids = [v.id for v in self.config.loop(self.phase)] if self.config else []
        if slot < len(ids) and ids[slot] == segment.video.id:
            return slot
        return ids.index(segment.video.id) if segment.video.id in ids else slot

    def _following(self) -> Timeline:
        """What plays after the clip on air: queued triggers, then the loop."""
        timeline, index = self.timeline, self.index
        queued: list[Segment] = []
        next_slot = 0
        if timeline is not None and index is not None:
            rest = timeline.segments[index + 1 :]
            for seg in rest:
                if seg.slot is not None:
                    break
                if not self.library.problem(seg.video):
                    queued.append(seg)
            current = timeline.segments[index]
            if current.slot is not None:
                next_slot = self._slot_now(current) + 1
            else:
                resume = next((s for s in rest if s.slot is not None), None)
                next_slot = self._slot_now(resume) if resume else 0
        if self._restart_loop:
            next_slot = 0
        return Timeline((*queued, *self._loop_segments(next_slot)), self.phase)

    def _load(self, timeline: Timeline, *, interrupted_by: InterruptedBy | None) -> None:
        """Put ``timeline`` on air (or the idle screen when it is empty)."""
        assert self.engine is not None
        self._switch_pending = self._restart_loop = False
        self.engine.set_end(None)
        if not timeline.segments:
            self._show_idle(interrupted_by)
            return
        if timeline.continues and self.row is not None:
            self.row.base_s = self.row.seconds(self.engine.time_pos)
            self.row.media_start_s = timeline.start_s
        elif self.row is not None:
            self._close_row(completed=False, interrupted_by=interrupted_by or "config")
        info = self.library.info(timeline.segments[0].video)
        hwdec = hwdec_for(info.video_codec if info else "", self.settings.board, self.settings.hwdec)
        self.timeline, self.index, self._live, self.idle = timeline, None, False, False
        self._entry = self.engine.load(timeline.edl(), start_s=timeline.start_s, hwdec=hwdec)
        self.on_change()

    def _play_loop(self, *, from_slot: int, interrupted_by: InterruptedBy | None) -> None:
        self._load(Timeline(self._loop_segments(from_slot), self.phase), interrupted_by=interrupted_by)

    def _show_idle(self, interrupted_by: InterruptedBy | None) -> None:
        assert self.engine is not None
        if self.row is not None:
            self._close_row(completed=False, interrupted_by=interrupted_by or "config")
        self.timeline, self.index, self._live, self.idle = None, None, False, True
        image = self._idle_image_path()
        self._entry = self.engine.load(str(image)) if image else None
        self.on_change()

    def _idle_image_path(self) -> Path | None:
        from .overlays.idle_screen import render_idle_screen  # pygame: imported when needed

        path = self.settings.data_dir.run_dir / "idle.png"
        self.setup_code = setup_code.read(self.settings.data_dir)
        try:
            render_idle_screen(self.config, self.settings, path, setup_code=self.setup_code)
        except Exception:  # a broken idle screen must not stop the player
            log.exception("could not render the idle screen")
            return path if path.exists() else None
        return path

    def _switch_at_end_of_clip(self) -> None:
        """Load :meth:`_following` when the clip on air ends (never cut a clip for this)."""
        assert self.engine is not None
        if self.segment is None or self.index is None:
            self._load(self._following(), interrupted_by="config")
            return
        self._switch_pending = True
        _, end = self._bounds(self.index)
        if self.index + 1 < len(self._chapters):
            self.engine.set_end(end)
        # else: the clip is the timeline's last; its end is the end of the timeline anyway

    def status(self) -> wire.PlayerStatus:
        return player_status(self)
