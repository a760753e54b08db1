"""Software update: verified, installed beside the running one, switched atomically, health-gated.

``<install dir>/releases/<version>/`` holds each release (the tarball unpacked, with its own
virtualenv when it ships one); ``<install dir>/current`` is a symlink the systemd units run
from. An update downloads the tarball, checks its sha256, unpacks it (refusing any member
that would land outside its directory), points ``current`` at it with one ``rename`` of a
new symlink (atomic: a power cut leaves the old or the new link, never none), restarts the
player and the hub, then waits for the health gate: the player on air or idle by design,
and a heartbeat accepted by the cloud, within ``health_timeout_s``. Otherwise it points
``current`` back, restarts the services again and reports why. The agent restarts itself
last, once the result is reported, into a trial (:mod:`agent.trial`) that rolls back a new
agent which cannot start.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import os
import re
import shutil
import tarfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from neopro.contracts import is_sha256
from neopro.datadir import atomic_write, fsync_dir

from .cloud_client import CloudClient, CloudError
from .commands import CommandFailed
from .media_errors import NoSpace
from .media_fetch import guard_space
from .services import restart
from .trial import record as record_trial

log = logging.getLogger("neopro.agent.update")

_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$")
#: Releases kept on disk besides the current one (for a manual roll back).
KEEP_RELEASES = 3


@dataclass(frozen=True)
class UpdateLimits:
    #: The largest tarball taken (the command's ``max_bytes`` replaces it when given).
    max_bytes: int = 1 * 2**30
    #: Free space that must remain after the download and after unpacking.
    reserve_bytes: int = 512 * 2**20
    #: Unpacked, a release may be this many times its tarball's cap, in this many members at most.
    unpacked_factor: int = 4
    max_members: int = 50_000


class Releases:
    def __init__(self, install_dir: Path) -> None:
        self.root = install_dir
        self.releases = install_dir / "releases"
        self.current = install_dir / "current"

    def current_version(self) -> str | None:
        try:
            return os.readlink(self.current).rstrip("/").rsplit("/", 1)[-1]
        except OSError:
            return None

    def switch(self, version: str) -> None:
        """Point ``current`` at ``releases/<version>`` atomically (new symlink + rename + fsync)."""
        target = self.releases / version
        if not target.is_dir():
            raise CommandFailed(f"release {version} is not installed in {self.releases}")
        tmp = self.root / f".current.{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        os.symlink(target, tmp)
        os.replace(tmp, self.current)
        fsync_dir(self.root)

    def install(self, version: str, tarball: Path, limits: UpdateLimits | None = None) -> Path:
        """Unpack into ``releases/<version>`` (via a temp dir renamed at the end); returns it.

        Bounded before a byte is written: the members are counted and their sizes summed
        from the tarball's index (a small archive can announce a huge tree), then checked
        against ``limits`` and the free-space reserve.
        """
        limits = limits or UpdateLimits()
        dest = self.releases / version
        tmp = self.releases / f".{version}.unpacking"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            with tarfile.open(tarball) as tar:
                total = 0
                max_total = limits.max_bytes * limits.unpacked_factor
                for count, member in enumerate(tar, start=1):
                    total += max(member.size, 0)
                    if count > limits.max_members:
                        raise CommandFailed(
                            f"release {version}: the tarball holds more than {limits.max_members} members; "
                            "not installed"
                        )
                    if total > max_total:
                        raise CommandFailed(
                            f"release {version}: unpacked it would exceed {max_total} bytes; not installed"
                        )
                guard_space(self.releases, f"release {version} (unpacked)", total, limits.reserve_bytes)
                # The "data" filter refuses absolute paths, "..", links out of the tree, devices.
                tar.extractall(tmp, filter="data")
        except (tarfile.TarError, OSError) as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise CommandFailed(f"release {version}: the tarball cannot be unpacked safely: {exc}") from None
        except (CommandFailed, NoSpace) as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise CommandFailed(getattr(exc, "reason", str(exc))) from None
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
        fsync_dir(self.releases)
        return dest

    def prune(self, keep: set[str]) -> None:
        versions = sorted(
            (p for p in self.releases.iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in versions[KEEP_RELEASES:]:
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)


async def download_release(
    http: aiohttp.ClientSession,
    url: str,
    sha256: str,
    dest: Path,
    headers: dict[str, str],
    *,
    max_bytes: int,
    reserve_bytes: int,
) -> Path:
    """Stream the tarball to ``dest`` while hashing it; anything wrong leaves nothing behind.

    Refused before a byte is written when the announced length is over ``max_bytes`` or would
    eat into the free-space reserve, and during the transfer as soon as the running total
    passes the cap (a server may announce nothing, or lie).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    hasher = hashlib.sha256()
    try:
        guard_space(dest.parent, f"release download {dest.name}", 1, reserve_bytes)
        async with http.get(url, headers=headers) as resp:
            if resp.status != 200:
                raise CommandFailed(f"the release download answered {resp.status} ({url})")
            length = resp.content_length
            if length is not None and length > max_bytes:
                raise CommandFailed(
                    f"the release is {length} bytes, over the cap of {max_bytes} bytes "
                    "(args.max_bytes or the agent's update_max_bytes); not downloaded"
                )
            guard_space(dest.parent, f"release download {dest.name}", length or 0, reserve_bytes)
            fd = await asyncio.to_thread(os.open, part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                received = 0
                async for chunk in resp.content.iter_chunked(256 * 1024):
                    received += len(chunk)
                    if received > max_bytes:
                        raise CommandFailed(
                            f"the release download passed the cap of {max_bytes} bytes "
                            "(args.max_bytes or the agent's update_max_bytes); stopped, nothing kept"
                        )
                    hasher.update(chunk)
                    await asyncio.to_thread(_write_all, fd, chunk)
                await asyncio.to_thread(os.fsync, fd)
            finally:
                os.close(fd)
    except (aiohttp.ClientError, TimeoutError, ConnectionError) as exc:
        part.unlink(missing_ok=True)
        raise CommandFailed(f"the release download failed: {type(exc).__name__}: {exc}") from None
    except NoSpace as exc:
        part.unlink(missing_ok=True)
        raise CommandFailed(exc.reason) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    if hasher.hexdigest() != sha256:
        part.unlink(missing_ok=True)
        raise CommandFailed(f"the release's sha256 is {hasher.hexdigest()}, not {sha256}: not installed")
    os.replace(part, dest)
    return dest


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Updater:
    def __init__(
        self,
        client: CloudClient,
        releases: Releases,
        *,
        restart_command: str,
        services: list[str],
        health_timeout_s: float,
        player_healthy: Callable[[float], bool],
        heartbeat: Callable[[], Awaitable[None]],
        restart_agent: Callable[[], None] | None = None,
        reconnect_hub: Callable[[], None] | None = None,
        trial_window_s: float = 600.0,
        limits: UpdateLimits | None = None,
    ) -> None:
        self.client = client
        self.releases = releases
        self.restart_command = restart_command
        self.services = services
        self.health_timeout_s = health_timeout_s
        self.player_healthy = player_healthy
        self.heartbeat = heartbeat
        self.restart_agent = restart_agent
        self.reconnect_hub = reconnect_hub
        self.trial_window_s = trial_window_s
        self.limits = limits or UpdateLimits()

    async def __call__(self, args: dict[str, Any]) -> dict[str, Any]:
        version, url, sha256 = (
            str(args.get("version", "")),
            str(args.get("url", "")),
            str(args.get("sha256", "")),
        )
        if not _VERSION.match(version):
            raise CommandFailed(
                f"args.version {version!r:.80} is not a release name (letters, digits, . _ + -)"
            )
        if not is_sha256(sha256):
            raise CommandFailed("args.sha256 must be 64 lower-case hex digits")
        max_bytes = args.get("max_bytes", self.limits.max_bytes)
        if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes <= 0:
            raise CommandFailed(f"args.max_bytes {max_bytes!r:.40} must be a positive whole number of bytes")
        limits = dataclasses.replace(self.limits, max_bytes=max_bytes)
        previous = self.releases.current_version()
        if previous == version:
            return {"version": version, "unchanged": True}
        try:
            absolute = self.client.media_url(url)
            headers = self.client.auth_headers
        except CloudError:
            absolute, headers = url, {}  # another host (a CDN): never send it our credential
        if not absolute.startswith(("http://", "https://")):
            raise CommandFailed(f"args.url {url!r:.200} is not an http(s) URL")
        tarball = self.releases.root / "downloads" / f"{version}.tar.gz"
        try:
            await download_release(
                self.client.session,
                absolute,
                sha256,
                tarball,
                headers,
                max_bytes=limits.max_bytes,
                reserve_bytes=limits.reserve_bytes,
            )
            await asyncio.to_thread(self.releases.install, version, tarball, limits)
        finally:
            tarball.unlink(missing_ok=True)
        # Written before the switch: a power cut from here on is finished by resume() at start.
        atomic_write(self.pending_file, json.dumps({"version": version, "previous": previous}).encode())
        self.releases.switch(version)
        log.info("update: current -> %s (was %s); restarting %s", version, previous, ", ".join(self.services))
        return await self._gate_or_roll_back(version, previous)

    @property
    def pending_file(self) -> Path:
        return self.releases.root / "update-pending.json"

    async def resume(self) -> tuple[bool, dict[str, Any]] | None:
        """At start: finish an update a crash or power cut interrupted (gate again, or roll back).

        None when no update was under way; else (kept, result) for the command's result.
        """
        try:
            pending = json.loads(self.pending_file.read_text())
        except (OSError, ValueError):
            return None
        version, previous = str(pending.get("version")), pending.get("previous")
        if self.releases.current_version() != version:
            # Cut before the switch, or during a roll back: make sure the services run what is current.
            await restart(self.restart_command, self.services)
            self.pending_file.unlink(missing_ok=True)
            return False, {
                "error": f"release {version}: interrupted before it was switched on; {previous} stays"
            }
        log.warning("update to %s was interrupted; checking its health again", version)
        try:
            return True, await self._gate_or_roll_back(version, previous)
        except CommandFailed as exc:
            return False, {"error": str(exc)}

    async def _gate_or_roll_back(self, version: str, previous: str | None) -> dict[str, Any]:
        try:
            why = await self._restart_and_gate()
            if why is None:
                self.releases.prune({version, previous or ""})
                if self.restart_agent is not None:
                    # The gate ran in this (old) agent: the new one is on trial until the cloud
                    # accepts its heartbeat, and rolled back at start if it cannot get there.
                    await asyncio.to_thread(
                        record_trial, self.releases.root, version, previous, self.trial_window_s
                    )
                    self.restart_agent()
                return {"version": version, "previous": previous}
            log.error("update to %s failed its health gate (%s); rolling back to %s", version, why, previous)
            if previous is None:
                raise CommandFailed(
                    f"release {version} failed its health gate ({why}) and there is none to go back to"
                )
            self.releases.switch(previous)
            await restart(self.restart_command, self.services)
            shutil.rmtree(self.releases.releases / version, ignore_errors=True)
            raise CommandFailed(f"release {version} rolled back to {previous}: {why}")
        finally:
            self.pending_file.unlink(missing_ok=True)

    async def _restart_and_gate(self) -> str | None:
        """None when healthy within the timeout, else what was missing."""
        code, out = await restart(self.restart_command, self.services)
        if code != 0:
            return f"the services did not restart: {out.strip()[-300:]}"
        # Only what the restarted services say counts (the old ones are gone by now).
        restarted_at = time.monotonic()
        if self.reconnect_hub is not None:
            self.reconnect_hub()
        deadline = time.monotonic() + self.health_timeout_s
        heartbeat_ok, player_ok = False, False
        last_error = "no heartbeat accepted yet"
        while time.monotonic() < deadline:
            player_ok = self.player_healthy(restarted_at)
            if not heartbeat_ok:
                try:
                    await self.heartbeat()
                    heartbeat_ok = True
                except CloudError as exc:
                    last_error = exc.reason
            if player_ok and heartbeat_ok:
                return None
            await asyncio.sleep(0.5)
        missing = []
        if not player_ok:
            missing.append("the player was neither on air nor idle by design")
        if not heartbeat_ok:
            missing.append(f"no heartbeat accepted ({last_error})")
        return f"after {self.health_timeout_s:.0f} s, " + " and ".join(missing)
