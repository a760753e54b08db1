"""Software updates are bounded: a size cap, a free-space reserve, and a bounded unpack; nothing left behind."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path

import aiohttp
import pytest
from agentkit_media_server import MediaOrigin
from agentkit_releases import build_release
from test_update import _updater

from agent.commands import CommandFailed
from agent.update import Releases, UpdateLimits

Origin = tuple[MediaOrigin, str]


def _left_behind(install_dir: Path) -> list[str]:
    downloads = install_dir / "downloads"
    leftovers = sorted(p.name for p in downloads.iterdir()) if downloads.exists() else []
    leftovers += sorted(p.name for p in (install_dir / "releases").iterdir() if p.name != "1.0")
    return leftovers


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "running-total"])
async def test_an_oversized_release_is_refused_with_a_reason_and_nothing_is_left_behind(
    installed: tuple[Path, int],
    media_origin: Origin,
    http: aiohttp.ClientSession,
    tmp_path: Path,
    chunked: bool,
) -> None:
    install_dir, port = installed
    origin, url = media_origin
    tarball, sha = build_release(tmp_path / "dist", "2.0", pad_bytes=2_000_000)
    origin.add(tarball.read_bytes(), key="release-2.0", chunked=chunked)
    updater, _hub, task = await _updater(install_dir, port, url, http)
    try:
        expected = "passed the cap of 1000000 bytes" if chunked else "over the cap of 1000000 bytes"
        with pytest.raises(CommandFailed, match=expected):
            await updater(
                {"version": "2.0", "url": "/media/release-2.0", "sha256": sha, "max_bytes": 1_000_000}
            )
        assert _left_behind(install_dir) == []
        assert os.readlink(install_dir / "current").endswith("releases/1.0")

        # The agent's own setting caps it when the command does not say.
        updater.limits = UpdateLimits(max_bytes=1_000_000)
        with pytest.raises(CommandFailed, match="1000000 bytes"):
            await updater({"version": "2.0", "url": "/media/release-2.0", "sha256": sha})
        assert _left_behind(install_dir) == []

        # Under a cap that fits, the same release goes in.
        result = await updater(
            {"version": "2.0", "url": "/media/release-2.0", "sha256": sha, "max_bytes": 5_000_000}
        )
        assert result == {"version": "2.0", "previous": "1.0"}
    finally:
        task.cancel()


async def test_a_release_that_would_eat_the_free_space_reserve_is_not_downloaded(
    installed: tuple[Path, int], media_origin: Origin, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    install_dir, port = installed
    origin, url = media_origin
    tarball, sha = build_release(tmp_path / "dist", "2.0")
    origin.add(tarball.read_bytes(), key="release-2.0")
    updater, _hub, task = await _updater(install_dir, port, url, http)
    free = shutil.disk_usage(install_dir).free
    updater.limits = UpdateLimits(reserve_bytes=free + 2**30)  # the disk is "full" for this test
    before = len(origin.requests)
    try:
        with pytest.raises(CommandFailed, match="must stay free; free disk space"):
            await updater({"version": "2.0", "url": "/media/release-2.0", "sha256": sha})
    finally:
        task.cancel()
    assert len(origin.requests) == before  # checked before asking for a byte
    assert _left_behind(install_dir) == []


def test_unpacking_is_bounded_in_members_and_total_size(tmp_path: Path) -> None:
    releases = Releases(tmp_path / "opt")
    many = tmp_path / "many.tar.gz"
    with tarfile.open(many, "w:gz") as tar:
        for i in range(20):
            info = tarfile.TarInfo(f"f{i}")
            tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(CommandFailed, match="more than 10 members"):
        releases.install("2.0", many, UpdateLimits(max_members=10))

    bomb = tmp_path / "bomb.tar.gz"  # 50 MB of zeros: a few kB compressed
    with tarfile.open(bomb, "w:gz") as tar:
        info = tarfile.TarInfo("zeros")
        info.size = 50_000_000
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(CommandFailed, match="unpacked it would exceed 4000000 bytes"):
        releases.install("2.0", bomb, UpdateLimits(max_bytes=1_000_000))
    assert sorted(p.name for p in releases.releases.iterdir()) == []
