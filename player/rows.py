"""The proof-of-play row of the clip on screen, from its first frame to its end."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec

from neopro import clock
from neopro.contracts import Phase, PlaybackError, ProofOfPlay, SiteConfig, Video
from neopro.contracts.proof_of_play import InterruptedBy
from neopro.contracts.wire import MatchState

from .timeline import Segment


@dataclass
class OpenRow:
    event: ProofOfPlay
    segment: Segment
    #: Seconds counted before the timeline under this clip was rebuilt (a queued trigger).
    base_s: float
    #: The timeline position at which counting (re)started.
    media_start_s: float

    def seconds(self, time_pos: float | None) -> float:
        if time_pos is None:
            return self.base_s
        return round(self.base_s + max(0.0, time_pos - self.media_start_s), 3)


def open_row(
    segment: Segment,
    *,
    config: SiteConfig,
    phase: Phase,
    match: MatchState | None,
    mono_ns: int,
    media_start_s: float,
    clock_synced: bool,
) -> OpenRow:
    video = segment.video
    category = segment.category_id
    if category is None:
        found = config.category_of(video.id)
        category = found.id if found else None
    session = match.session if match and match.session and match.session.ended_at is None else None
    event = ProofOfPlay(
        event_id=uuid.uuid4().hex,
        site_id=config.site.id,
        media_id=video.id,
        sha256=video.sha256,
        sponsor_id=video.sponsor_id,
        category_id=category,
        phase=phase,
        trigger=segment.trigger,
        started_at=clock.utcnow(),
        score_home=match.home_score if match else None,
        score_away=match.away_score if match else None,
        match_session_id=session.id if session else None,
        boot_id=clock.boot_id(),
        started_mono_ns=mono_ns,
        clock_synced=clock_synced,
    )
    return OpenRow(event=event, segment=segment, base_s=0.0, media_start_s=media_start_s)


def checkpoint(row: OpenRow, seconds: float) -> ProofOfPlay:
    row.event = msgspec.structs.replace(row.event, seconds_on_screen=seconds)
    return row.event


def close_row(
    row: OpenRow, *, seconds: float, mono_ns: int, completed: bool, interrupted_by: InterruptedBy | None
) -> ProofOfPlay:
    """Close the row; its end is measured on the monotonic clock from its start.

    ``ended_at`` is ``started_at`` plus the monotonic time between the two frames, not a
    second reading of the wall clock: an NTP step during the clip would otherwise give an
    end before the start (or an hour-long spot), and the cloud refuses or misbills it.
    """
    return msgspec.structs.replace(
        row.event,
        ended_at=ended_at(row.event, mono_ns),
        ended_mono_ns=mono_ns,
        seconds_on_screen=max(0.0, round(seconds, 3)),
        completed=completed,
        interrupted_by=None if completed else interrupted_by,
    )


def ended_at(event: ProofOfPlay, mono_ns: int) -> datetime:
    """``started_at`` moved on by the monotonic time since ``started_mono_ns`` (never backwards)."""
    return event.started_at + timedelta(microseconds=max(0, mono_ns - event.started_mono_ns) // 1000)


def playback_error(
    video: Video | None, reason: str, *, site_id: str | None, clock_synced: bool
) -> PlaybackError:
    return PlaybackError(
        event_id=uuid.uuid4().hex,
        site_id=site_id,
        media_id=video.id if video else None,
        sha256=video.sha256 if video else None,
        reason=reason[:500],
        at=clock.utcnow(),
        boot_id=clock.boot_id(),
        mono_ns=clock.mono_ns(),
        clock_synced=clock_synced,
    )
