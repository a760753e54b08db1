"""The benchmark's arithmetic (the benchmark itself is a program: ``neopro bench player``)."""

from __future__ import annotations

from player.bench_parts.seams import seam_gaps
from player.bench_parts.stats import percentile, summary


def test_seam_gap_is_the_frozen_time_beyond_one_frame_at_each_clip_boundary():
    flips = [i * 40.0 for i in range(100)]
    flips[50:] = [f + 60.0 for f in flips[50:]]  # the seam after clip 2 froze the picture 60 ms more
    gaps = seam_gaps(flips, 25, skip=0)
    assert gaps == [0.0, 60.0, 0.0]
    assert seam_gaps(flips, 25, skip=0, offset=12) == [0.0, 0.0, 0.0]  # mid-clip control


def test_percentiles_are_measured_values():
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (50.0, 95.0, 99.0)
    assert summary([3.0, 1.0, 2.0], (50,)) == {"p50": 2.0, "n": 3}
