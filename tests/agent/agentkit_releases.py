"""Releases for the update tests, and a tiny service manager standing in for systemd.

A release is a tarball; what its services do is up to the release. Here the "player"
service of a good release answers the agent on a hub-like ``/ws`` with the player idle by
design (the state the real hub broadcasts), and a bad release crashes at start. The
service manager (``python agentkit_releases.py restart <install dir> <unit>``) does what
``systemctl restart`` does for the agent: stop the unit's process, start the one under
``current``. systemd itself cannot run in this container.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

GOOD_SERVICE = """
import os
from aiohttp import web
from neopro.contracts import wire

async def ws(request):
    sock = web.WebSocketResponse()
    await sock.prepare(request)
    async for _msg in sock:
        state = wire.State(player_connected=True, player=wire.PlayerStatus(idle=True), match=wire.MatchState())
        await sock.send_bytes(wire.encode(state))
    return sock

app = web.Application()
app.router.add_get("/ws", ws)
web.run_app(app, host="127.0.0.1", port=int(os.environ["HUB_PORT"]), print=None)
"""
CRASHING_SERVICE = 'raise SystemExit("this release crashes at start")\n'
#: The agent unit of a release: this one says which release it is and ends (exit 0).
GOOD_AGENT = 'print(open(__file__.rsplit("/bin/", 1)[0] + "/VERSION").read().strip(), "agent up")\n'


def build_release(
    directory: Path, version: str, *, crashes: bool = False, agent_crashes: bool = False, pad_bytes: int = 0
) -> tuple[Path, str]:
    """A release tarball (``bin/neopro-{player,agent}.service.py`` + ``VERSION``) and its sha256.

    ``pad_bytes``: an incompressible ``pad.bin`` of that size, to make the tarball big.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in (
            ("bin/neopro-player.service.py", CRASHING_SERVICE if crashes else GOOD_SERVICE),
            ("bin/neopro-agent.service.py", CRASHING_SERVICE if agent_crashes else GOOD_AGENT),
            ("VERSION", version + "\n"),
        ):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if pad_bytes:
            info = tarfile.TarInfo("pad.bin")
            info.size = pad_bytes
            tar.addfile(info, io.BytesIO(os.urandom(pad_bytes)))
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def restart(install_dir: Path, unit: str) -> int:
    pidfile = install_dir / f"{unit}.pid"
    try:
        old = int(pidfile.read_text())
        os.kill(old, signal.SIGTERM)
        for _ in range(40):  # like systemd's stop timeout, short: then SIGKILL
            if _gone(old):
                break
            time.sleep(0.05)
        else:
            os.kill(old, signal.SIGKILL)
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    script = install_dir / "current" / "bin" / f"{unit}.py"
    log = open(install_dir / f"{unit}.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen([sys.executable, str(script)], stdout=log, stderr=log, start_new_session=True)
    pidfile.write_text(str(proc.pid))
    return 0


def start_with_trial_check(install_dir: Path, unit: str) -> subprocess.CompletedProcess[str]:
    """One start of ``unit`` as systemd does it: ExecStartPre (the trial check), then ExecStart.

    The check runs with ``python3 -I -S`` (no site-packages): it must need nothing but the
    standard library, as with the system Python on the Pi.
    """
    check = install_dir / "trial-check.py"
    if check.exists():
        subprocess.run([sys.executable, "-I", "-S", str(check), str(install_dir)], check=False, timeout=30)
    script = install_dir / "current" / "bin" / f"{unit}.py"
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=30)


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (FileNotFoundError, IndexError):
        return True


def stop_all(install_dir: Path) -> None:
    for pidfile in install_dir.glob("*.pid"):
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pidfile.read_text()), signal.SIGKILL)


if __name__ == "__main__":
    assert sys.argv[1] == "restart"
    raise SystemExit(restart(Path(sys.argv[2]), sys.argv[3]))
