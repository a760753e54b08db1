"""What the local admin shows about the Pi itself: health, service logs, the hotspot file.

The hotspot file is ``<data dir>/hotspot.env`` (mode 0600, replaced atomically)::

    NEOPRO_HOTSPOT_SSID='Club TV'
    NEOPRO_HOTSPOT_PASSWORD='allez-les-bleus'

Single-quoted values with no quote, backslash or dollar inside, so that a shell (``. file``)
and systemd (``EnvironmentFile=``) read exactly the same thing: the image's hotspot setup
reads it when the hotspot (re)starts (``nmcli connection modify neopro-hotspot ssid ...
wifi-sec.psk ...``), and the player's unit can read it for the Wi-Fi QR code on the idle
screen (``NEOPRO_HOTSPOT_PASSWORD``). The hub itself has no privilege to touch the Wi-Fi:
the admin page says the change applies when the hotspot restarts.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import msgspec

from neopro.contracts.agent_status import read_status
from neopro.datadir import DataDir, atomic_write

THERMAL = Path("/sys/class/thermal/thermal_zone0/temp")
HOTSPOT_FILE = "hotspot.env"
_UNSAFE = set("'\"\\$`")
#: An agent status older than this means the agent is not running.
AGENT_STALE_S = 120


def health(data_dir: DataDir) -> dict:
    """Disk, CPU temperature, uptime, version, enrolment and the agent's last word (blocking)."""
    disk = shutil.disk_usage(data_dir.root)
    out: dict = {
        "version": _version(),
        "disk": {"total": disk.total, "used": disk.used, "free": disk.free,
                 "percent": round(100 * disk.used / disk.total, 1) if disk.total else 0.0},
        "cpu_temp_c": _cpu_temp(),
        "uptime_s": _uptime(),
        "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "enrolled": data_dir.device_json.exists(),
        "agent": _agent(data_dir),
    }  # fmt: skip
    return out


def _version() -> str:
    try:
        return importlib.metadata.version("neopro")
    except importlib.metadata.PackageNotFoundError:
        return "dev"


def _cpu_temp() -> float | None:
    try:
        return round(int(THERMAL.read_text().strip()) / 1000, 1)
    except (OSError, ValueError):
        return None


def _uptime() -> float | None:
    try:
        return float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _agent(data_dir: DataDir) -> dict:
    """What the agent last wrote about itself (:mod:`neopro.contracts.agent_status`)."""
    status = read_status(data_dir.root)
    if status is None:
        return {"known": False, "cloud": "unknown"}
    age = time.time() - status.at
    return {
        "known": True,
        "stale": age > AGENT_STALE_S,
        "age_s": round(age),
        **msgspec.to_builtins(status),
    }


# -- logs -------------------------------------------------------------------------------
@dataclass(frozen=True)
class LogLines:
    source: str
    lines: list[str]


async def service_logs(service: str, data_dir: DataDir, lines: int = 200) -> LogLines:
    """The last ``lines`` of a service's log: journald when there is one, else its log file."""
    unit = f"neopro-{service}"
    if shutil.which("journalctl"):
        proc = await asyncio.create_subprocess_exec(
            "journalctl", "-u", unit, "-n", str(lines), "--no-pager", "-o", "short-iso",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), timeout=5)
        except TimeoutError:
            proc.kill()
            out = b""
        text = out.decode(errors="replace").splitlines()
        if proc.returncode == 0 and any(not t.startswith("-- No entries") for t in text):
            return LogLines(source=f"journalctl -u {unit}", lines=text)
    path = data_dir.root / "logs" / f"{service}.log"
    return LogLines(source=str(path), lines=await asyncio.to_thread(_tail, path, lines))


def _tail(path: Path, lines: int) -> list[str]:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 256 * 1024))
            return fh.read().decode(errors="replace").splitlines()[-lines:]
    except OSError:
        return []


# -- hotspot ----------------------------------------------------------------------------
def check_hotspot(ssid: str, passphrase: str) -> tuple[str, str] | None:
    """(field, reason) when the hotspot settings cannot work with WPA2 or the file's quoting."""
    if not 1 <= len(ssid.encode()) <= 32:
        return "ssid", "The network name must be 1 to 32 bytes."
    if any(not ch.isprintable() for ch in ssid) or _UNSAFE & set(ssid):
        return "ssid", "The network name cannot contain line breaks, quotes, backslashes, $ or `."
    if not 8 <= len(passphrase) <= 63 or not all(32 <= ord(ch) < 127 for ch in passphrase):
        return "passphrase", "The passphrase must be 8 to 63 plain ASCII characters (WPA2)."
    if _UNSAFE & set(passphrase):
        return "passphrase", "The passphrase cannot contain quotes, backslashes, $ or `."
    return None


def read_hotspot(data_dir: DataDir) -> dict:
    try:
        text = (data_dir.root / HOTSPOT_FILE).read_text()
    except OSError:
        return {"ssid": "", "configured": False}
    values = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")
    )
    return {"ssid": values.get("NEOPRO_HOTSPOT_SSID", "").strip("'"), "configured": True}


def write_hotspot(data_dir: DataDir, ssid: str, passphrase: str) -> Path:
    """Write the file (values already passed :func:`check_hotspot`: nothing to escape)."""
    assert check_hotspot(ssid, passphrase) is None
    path = data_dir.root / HOTSPOT_FILE
    text = (
        "# Written by the Neopro local admin; read by the hotspot setup (see remote_web/system.py).\n"
        f"NEOPRO_HOTSPOT_SSID='{ssid}'\nNEOPRO_HOTSPOT_PASSWORD='{passphrase}'\n"
    )
    atomic_write(path, text.encode(), mode=0o600)
    return path
