"""The trial of a new release's agent: rolled back if it cannot start, confirmed by a heartbeat.

The old agent's health gate proves the player and hub of a new release, but not the new
agent itself: the old one restarts into it last. So before that restart it records a
*trial* on disk (``<install dir>/update-trial.json``: version, previous, deadline, starts)
and copies this file to ``<install dir>/trial-check.py``. systemd runs that copy before
every agent start (``ExecStartPre``), with the system Python: it is the OLD release's
code, standard library only, so a new agent that crashes at import cannot skip it. Each
start is counted; past :data:`MAX_STARTS` starts or the deadline, ``current`` goes back
to ``previous`` (one atomic rename), a record of why is left in
``update-rolled-back.json`` for the agent to report, and the start goes on with the old
release. The new agent confirms its trial (deletes the file) once the cloud accepts a
heartbeat from it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

TRIAL_FILE = "update-trial.json"
ROLLED_BACK_FILE = "update-rolled-back.json"
CHECK_SCRIPT = "trial-check.py"
#: Starts a new agent may take to get a heartbeat accepted before it is rolled back.
MAX_STARTS = 3


def record(install_dir: Path, version: str, previous: str | None, window_s: float) -> None:
    """Before restarting into ``version``: the trial, and the check systemd runs before each start."""
    shutil.copyfile(__file__, install_dir / f".{CHECK_SCRIPT}.tmp")
    os.replace(install_dir / f".{CHECK_SCRIPT}.tmp", install_dir / CHECK_SCRIPT)
    (install_dir / ROLLED_BACK_FILE).unlink(missing_ok=True)
    trial = {"version": version, "previous": previous, "deadline": time.time() + window_s, "starts": 0}
    _write(install_dir / TRIAL_FILE, trial)


def pending(install_dir: Path) -> dict | None:
    try:
        trial = json.loads((install_dir / TRIAL_FILE).read_text())
    except (OSError, ValueError):
        return None
    return trial if isinstance(trial, dict) else None


def confirm(install_dir: Path, version: str) -> bool:
    """The agent of ``version`` got a heartbeat accepted: its trial is over. True if there was one."""
    trial = pending(install_dir)
    if trial is None or trial.get("version") != version:
        return False
    (install_dir / TRIAL_FILE).unlink(missing_ok=True)
    return True


def rolled_back(install_dir: Path) -> dict | None:
    """Why the last release was rolled back at start, if it was (for the agent's status)."""
    try:
        record_ = json.loads((install_dir / ROLLED_BACK_FILE).read_text())
    except (OSError, ValueError):
        return None
    return record_ if isinstance(record_, dict) else None


def on_start(install_dir: Path, *, max_starts: int = MAX_STARTS, now: float | None = None) -> str:
    """Count one agent start of a pending trial; roll back when it is over. Returns what happened."""
    trial = pending(install_dir)
    if trial is None:
        return "none"
    version, previous = str(trial.get("version")), trial.get("previous")
    current = _current_version(install_dir)
    if current != version:  # switched by hand, or rolled back already: nothing on trial
        (install_dir / TRIAL_FILE).unlink(missing_ok=True)
        return "stale"
    starts = int(trial.get("starts", 0)) + 1
    now = time.time() if now is None else now
    late = now > float(trial.get("deadline", 0))
    if starts <= max_starts and not late:
        _write(install_dir / TRIAL_FILE, {**trial, "starts": starts})
        return "trial"
    why = (
        f"its agent was started {starts - 1} time(s) without a heartbeat accepted"
        if not late
        else "its agent got no heartbeat accepted before the trial's deadline"
    )
    if not previous or not (install_dir / "releases" / str(previous)).is_dir():
        _write(install_dir / ROLLED_BACK_FILE, {"version": version, "previous": previous, "reason": why})
        (install_dir / TRIAL_FILE).unlink(missing_ok=True)
        return "stuck"
    _switch(install_dir, str(previous))
    _write(
        install_dir / ROLLED_BACK_FILE,
        {
            "version": version,
            "previous": previous,
            "reason": f"release {version} rolled back to {previous}: {why}",
        },
    )
    (install_dir / TRIAL_FILE).unlink(missing_ok=True)
    return "rolled_back"


def _current_version(install_dir: Path) -> str | None:
    try:
        return os.readlink(install_dir / "current").rstrip("/").rsplit("/", 1)[-1]
    except OSError:
        return None


def _switch(install_dir: Path, version: str) -> None:
    tmp = install_dir / f".current.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    os.symlink(install_dir / "releases" / version, tmp)
    os.replace(tmp, install_dir / "current")
    _fsync_dir(install_dir)


def _write(path: Path, obj: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w") as f:
        json.dump(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


if __name__ == "__main__":
    # ExecStartPre=-/usr/bin/python3 /opt/neopro/trial-check.py /opt/neopro
    outcome = on_start(Path(sys.argv[1]))
    if outcome in ("rolled_back", "stuck"):
        print(f"neopro update trial: {outcome}: {rolled_back(Path(sys.argv[1]))}", file=sys.stderr)
    raise SystemExit(0)  # never keep the agent from starting
