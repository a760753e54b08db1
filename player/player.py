"""The playback state machine: the phase loop, triggered clips, the way back to the loop.

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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from neopro import clock
from neopro.contracts import Phase, SiteConfig, Trigger, Video, wire
from neopro.contracts.proof_of_play import InterruptedBy

from . import rows
from .engine import Engine, EngineEvent, MpvFailure
from .hwdec import hwdec_for
from .library import Library
from .outbox import Outbox
from .settings import PlayerSettings
from .timeline import Segment, Timeline, loop_segments
from .timers import every

if TYPE_CHECKING:
    from .overlays.manager import OverlayManager

log = logging.getLogger(__name__)

END_FILE_ERROR = 4
#: mpv refusing this many timelines of files ffprobe accepts is mpv's fault, not the files'.
MAX_BLAMED_IN_A_ROW = 3


class PlayError(Exception):
    """A play command that cannot be obeyed; ``code``/``field`` go back in a wire Error."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.field, self.message = code, field, message


class Player:
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
        self.latencies: list[tuple[str, int, int]] = []

        self.phase = Phase.NEUTRAL
        self.match: wire.MatchState | None = None
        self.volume = 100
        self.muted = False
        self.paused = False
        self.blackout = False
        self.idle = True
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
        self._idle_image: Path | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
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
            asyncio.create_task(every(1.0, self.overlays.tick), name="overlays"),
        ]
        for task in self._timers:
            task.add_done_callback(self._timer_done)

    def _timer_done(self, task: asyncio.Task) -> None:
        if not task.cancelled() and isinstance(task.exception(), MpvFailure):
            self.fail(task.exception())  # type: ignore[arg-type]

    async def _config_poll(self) -> None:
        if self.library.config_changed_on_disk():
            await self.reload_config()

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

    def report_error(self, video: Video | None, reason: str) -> None:
        """A playback_error event, once per file and reason for the life of the process."""
        key = video.sha256 if video else reason
        self.last_error = f"{video.id if video else 'player'}: {reason}"
        if key in self._reported:  # once per bad file, until it is good again
            return
        self._reported.add(key)
        log.error("cannot play %s: %s", video.id if video else "?", reason)
        site = self.config.site.id if self.config else None
        synced = clock.clock_synced(self.settings.data_dir.root)
        self.outbox.insert(rows.playback_error(video, reason, site_id=site, clock_synced=synced), closed=True)

    # -- building timelines -------------------------------------------------------------
    def _loop_of(self, phase: Phase) -> list[tuple[Video, Path | None]]:
        if self.config is None:
            return []
        return [
            (v, None if self.library.problem(v) else self.library.path_of(v)) for v in self.config.loop(phase)
        ]

    def _loop_segments(self, from_slot: int) -> list[Segment]:
        return loop_segments(self._loop_of(self.phase), from_slot=from_slot,
                             min_seconds=self.settings.loop_timeline_s)  # fmt: skip

    def _resume_slot(self) -> int:
        """The loop slot to come back to after what is on air."""
        segment, timeline = self.segment, self.timeline
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
        return Timeline(tuple(queued + self._loop_segments(next_slot)), self.phase)

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
        self._load(Timeline(tuple(self._loop_segments(from_slot)), self.phase), interrupted_by=interrupted_by)

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
        try:
            render_idle_screen(self.config, self.settings, path)
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

    # -- faults -------------------------------------------------------------------------
    async def _check_media(self, config: SiteConfig) -> None:
        problems = await self.library.check(config.videos)
        for video in config.videos:
            if video.id in problems:
                self.report_error(video, problems[video.id])
            else:
                self._reported.discard(video.sha256)

    async def _on_load_error(self, code: int) -> None:
        """mpv refused a timeline: find the file(s) at fault, drop them, play on."""
        timeline = self.timeline
        if timeline is None:
            log.error("mpv could not show the idle screen (error %s)", code)
            return
        videos = list({s.video.id: s.video for s in timeline.segments}.values())
        for video in videos:
            self.library.forget(video)
        problems = await self.library.check(videos)
        if self.timeline is not timeline:
            return  # something else was put on air meanwhile
        if not problems:  # ffprobe accepts them all: blame the clip mpv was opening
            self._blamed_in_a_row += 1
            if self._blamed_in_a_row >= MAX_BLAMED_IN_A_ROW:
                self.fail(
                    MpvFailure(f"mpv refused {self._blamed_in_a_row} timelines of valid files in a row")
                )
                return
            culprit = timeline.segments[0].video
            self.library.refuse(culprit, f"mpv could not play the file (error {code})")
            problems = {culprit.id: self.library.problem(culprit) or "unplayable"}
        for video in videos:
            if video.id in problems:
                self.report_error(video, problems[video.id])
        kept = tuple(s for s in timeline.segments if s.video.id not in problems)
        if timeline.continues and timeline.segments[0].video.id in problems:
            self._close_row(completed=False, interrupted_by="error")
        self._load(Timeline(kept, timeline.phase), interrupted_by="error")

    def check_files_on_air(self) -> None:
        """A file deleted while on air: its clip plays on (mpv holds it open), then is skipped."""
        timeline, index = self.timeline, self.index
        if timeline is None or index is None:
            return
        gone = [s.video for s in timeline.segments[index:] if not self.library.path_of(s.video).exists()]
        if gone:
            for video in {v.id: v for v in gone}.values():
                self.library.forget(video)
                self.report_error(video, "file deleted while on air")
            if not self._switch_pending:
                self._switch_at_end_of_clip()
            self.on_change()

    # -- configuration ------------------------------------------------------------------
    async def reload_config(self) -> str | None:
        """Take ``config/current.json`` if valid (at the end of the clip on air); returns why not."""
        outcome = await self.library.load_config()
        if outcome.refused:
            self.last_error = outcome.refused
            self.on_change()
            return outcome.refused
        if outcome.changed and outcome.config is not None:
            await self._check_media(outcome.config)
            if self.last_error and self.last_error.startswith("configuration refused"):
                self.last_error = None
            if self.idle:
                self._play_loop(from_slot=0, interrupted_by=None)
            else:
                self._switch_at_end_of_clip()
            self.on_change()
        return None

    # -- commands -----------------------------------------------------------------------
    async def handle(self, msg: wire.Message, arrival_ns: int | None = None) -> wire.Message | None:
        """Obey one message from the hub; returns the reply (Ack or Error) for a command with an id."""
        try:
            await self._obey(msg, arrival_ns or time.monotonic_ns())
        except PlayError as exc:
            return wire.Error(of=msg.id, code=exc.code, field=exc.field, message=exc.message)  # type: ignore[arg-type]
        self.on_change()
        if msg.id is not None and not isinstance(msg, wire.PlayVideo | wire.Ack | wire.Error):
            return wire.Ack(of=msg.id)
        return None

    async def _obey(self, msg: wire.Message, arrival_ns: int) -> None:
        assert self.engine is not None
        match msg:
            case wire.PlayVideo():
                self.trigger(msg, arrival_ns)
            case wire.BackToLoop():
                if self.segment is not None and self.segment.triggered:
                    self._play_loop(from_slot=self._resume_slot(), interrupted_by="back_to_loop")
                elif self.idle:
                    self._play_loop(from_slot=0, interrupted_by=None)
            case wire.Pause():
                self.paused = True
                self.engine.set_pause(True)
            case wire.Resume():
                self.paused = False
                if not self.blackout:
                    self.engine.set_pause(False)
            case wire.SetVolume():
                self.volume = msg.volume
                self.engine.set_volume(msg.volume)
            case wire.SetMute():
                self.muted = msg.muted
                self.engine.set_mute(msg.muted)
            case wire.SetBlackout():
                self.set_blackout(msg.on)
            case wire.SetPhase():
                self.set_phase(msg.phase, now=msg.when == "now")
            case wire.ShowMessage():
                self.message = msg.text
                if self.overlays is not None:
                    self.overlays.show_message(msg.text, msg.seconds)
            case wire.Identify():
                if self.overlays is not None:
                    self.overlays.identify(msg.seconds)
            case wire.ReloadConfig():
                refused = await self.reload_config()
                if refused:
                    raise PlayError("bad_message", refused, "config/current.json")
            case wire.MatchStateUpdate():
                self.match = msg.match
                if self.overlays is not None:
                    self.overlays.set_match(msg.match)
                if msg.match.phase != self.phase:
                    self.set_phase(msg.match.phase, now=False)
            case _:
                pass  # Ack / Error from the hub: nothing to do

    def trigger(self, msg: wire.PlayVideo, arrival_ns: int) -> None:
        """Cut in a clip now; the loop comes back after it (see ``playback.resume``)."""
        video, category_id = self._resolve(msg)
        if self.blackout:
            self.set_blackout(False, reload=False)
        segment = Segment(video=video, path=self.library.path_of(video), trigger=Trigger(msg.trigger),
                          category_id=category_id, command_id=msg.id)  # fmt: skip
        if msg.id:
            self._arrivals[msg.id] = arrival_ns
        on_air, timeline, index = self.segment, self.timeline, self.index
        mode = self.config.playback.trigger_during_trigger if self.config else "replace"
        resume = self._resume_slot()
        if on_air is not None and on_air.triggered and mode == "queue" and timeline and index is not None:
            start, _ = self._bounds(index)
            queued = [s for s in timeline.segments[index + 1 :] if s.slot is None]
            segments = (on_air, *queued, segment, *self._loop_segments(resume))
            offset = max(0.0, (self.engine.time_pos if self.engine else start) or start) - start
            self._load(Timeline(segments, self.phase, start_s=offset, continues=True), interrupted_by=None)
            return
        self._load(Timeline((segment, *self._loop_segments(resume)), self.phase), interrupted_by="trigger")

    def _resolve(self, msg: wire.PlayVideo) -> tuple[Video, str | None]:
        cfg = self.config
        if cfg is None:
            raise PlayError("not_found", "no configuration: nothing can be played yet")
        if msg.video_id is not None:
            video = cfg.video(msg.video_id)
            if video is None:
                reason = f"video {msg.video_id!r} is not in the configuration"
                raise PlayError("not_found", reason, "$.video_id")
            problem = self.library.problem(video)
            if problem:
                raise PlayError("not_found", f"video {video.id!r} cannot be played: {problem}", "$.video_id")
            category = cfg.category_of(video.id)
            return video, category.id if category else None
        category = cfg.category(msg.category_id or "")
        if category is None:
            raise PlayError("not_found", f"category {msg.category_id!r} is not in the configuration",
                            "$.category_id")  # fmt: skip
        ids = category.all_videos()
        turn = self._category_turn.get(category.id, 0)
        for k in range(len(ids)):
            video = cfg.video(ids[(turn + k) % len(ids)])
            if video is not None and not self.library.problem(video):
                self._category_turn[category.id] = (turn + k + 1) % len(ids)
                return video, category.id
        raise PlayError("not_found", f"category {category.id!r} has no playable video", "$.category_id")

    def set_phase(self, phase: Phase, *, now: bool) -> None:
        if phase == self.phase and not self._restart_loop:
            return
        self.phase = phase
        if now or self.idle:
            self._play_loop(from_slot=0, interrupted_by="phase")
        else:
            self._restart_loop = True
            self._switch_at_end_of_clip()

    def set_blackout(self, on: bool, *, reload: bool = True) -> None:
        """Intentional black: playback stops, no proof-of-play while black."""
        assert self.engine is not None
        if on == self.blackout:
            return
        self.blackout = on
        if on:
            self._close_row(completed=False, interrupted_by="blackout")
            self.engine.set_pause(True)  # first: the overlay change then redraws the paused frame
            if self.overlays is not None:
                self.overlays.set_blackout(True)
            return
        if self.overlays is not None:
            self.overlays.set_blackout(False)
        if reload and self.index is not None and self._live:
            # the clip that was blacked out plays again from its start (a new row)
            self.engine.seek(self._bounds(self.index)[0])
        if not self.paused:
            self.engine.set_pause(False)

    # -- state --------------------------------------------------------------------------
    def status(self) -> wire.PlayerStatus:
        def on_air(seg: Segment | None, pos: float = 0.0, dur: float = 0.0) -> wire.OnAir | None:
            if seg is None:
                return None
            return wire.OnAir(video_id=seg.video.id, title=seg.video.title, category_id=seg.category_id,
                              sponsor_id=seg.video.sponsor_id, trigger=seg.trigger,
                              position_s=round(pos, 2), duration_s=round(dur, 2))  # fmt: skip

        segment = self.segment
        nxt = None
        timeline, index = self.timeline, self.index
        if segment and timeline and index is not None and index + 1 < len(timeline.segments):
            nxt = None if self._switch_pending else timeline.segments[index + 1]
        pos, dur = self.position()
        return wire.PlayerStatus(
            on_air=None if self.blackout else on_air(segment, pos, dur),
            next_up=on_air(nxt, 0.0, nxt.video.duration_s) if nxt else None,
            phase=self.phase, volume=self.volume, muted=self.muted, paused=self.paused,
            blackout=self.blackout, idle=self.idle, message=self.message,
            config_version=self.config.version if self.config else None, last_error=self.last_error,
        )  # fmt: skip
