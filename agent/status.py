"""The agent's status, kept in memory and mirrored to the file the hub reads.

Writes are throttled (at most one a second unless forced) so a fast download does not turn
into a disk-write storm on an SD card; the file is small and replaced atomically.
"""

from __future__ import annotations

import logging
import time

import msgspec

from neopro.contracts.agent_status import AgentStatus, DownloadProgress, status_path
from neopro.datadir import DataDir, atomic_write

log = logging.getLogger("neopro.agent.status")


class StatusBoard:
    def __init__(self, data: DataDir, *, min_interval_s: float = 1.0) -> None:
        self.data = data
        self.status = AgentStatus(at=time.time())
        self._downloads: dict[str, DownloadProgress] = {}
        self._alerts: dict[str, str] = {}
        self._min_interval_s = min_interval_s
        self._last_write = 0.0

    # -- alerts: keyed so the same condition is one line, cleared when it is over ------
    def alert(self, key: str, message: str) -> None:
        if self._alerts.get(key) != message:
            log.warning("alert %s: %s", key, message)
        self._alerts[key] = message
        self.publish(force=True)

    def clear_alert(self, key: str) -> None:
        if self._alerts.pop(key, None) is not None:
            log.info("alert %s cleared", key)
            self.publish(force=True)

    @property
    def alerts(self) -> list[str]:
        return list(self._alerts.values())

    # -- downloads -------------------------------------------------------------------
    def download(self, progress: DownloadProgress) -> None:
        self._downloads[progress.filename] = progress
        self.publish()

    def download_done(self, filename: str) -> None:
        self._downloads.pop(filename, None)
        self.publish(force=True)

    def update(self, *, force: bool = False, **fields: object) -> None:
        self.status = msgspec.structs.replace(self.status, **fields)
        self.publish(force=force)

    def publish(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < self._min_interval_s:
            return
        self._last_write = now
        self.status = msgspec.structs.replace(
            self.status, at=time.time(), downloads=list(self._downloads.values()), alerts=self.alerts
        )
        try:
            atomic_write(status_path(self.data.root), msgspec.json.encode(self.status))
        except OSError as exc:  # a full disk must not stop sync; the log still has it
            log.warning("could not write the status file: %s", exc)
