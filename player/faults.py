"""Bad files: skipped within a second, recorded as playback_error events, the loop goes on.

Mixed into :class:`~.player.Player` (it uses the player's state and timeline helpers).
"""

from __future__ import annotations

import logging

from neopro import clock
from neopro.contracts import SiteConfig, Video

from . import rows
from .engine import MpvFailure
from .timeline import Timeline

log = logging.getLogger(__name__)

#: mpv refusing this many timelines of files ffprobe accepts is mpv's fault, not the files'.
MAX_BLAMED_IN_A_ROW = 3


class Faults:
    """Finding bad files and keeping them off the air (mixed into Player)."""

    def report_error(self, video: Video | None, reason: str) -> None:
        """A playback_error event, once per bad file until it is found good again."""
        key = video.sha256 if video else reason
        self.last_error = f"{video.id if video else 'player'}: {reason}"
        if key in self._reported:  # once per bad file, until it is good again
            return
        self._reported.add(key)
        log.error("cannot play %s: %s", video.id if video else "?", reason)
        site = self.config.site.id if self.config else None
        synced = clock.clock_synced(self.settings.data_dir.root)
        self.outbox.insert(rows.playback_error(video, reason, site_id=site, clock_synced=synced), closed=True)

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
