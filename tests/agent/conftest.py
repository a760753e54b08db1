"""Fixtures of the agent's tests: real HTTP on loopback, real files, real SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from agentkit_cloud import Admin, CloudProcess, postgres_database, run_cloud
from agentkit_media_server import MediaOrigin
from agentkit_releases import build_release, restart, stop_all
from aiohttp import web

from agent.update import Releases
from neopro.supervisor import free_port


@pytest.fixture
async def media_origin() -> AsyncIterator[tuple[MediaOrigin, str]]:
    origin = MediaOrigin()
    runner = web.AppRunner(origin.app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield origin, f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30, sock_read=5)) as session:
        yield session


@pytest.fixture(scope="session")
def sqlite_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    """A real ``neopro cloud`` process on SQLite, shared by the session (each test makes its own site)."""
    with run_cloud(tmp_path_factory.mktemp("cloud-sqlite")) as proc:
        yield proc


@pytest.fixture(scope="session")
def postgres_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    """The same on a fresh PostgreSQL database of the shared server."""
    with postgres_database() as url, run_cloud(tmp_path_factory.mktemp("cloud-postgres"), url) as proc:
        yield proc


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cloud(request: pytest.FixtureRequest) -> CloudProcess:
    """The cloud on each database in turn."""
    return request.getfixturevalue(f"{request.param}_cloud")


@pytest.fixture
async def admin(cloud: CloudProcess) -> AsyncIterator[Admin]:
    admin = await Admin(cloud.url).login()
    yield admin
    await admin.close()


@pytest.fixture(scope="session")
def clips() -> list[bytes]:
    """Three small real H.264 clips (the cloud ffprobes what it is given)."""
    from neopro.media.samples import ClipRecipe, make_clip

    return [
        make_clip(ClipRecipe(title=f"Spot {i}", color=color, seconds=1.0, width=320, height=180)).read_bytes()
        for i, color in enumerate(("0x8D6E63", "0x37474F", "0x2E7D32"))
    ]


@pytest.fixture
async def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Path, int]]:
    """Release 1.0 installed and running, as the image's install script leaves a Pi."""
    install_dir, port = tmp_path / "opt", free_port()
    monkeypatch.setenv(
        "HUB_PORT", str(port)
    )  # read by the releases' service (a child of the restart command)
    tarball, _ = build_release(tmp_path / "dist", "1.0")
    releases = Releases(install_dir)
    releases.install("1.0", tarball)
    releases.switch("1.0")
    restart(install_dir, "neopro-player.service")
    yield install_dir, port
    stop_all(install_dir)
