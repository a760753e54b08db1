"""Backups of the site configuration on the Pi: made by hand or once a day, listed, downloaded, restored.

A backup is a copy of ``config/current.json`` in ``backups/`` of the data directory, named
``config-<UTC time>-v<version>-<manual|daily>.json``. Daily ones are kept seven days; the
ones a club admin made stay until deleted. Restoring puts a backup back as the applied
configuration (under the same lock the agent and the admin's edits use) once it passes the
contract, and the player takes it at the next seam.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from neopro.contracts import ContractError, parse_site_config
from neopro.datadir import DataDir, atomic_write

Kind = Literal["manual", "daily"]
NAME_RE = re.compile(r"^config-(\d{8}T\d{6}Z)-v(\d+)-(manual|daily)\.json$")
DAILY_KEEP = timedelta(days=7)
DAILY_EVERY = timedelta(hours=24)


class BackupError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Backup:
    name: str
    created_at: datetime
    version: int
    kind: Kind
    size: int


def backup_dir(data_dir: DataDir) -> Path:
    return data_dir.root / "backups"


def _parse_name(name: str) -> tuple[datetime, int, Kind] | None:
    match = NAME_RE.match(name)
    if match is None:
        return None
    stamp, version, kind = match.groups()
    created = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return created, int(version), kind  # type: ignore[return-value]


def path_of(data_dir: DataDir, name: str) -> Path:
    """The file of backup ``name``; only names this module makes (never a path) are accepted."""
    if _parse_name(name) is None:
        raise BackupError(404, f"No backup is called {name[:80]!r}.")
    path = backup_dir(data_dir) / name
    if not path.is_file():
        raise BackupError(404, f"No backup is called {name!r}.")
    return path


def listing(data_dir: DataDir) -> list[Backup]:
    """Every backup, newest first (blocking)."""
    out: list[Backup] = []
    folder = backup_dir(data_dir)
    if not folder.is_dir():
        return out
    for path in folder.iterdir():
        parsed = _parse_name(path.name)
        if parsed is not None and path.is_file():
            out.append(Backup(path.name, *parsed, size=path.stat().st_size))
    return sorted(out, key=lambda b: b.name, reverse=True)


def create(data_dir: DataDir, kind: Kind, now: datetime) -> Backup:
    """Copy the applied configuration (blocking); 409 when there is none to copy."""
    try:
        data = data_dir.current_config.read_bytes()
        version = parse_site_config(data).version
    except FileNotFoundError:
        raise BackupError(409, "There is no configuration to back up yet.") from None
    except ContractError as exc:
        raise BackupError(
            409, f"The applied configuration is not valid ({exc}); nothing was backed up."
        ) from None
    name = f"config-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-v{version}-{kind}.json"
    folder = backup_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / name, data)
    created, version, kind = _parse_name(name)  # type: ignore[misc]
    return Backup(name, created, version, kind, len(data))


def daily(data_dir: DataDir, now: datetime) -> Backup | None:
    """Make the day's backup if the last daily one is a day old, and drop daily ones past a week."""
    backups = listing(data_dir)
    for old in backups:
        if old.kind == "daily" and now - old.created_at > DAILY_KEEP:
            (backup_dir(data_dir) / old.name).unlink(missing_ok=True)
    last = next((b for b in backups if b.kind == "daily"), None)
    if last is not None and now - last.created_at < DAILY_EVERY:
        return None
    try:
        return create(data_dir, "daily", now)
    except BackupError:
        return None  # nothing applied yet: nothing to keep


def read(data_dir: DataDir, name: str) -> bytes:
    """The backup's document, checked against the contract before it may be restored (blocking)."""
    data = path_of(data_dir, name).read_bytes()
    try:
        parse_site_config(data)
    except ContractError as exc:
        raise BackupError(
            422, f"This backup is not a valid configuration ({exc}); it cannot be restored."
        ) from None
    return data


def restore(data_dir: DataDir, name: str) -> int:
    """Make backup ``name`` the applied configuration; returns its version (blocking)."""
    data = read(data_dir, name)
    with data_dir.config_lock():
        atomic_write(data_dir.current_config, data)
    return parse_site_config(data).version
