"""``neopro agent run``: the long-lived agent, one task per duty, each retrying on its own.

heartbeat · config/media sync · outbox upload · push channel (+ command polling while it is
down) · command results · status file and systemd watchdog. Network trouble in one duty
never stops another; every retry waits with full jitter, or what ``Retry-After`` says.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from pathlib import Path

from neopro.backoff import Backoff
from neopro.sd_notify import notify

from .clock_sync import ClockWatch
from .cloud_client import CloudClient, CloudError, CloudUnavailable, Unauthorized, make_session
from .command_log import INTERRUPTED, CommandLog
from .commands import CommandRunner
from .config_sync import ConfigSync
from .device import DeviceIdentity
from .handlers import base_handlers, player_handlers
from .heartbeat import HeartbeatSource
from .hub_link import HubLink
from .media_errors import MediaError
from .media_fetch import MediaLimits
from .outbox import Outbox
from .push import PushChannel, Revoked
from .services import restart
from .settings import AgentSettings
from .status import StatusBoard
from .throttle import Throttle
from .trial import confirm as confirm_trial
from .trial import rolled_back
from .update import Releases, UpdateLimits, Updater
from .uploader import Uploader

log = logging.getLogger("neopro.agent")
UPDATE = "update_software"


class Agent:
    def __init__(self, settings: AgentSettings, identity: DeviceIdentity) -> None:
        self.settings = settings
        self.identity = identity
        self.data = settings.data.ensure()
        self.board = StatusBoard(self.data)
        self.board.update(enrolled=True, site_id=identity.site_id)
        self.clock = ClockWatch(self.data.root)
        self.outbox = Outbox(self.data.state_db)
        self.command_log = CommandLog(self.data.state_db)
        self.config_wanted = asyncio.Event()
        self._backlog = 0
        self._trial_checked = False
        self.handlers = {}  # filled in run(), where the session exists

    def _backoff(self) -> Backoff:
        return Backoff(self.settings.backoff_base_s, self.settings.backoff_cap_s)

    async def run(self) -> None:
        s = self.settings
        async with make_session(s.connect_timeout_s, s.read_timeout_s) as session:
            self.client = CloudClient(
                self.identity.cloud_url, self.identity.credential, session, clock=self.clock
            )
            self.config = ConfigSync(
                self.client,
                self.data,
                board=self.board,
                limits=MediaLimits(
                    max_file_bytes=s.media_max_file_bytes, reserve_bytes=s.media_reserve_bytes
                ),
                throttle=Throttle(s.bandwidth_cap_bps or None),
                on_applied=self._tell_player,
            )
            self.uploader = Uploader(
                self.client,
                self.outbox,
                board=self.board,
                batch=s.upload_batch,
                interval_s=s.upload_interval_s,
                capacity=s.outbox_capacity_events,
                backoff=self._backoff(),
                events_url=s.events_url,
            )
            self.board.update(applied_config_version=self.config.applied_version, force=True)
            self.hub = HubLink(s.hub_url, self.data.player_token())
            self._beats = HeartbeatSource(
                self.data.root,
                self.config,
                lambda: self._backlog,
                self.hub.on_air,
                s.install_dir,
                alerts=lambda: self.board.alerts,
            )
            self.handlers.update(base_handlers(s, self.sync_now))
            self.handlers.update(player_handlers(self.hub))
            self.updater = self.handlers["update_software"] = Updater(
                self.client,
                Releases(s.install_dir),
                restart_command=s.restart_command,
                services=s.update_services.split(),
                health_timeout_s=s.health_timeout_s,
                player_healthy=self.hub.player_healthy,
                heartbeat=self._send_heartbeat,
                restart_agent=self._restart_agent_later,
                reconnect_hub=self.hub.kick,
                limits=UpdateLimits(max_bytes=s.update_max_bytes, reserve_bytes=s.media_reserve_bytes),
            )
            self.runner = CommandRunner(self.client, self.command_log, self.handlers)
            self.push = PushChannel(
                self.client, self.runner.receive_raw, self._config_hint, backoff=self._backoff()
            )
            interrupted = await self.command_log.recover(keep_kinds=(UPDATE,))
            if interrupted:
                log.warning(
                    "%d command(s) were cut short by a stop or a crash; reported as failed", interrupted
                )
            self.config_wanted.set()
            notify("READY=1")
            # An interrupted update is finished first (its gate needs the hub link), before any
            # new command can arrive and be mistaken for it.
            early = [
                asyncio.ensure_future(self.hub.run(session)),
                asyncio.ensure_future(self._keepalive_loop()),
            ]
            await self._resume_update()
            self._report_rollback()
            tasks = [
                self._heartbeat_loop(),
                self._config_loop(),
                self.uploader.run(),
                self.push.run(),
                self._poll_loop(),
                self._results_loop(),
                *early,
            ]
            try:
                await _first_failure(tasks)
            except (Unauthorized, Revoked) as exc:
                await self._wait_for_new_identity(getattr(exc, "reason", str(exc)))
            finally:
                self.outbox.close()
                self.command_log.close()

    async def _wait_for_new_identity(self, reason: str) -> None:
        """The credential is refused: say so, stay quiet, and end once the device is enrolled again.

        Exiting at once would make systemd restart the agent every few seconds against a cloud
        that will refuse it each time; so the agent keeps the watchdog and the status file
        alive and returns (exit 0, systemd starts it afresh) when ``device.json`` changes.
        """
        log.error("%s; waiting for `neopro agent enroll --force` to enroll this device again", reason)
        self.board.update(cloud="offline", force=True)
        self.board.alert("credential", f"{reason} (neopro agent enroll --force --cloud URL --code CODE)")
        before = _stamp(self.data.device_json)
        while _stamp(self.data.device_json) == before:
            notify("WATCHDOG=1")
            self.board.publish(force=True)
            await asyncio.sleep(min(15.0, self.settings.heartbeat_interval_s))
        log.info("device.json changed: restarting with the new enrollment")

    # -- duties ----------------------------------------------------------------------
    async def _resume_update(self) -> None:
        """Finish an update a crash interrupted, and give its command the real outcome."""
        try:
            outcome = await self.updater.resume()
        except Exception as exc:  # never keep the agent from starting
            log.exception("resuming an interrupted update failed")
            outcome = (False, {"error": f"resuming the interrupted update failed: {exc}"})
        ok, result = outcome if outcome is not None else (False, {"error": INTERRUPTED})
        for command in await self.command_log.running(UPDATE):
            await self.command_log.finish(command.command_id, ok, result)
        await self.runner.report_pending()

    def _report_rollback(self) -> None:
        """A release whose agent could not start was rolled back before this start: say so."""
        record = rolled_back(self.settings.install_dir)
        if record is not None:
            log.error("update: %s", record.get("reason"))
            self.board.alert("update", str(record.get("reason"))[:300])

    async def _confirm_trial(self) -> None:
        """This agent got a heartbeat accepted: if it is a new release on trial, keep it."""
        if self._trial_checked:
            return
        install_dir = self.settings.install_dir
        version = Releases(install_dir).current_version()
        if version is not None and await asyncio.to_thread(confirm_trial, install_dir, version):
            log.info("update: the agent of release %s got a heartbeat accepted; the release is kept", version)
        self._trial_checked = True

    def _config_hint(self, version: int) -> None:
        if version != self.config.applied_version:
            self.config_wanted.set()

    async def _tell_player(self, _cfg: object) -> None:
        if not await self.hub.reload_config():
            log.info("the hub is not reachable: the player picks the new configuration up from the file")

    def _restart_agent_later(self) -> None:
        """After a kept update the agent restarts into the new release, once its result is out."""

        async def later() -> None:
            await asyncio.sleep(1.0)
            await self.runner.report_pending()
            await restart(self.settings.restart_command, ["agent"])

        self._background = asyncio.ensure_future(later())

    async def sync_now(self) -> int | None:
        await self.config.sync_once()
        if self.config.last_error:
            from .commands import CommandFailed

            raise CommandFailed(self.config.last_error)
        return self.config.applied_version

    async def _config_loop(self) -> None:
        backoff = self._backoff()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.config_wanted.wait(), self.settings.manifest_interval_s)
            self.config_wanted.clear()
            try:
                await self.config.sync_once()
                backoff.reset()
            except (CloudUnavailable, MediaError) as exc:
                retry_after = getattr(exc, "retry_after_s", None)
                delay = backoff.next_delay(retry_after)
                log.warning("config sync: %s; next try in %.1f s", exc.reason, delay)
                await asyncio.sleep(delay)
                self.config_wanted.set()
            except CloudError as exc:
                if isinstance(exc, Unauthorized):
                    raise
                log.error("config sync: %s", exc.reason)

    async def _send_heartbeat(self) -> None:
        self._backlog = await self.outbox.backlog()
        beat = await asyncio.to_thread(self._beats.build)
        await self.client.heartbeat(beat)
        await self._confirm_trial()
        self.board.update(
            cloud="connected", last_heartbeat_at=datetime.now(UTC), outbox_backlog=self._backlog
        )

    async def _heartbeat_loop(self) -> None:
        while True:
            delay = self.settings.heartbeat_interval_s
            try:
                await self._send_heartbeat()
            except CloudUnavailable as exc:
                self.board.update(cloud="offline")
                log.warning("heartbeat: %s", exc.reason)
                if exc.retry_after_s is not None:
                    delay = max(delay, exc.retry_after_s)
            except Unauthorized:
                raise
            except CloudError as exc:
                log.error("heartbeat refused: %s", exc.reason)
            await asyncio.sleep(delay)

    async def _poll_loop(self) -> None:
        """Commands by polling, only while the push channel is down."""
        backoff = self._backoff()
        while True:
            await self.push.disconnected.wait()
            try:
                await self.runner.poll_once()
                backoff.reset()
                delay = self.settings.command_poll_interval_s
            except CloudUnavailable as exc:
                delay = backoff.next_delay(exc.retry_after_s)
            except Unauthorized:
                raise
            except CloudError as exc:
                log.error("command poll: %s", exc.reason)
                delay = self.settings.command_poll_interval_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.push.connected.wait(), delay)

    async def _results_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.runner.results_waiting.wait(), 15.0)
            self.runner.results_waiting.clear()
            await self.runner.report_pending()

    async def _keepalive_loop(self) -> None:
        while True:
            self.board.publish(force=True)
            notify("WATCHDOG=1")
            await asyncio.sleep(15.0)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size


async def _first_failure(coros: list) -> None:  # type: ignore[type-arg]
    """Run every duty; the first one that raises (revoked, unauthorized, a bug) stops them all."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


__all__ = ["Agent", "Revoked"]
