"""Config apply: media first, then the configuration atomically; anything wrong is refused with a reason."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import aiohttp
import msgspec
import pytest
from agentkit_media_server import MediaOrigin

from agent.cloud_client import CloudClient
from agent.config_sync import ConfigSync
from agent.heartbeat import HeartbeatSource
from agent.media_gc import collect_garbage
from agent.status import StatusBoard
from neopro.contracts import SiteConfig, SiteInfo, Video, parse_site_config
from neopro.contracts import device_api as api
from neopro.contracts.agent_status import read_status
from neopro.contracts.site_config import LoopSlot
from neopro.datadir import DataDir

Origin = tuple[MediaOrigin, str]


def _publish(origin: MediaOrigin, version: int, clips: list[bytes], *, ext: str = "mp4") -> SiteConfig:
    videos, media = [], []
    for i, data in enumerate(clips):
        blob = origin.add(data)
        videos.append(Video(id=f"v{i}", title=f"Clip {i}", sha256=blob.sha256, ext=ext, duration_s=5.0))
        media.append(
            api.ManifestMedia(
                id=f"v{i}", sha256=blob.sha256, size=len(data), ext=ext, url=f"/device/v1/media/{blob.sha256}"
            )
        )
    cfg = SiteConfig(
        version=version,
        site=SiteInfo(id="site-1", club_name="FC Test"),
        videos=videos,
        loops={"neutral": [LoopSlot(video=v.id) for v in videos]},
    )
    manifest = api.Manifest(site_id="site-1", config_version=version, config=cfg, media=media)
    origin.manifest_body = msgspec.json.encode(manifest)
    return cfg


def _sync(data_dir: DataDir, url: str, http: aiohttp.ClientSession) -> ConfigSync:
    client = CloudClient(url, "dev-1.secret", http)
    return ConfigSync(client, data_dir, board=StatusBoard(data_dir, min_interval_s=0))


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


async def test_a_new_configuration_is_applied_after_its_media_and_old_media_is_collected(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession
) -> None:
    origin, url = media_origin
    first = [os.urandom(50_000), os.urandom(60_000)]
    _publish(origin, 1, first)
    sync = _sync(data_dir, url, http)
    assert await sync.sync_once()
    applied = parse_site_config(data_dir.current_config.read_bytes())
    assert applied.version == 1 and sync.applied_version == 1
    for video in applied.videos:
        assert hashlib.sha256((data_dir.media_dir / video.filename).read_bytes()).hexdigest() == video.sha256

    assert not await sync.sync_once()  # unchanged: a conditional request, answered 304
    assert origin.manifest_requests[-1] is not None

    second = [first[1], os.urandom(40_000)]
    cfg2 = _publish(origin, 2, second)
    assert await sync.sync_once()
    assert sorted(os.listdir(data_dir.media_dir)) == sorted(v.filename for v in cfg2.videos)
    status = read_status(data_dir.root)
    assert status is not None and status.applied_config_version == 2 and status.config_error is None


async def test_an_agent_restarted_after_applying_does_not_apply_again(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession
) -> None:
    origin, url = media_origin
    _publish(origin, 3, [os.urandom(10_000)])
    assert await _sync(data_dir, url, http).sync_once()
    restarted = _sync(data_dir, url, http)
    assert restarted.applied_version == 3
    assert not await restarted.sync_once()


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda m: b"{not json", "malformed"),
        (lambda m: m.replace(b'"site_id":"site-1"', b'"site_id":"../../etc"', 1), "malformed"),
        (
            lambda m: m.replace(b'"loops":{"neutral":[{"video":"v0"', b'"loops":{"neutral":[{"video":"nope"'),
            "invalid at",
        ),
        (lambda m: m.replace(b'"media":[{', b'"media_gone":[{'), "does not offer"),
        (lambda m: m.replace(b'"ext":"mp4","url"', b'"ext":"mp4/../../../x","url"'), "extension"),
        (lambda m: m.replace(b',"size":30000,', b',"size":999999999999999,'), "outside"),
        (
            lambda m: m.replace(b'"url":"/device/v1/media/', b'"url":"http://evil.example/media/'),
            "outside http",
        ),
    ],
    ids=[
        "not-json",
        "path-site-id",
        "dangling-ref",
        "media-missing",
        "path-ext",
        "absurd-size",
        "foreign-url",
    ],
)
async def test_a_hostile_manifest_is_refused_with_a_reason_and_the_current_configuration_stays(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession, mutate, reason: str
) -> None:
    origin, url = media_origin
    _publish(origin, 1, [os.urandom(20_000)])
    sync = _sync(data_dir, url, http)
    assert await sync.sync_once()
    before = _tree(data_dir.root.parent)

    _publish(origin, 2, [os.urandom(30_000)])
    assert origin.manifest_body is not None
    hostile = mutate(origin.manifest_body)
    assert hostile != origin.manifest_body, "the mutation must apply"
    origin.manifest_body = hostile
    assert not await sync.sync_once()
    assert sync.last_error is not None and reason in sync.last_error, sync.last_error
    assert sync.applied_version == 1
    after = _tree(data_dir.root.parent)
    after.pop("neopro/run/agent-status.json", None)
    before.pop("neopro/run/agent-status.json", None)
    assert after == before, "nothing may be written (outside or inside) for a refused configuration"
    status = read_status(data_dir.root)
    assert status is not None and status.config_error == sync.last_error
    beat = HeartbeatSource(data_dir.root, sync, lambda: 0).build()
    assert beat.config_error == sync.last_error and beat.applied_config_version == 1, "the cloud is told why"


def test_media_gc_removes_temp_files_of_killed_writers_and_keeps_live_ones(data_dir: DataDir) -> None:
    media = data_dir.media_dir
    dead = media / f".{'a' * 64}.mp4.part.etag.999999999.tmp"  # above any pid_max: nobody
    live = media / f".{'b' * 64}.mp4.part.etag.{os.getpid()}.tmp"  # a writer still at work
    kept = media / f"{'c' * 64}.mp4"
    for path in (dead, live, kept):
        path.write_bytes(b"x")
    assert collect_garbage(media, {kept.name}) == [dead.name]
    assert live.exists() and kept.exists()
