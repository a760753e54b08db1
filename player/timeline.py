"""What mpv plays: one EDL timeline of clips (ARCHITECTURE decision 11).

A playlist makes mpv rebuild its audio chain at every file (~100 ms of frozen picture per
seam); an EDL of clips in one profile plays through its seams without a dropped frame.
mpv shows each EDL segment as a chapter, so a chapter change is the instant a clip starts.

The loop of a phase is repeated inside one timeline until it lasts hours, because the end
of a timeline is the one seam that is not seamless. A trigger is a new timeline: the
triggered clip, then the loop from the sponsor it interrupted, so the way back to the
loop is an ordinary seamless chapter change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from neopro.contracts import Phase, Trigger, Video

#: A timeline never has more segments than this, whatever the loop's length.
MAX_SEGMENTS = 1000


@dataclass(frozen=True)
class Segment:
    """One clip of a timeline and why it is there."""

    video: Video
    path: Path
    trigger: Trigger = Trigger.LOOP
    category_id: str | None = None
    #: The index in the phase's loop, for a loop clip; None for a triggered clip.
    slot: int | None = None
    #: The wire command that asked for this clip (its ``id``), for ``started``.
    command_id: str | None = None

    @property
    def triggered(self) -> bool:
        return self.slot is None

    @cached_property
    def edl_entry(self) -> str:
        """This clip in an ``edl://`` URL (made once: a loop's segments are shared by timelines)."""
        return _edl_entry(self.path)


@dataclass(frozen=True)
class Timeline:
    segments: tuple[Segment, ...]
    phase: Phase
    #: Where to start in the first segment (seconds): a timeline rebuilt under a clip on air.
    start_s: float = 0.0
    #: The first segment continues the clip already on air (its proof-of-play row stays open).
    continues: bool = False

    def edl(self) -> str:
        return "edl://" + ";".join(s.edl_entry for s in self.segments)

    def first_loop_slot(self) -> int | None:
        return next((s.slot for s in self.segments if s.slot is not None), None)

    def triggered_head(self) -> tuple[Segment, ...]:
        """The triggered clips before the loop part."""
        out: list[Segment] = []
        for segment in self.segments:
            if not segment.triggered:
                break
            out.append(segment)
        return tuple(out)


def _edl_entry(path: Path) -> str:
    # %length% quoting lets any byte (';', ',') appear in a path; the length is in bytes.
    raw = str(path)
    return f"%{len(raw.encode())}%{raw}"


def loop_segments(
    loop: list[tuple[Video, Path | None]], *, from_slot: int, min_seconds: float
) -> list[Segment]:
    """The phase's loop from ``from_slot``, repeated until it lasts ``min_seconds``.

    A slot whose path is None (its file cannot be played) is skipped but keeps its number,
    so the slots of the others do not move.
    """
    playable = [(i, video, path) for i, (video, path) in enumerate(loop) if path is not None]
    if not playable:
        return []
    start = next((k for k, (i, _, _) in enumerate(playable) if i >= from_slot % len(loop)), 0)
    out: list[Segment] = []
    total = 0.0
    k = start
    while (total < min_seconds or len(out) < len(playable)) and len(out) < MAX_SEGMENTS:
        i, video, path = playable[k]
        out.append(Segment(video=video, path=path, slot=i))
        total += video.duration_s
        k = (k + 1) % len(playable)
    return out
