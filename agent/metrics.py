"""Health metrics for the heartbeat, read from /proc and /sys (no psutil: the agent stays small)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

THERMAL = Path("/sys/class/thermal/thermal_zone0/temp")


class CpuMeter:
    """CPU use since the previous reading, from /proc/stat (the first reading is since boot)."""

    def __init__(self) -> None:
        self._last = self._read()

    @staticmethod
    def _read() -> tuple[int, int] | None:
        try:
            fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    def percent(self) -> float | None:
        now = self._read()
        last, self._last = self._last, now
        if now is None or last is None or now[0] == last[0]:
            return None
        busy = (now[0] - last[0]) - (now[1] - last[1])
        return round(max(0.0, min(100.0, 100.0 * busy / (now[0] - last[0]))), 1)


def temperature_c() -> float | None:
    try:
        return round(int(THERMAL.read_text().strip()) / 1000, 1)
    except (OSError, ValueError):
        return None


def disk_percent(path: Path) -> float | None:
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    return round(100.0 * usage.used / usage.total, 1) if usage.total else None


def memory_percent() -> float | None:
    try:
        info = dict(
            (line.split(":")[0], int(line.split()[1]))
            for line in Path("/proc/meminfo").read_text().splitlines()
        )
        return round(100.0 * (1 - info["MemAvailable"] / info["MemTotal"]), 1)
    except (OSError, ValueError, KeyError, IndexError, ZeroDivisionError):
        return None


def uptime_s() -> float | None:
    try:
        return float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def rss_mb(pid: int | None = None) -> float | None:
    """Resident memory of a process (this one by default), in MB."""
    try:
        for line in Path(f"/proc/{pid or os.getpid()}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None
