"""``neopro bench player``: what the player's design buys, measured in one headless run.

- ``bare_loadfile_ms`` — raw libmpv, default options, ``loadfile`` of a clip as uploaded
  (1080p25 H.264 High, B-frames, 2 s GOP) while another plays: the naive floor.
- ``trigger_ms`` — the Neopro player looping eight sponsors, the same clip in the prepared profile
  (:mod:`neopro.media.profile`): a command arriving at the player's websocket -> mpv's
  ``playback-restart`` of the clip.
- ``spawn_per_clip_ms`` — a new ``mpv`` process per clip until its first frame (peers).
- ``loop_seam_ms`` — frozen picture beyond one frame at each seam of the loop, from mpv's
  ``--dump-stats`` frame presentation times, audio on (``ao=null`` paces and mixes audio
  like a real output); ``loop_wrap_ms`` — the same at the end of a loop timeline, a reload
  (every ``loop_timeline_s``, hours apart on a real TV, and once after each triggered clip's
  way back to the loop, at the end of the sponsor clip it returned to);
  ``loop_mid_clip_ms`` — the same measure in the middle of clips, where there is no seam:
  the machine's own frame jitter, to read the seam figures against.
- ``rss_mb`` — the player process while looping 1080p.
"""

from __future__ import annotations

import argparse
import json

TARGETS = (
    "trigger_ms.p95 <= 30 and <= 0.7 x bare_loadfile_ms.p95",
    "spawn_per_clip_ms.p50 >= 3 x trigger_ms.p50",
    "loop_seam_ms.p95 <= 20",
    "rss_mb <= 200",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--loads", type=int, default=100, help="bare libmpv loads (default 100)")
    parser.add_argument("--triggers", type=int, default=100, help="player triggers (default 100)")
    parser.add_argument("--spawns", type=int, default=30, help="mpv processes (default 30)")
    parser.add_argument("--seams", type=int, default=50, help="loop seams (default 50)")
    parser.add_argument("--wraps", type=int, default=5, help="loop timeline ends (default 5)")
    parser.add_argument(
        "--fixed-phase",
        action="store_true",
        help="send every command at the same point of the frame on screen",
    )


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from .bench_parts import latency, seams
    from .bench_parts.media import SEAM_CLIPS, make_media
    from .bench_parts.stats import summary

    logging.getLogger("player").setLevel(logging.WARNING)
    latency.RANDOM_PHASE = not args.fixed_phase
    media = make_media()
    bare = latency.bare_loadfile_ms(media, args.loads)
    trig = asyncio.run(latency.trigger_ms(media, args.triggers))
    spawn = latency.spawn_per_clip_ms(media, args.spawns)
    loop = seams.run_loop(args.seams)
    wrap_timeline_s = len(SEAM_CLIPS) * SEAM_CLIPS[0].seconds
    wraps = seams.run_loop(args.wraps * len(SEAM_CLIPS), timeline_s=wrap_timeline_s)
    wrap_gaps = wraps.seams_ms[len(SEAM_CLIPS) - 2 :: len(SEAM_CLIPS)]  # the seams at each timeline end

    result = {
        "bare_loadfile_ms": summary(bare),
        "trigger_ms": summary(trig),
        "spawn_per_clip_ms": summary(spawn, (50, 95)),
        "loop_seam_ms": summary(loop.seams_ms, (50, 95)),
        "loop_wrap_ms": summary(wrap_gaps, (50, 95)),
        "loop_mid_clip_ms": summary(loop.mid_clip_ms, (50, 95)),
        "rss_mb": loop.rss_mb,
    }
    t, b, s, seam = (
        result["trigger_ms"],
        result["bare_loadfile_ms"],
        result["spawn_per_clip_ms"],
        result["loop_seam_ms"],
    )
    result["targets_met"] = {
        TARGETS[0]: t["p95"] <= 30 and t["p95"] <= 0.7 * b["p95"],
        TARGETS[1]: s["p50"] >= 3 * t["p50"],
        TARGETS[2]: seam["p95"] <= 20,
        TARGETS[3]: result["rss_mb"] <= 200,
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{'measure':<20}{'p50':>9}{'p95':>9}{'p99':>9}{'n':>6}")
    for key in ("bare_loadfile_ms", "trigger_ms", "spawn_per_clip_ms", "loop_seam_ms", "loop_wrap_ms",
                "loop_mid_clip_ms"):  # fmt: skip
        row = result[key]
        print(f"{key:<20}{row['p50']:>9}{row['p95']:>9}{row.get('p99', ''):>9}{row['n']:>6}")
    print(f"{'rss_mb':<20}{result['rss_mb']:>9}")
    for target, met in result["targets_met"].items():
        print(f"{'met ' if met else 'MISSED'}  {target}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m player.bench", description=__doc__.splitlines()[0])
    add_arguments(parser)
    raise SystemExit(run(parser.parse_args()))
