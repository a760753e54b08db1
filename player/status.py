"""The player's state as the hub and the phones see it (``wire.PlayerStatus``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from neopro.contracts import wire

from .timeline import Segment

if TYPE_CHECKING:
    from .player import Player


def _on_air(seg: Segment | None, pos: float = 0.0, dur: float = 0.0) -> wire.OnAir | None:
    if seg is None:
        return None
    return wire.OnAir(video_id=seg.video.id, title=seg.video.title, category_id=seg.category_id,
                      sponsor_id=seg.video.sponsor_id, trigger=seg.trigger,
                      position_s=round(pos, 2), duration_s=round(dur, 2))  # fmt: skip


def player_status(p: Player) -> wire.PlayerStatus:
    segment = p.segment
    nxt = None
    timeline, index = p.timeline, p.index
    if segment and timeline and index is not None and index + 1 < len(timeline.segments):
        nxt = None if p._switch_pending else timeline.segments[index + 1]
    pos, dur = p.position()
    return wire.PlayerStatus(
        on_air=None if p.blackout else _on_air(segment, pos, dur),
        next_up=_on_air(nxt, 0.0, nxt.video.duration_s) if nxt else None,
        phase=p.phase, volume=p.volume, muted=p.muted, paused=p.paused,
        blackout=p.blackout, idle=p.idle, message=p.message,
        overlays=p.overlays.active() if p.overlays is not None else [],
        config_version=p.config.version if p.config else None, last_error=p.last_error,
    )  # fmt: skip
