"""The heartbeat: every interval, the Pi's health, backlog and applied configuration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from neopro.contracts import device_api as api

from . import metrics
from .config_sync import ConfigSync
from .version import software_version


class HeartbeatSource:
    def __init__(
        self,
        data_root: Path,
        config: ConfigSync,
        backlog: Callable[[], int],
        on_air: Callable[[], str | None] = lambda: None,
        install_dir: Path | None = None,
        alerts: Callable[[], list[str]] = list,
    ) -> None:
        self.data_root = data_root
        self.config = config
        self.backlog = backlog
        self.on_air = on_air
        self.install_dir = install_dir
        self.alerts = alerts
        self.cpu = metrics.CpuMeter()

    def build(self) -> api.Heartbeat:
        """Blocking reads of /proc and /sys: call it in a thread."""
        return api.Heartbeat(
            software_version=software_version(self.install_dir),
            applied_config_version=self.config.applied_version,
            applied_at=self.config.applied_at,
            on_air=self.on_air(),
            cpu_percent=self.cpu.percent(),
            temperature_c=metrics.temperature_c(),
            disk_percent=metrics.disk_percent(self.data_root),
            memory_percent=metrics.memory_percent(),
            uptime_s=metrics.uptime_s(),
            outbox_backlog=self.backlog(),
            config_error=self.config.last_error[:2000] if self.config.last_error else None,
            alerts=[a[:500] for a in self.alerts()],
        )
