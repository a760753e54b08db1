"""What the hub can ask of the player: the commands of the wire protocol, and new configs.

Mixed into :class:`~.player.Player` (it uses the player's state and timeline helpers).
"""

from __future__ import annotations

import asyncio
import base64
import time

from neopro.clock import utcnow
from neopro.contracts import Phase, Trigger, Video, wire

from .timeline import Segment, Timeline


class PlayError(Exception):
    """A play command that cannot be obeyed; ``code``/``field`` go back in a wire Error."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.field, self.message = code, field, message


class Commands:
    """The wire commands and configuration reloads (mixed into Player)."""

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
        if isinstance(msg, wire.TakeScreenshot):
            return await self.screenshot(msg)
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

    async def screenshot(self, msg: wire.TakeScreenshot) -> wire.Message:
        """What the TV shows now (a clip, or the idle screen), scaled to fit 640x360, as a JPEG.

        The video frame without the overlays drawn over it: ``screenshot-raw video`` works with
        every output, ``vo=null`` included (mpv's ``window`` mode needs a real one).
        """
        assert self.engine is not None
        if self.blackout:
            return wire.Error(of=msg.id, code="not_found", message="The TV is blacked out on purpose.")
        try:
            raw, width, height, stride = await asyncio.to_thread(self.engine.screenshot_raw)
        except Exception as exc:  # no frame yet (a clip loading): say so, keep playing
            return wire.Error(of=msg.id, code="not_found", message=f"No video frame to capture yet: {exc}")
        from .overlays.snapshot import small_jpeg  # pygame: imported once mpv is up

        jpeg, w, h = await asyncio.to_thread(small_jpeg, raw, width, height, stride)
        return wire.Screenshot(
            of=msg.id, width=w, height=h, jpeg_base64=base64.b64encode(jpeg).decode(), taken_at=utcnow()
        )

    def trigger(self, msg: wire.PlayVideo, arrival_ns: int) -> None:
        """Cut in a clip now; the loop comes back after it (see ``playback.resume``)."""
        video, category_id = self._resolve(msg)
        if self.blackout:
            self.set_blackout(False, reload=False)
        if self.paused:  # a tap means "play this now", whatever was paused before
            self.paused = False
            self.engine.set_pause(False)
        segment = Segment(video=video, path=self.library.path_of(video), trigger=Trigger(msg.trigger),
                          category_id=category_id, command_id=msg.id)  # fmt: skip
        if msg.id:
            if len(self._arrivals) > 256:  # taps replaced before their first frame
                self._arrivals.clear()
            self._arrivals[msg.id] = arrival_ns
        on_air, timeline, index = self.segment, self.timeline, self.index
        mode = self.config.playback.trigger_during_trigger if self.config else "replace"
        resume = self._resume_slot()
        if mode == "queue" and on_air is not None and on_air.triggered and timeline and index is not None:
            # rebuilt under the clip on air, from where it is: it plays on, the new one follows
            start, _ = self._bounds(index)
            queued = [s for s in timeline.segments[index + 1 :] if s.slot is None]
            segments = (on_air, *queued, segment, *self._way_back(resume))
            offset = max(0.0, (self.engine.time_pos if self.engine else start) or start) - start
            self._load(Timeline(segments, self.phase, start_s=offset, continues=True), interrupted_by=None)
            return
        if mode == "queue" and on_air is None and timeline and timeline.segments[0].triggered:
            # a trigger still loading: queue behind it in the timeline that replaces it
            head = timeline.triggered_head()
            segments = (*head, segment, *self._way_back(resume))
            self._load(
                Timeline(segments, self.phase, timeline.start_s, timeline.continues), interrupted_by=None
            )
            return
        self._load(Timeline((segment, *self._way_back(resume)), self.phase), interrupted_by="trigger")

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
