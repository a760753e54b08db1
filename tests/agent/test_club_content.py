"""A cloud publish keeps what the club uploaded on the Pi, file included, and drops what the cloud dropped."""

from __future__ import annotations

import hashlib
import os
import time

import aiohttp
import msgspec
from agentkit_media_server import MediaOrigin

from agent.cloud_client import CloudClient
from agent.config_sync import ConfigSync
from agent.status import StatusBoard
from neopro.contracts import Category, Owner, SiteConfig, SiteInfo, Video, parse_site_config
from neopro.contracts import device_api as api
from neopro.contracts.site_config import LoopSlot
from neopro.datadir import DataDir
from remote_web.site import SiteEditor

Origin = tuple[MediaOrigin, str]


def _publish(origin: MediaOrigin, version: int, clips: dict[str, bytes]) -> SiteConfig:
    videos, media = [], []
    for vid, data in clips.items():
        blob = origin.add(data)
        videos.append(Video(id=vid, title=vid, sha256=blob.sha256, ext="mp4", duration_s=5.0))
        media.append(
            api.ManifestMedia(
                id=vid, sha256=blob.sha256, size=len(data), ext="mp4", url=f"/device/v1/media/{blob.sha256}"
            )
        )
    cfg = SiteConfig(
        version=version,
        site=SiteInfo(id="site-1", club_name="FC Test"),
        videos=videos,
        categories=[Category(id="goals", label="Goals", videos=[v.id for v in videos])],
        loops={"neutral": [LoopSlot(video=v.id) for v in videos]},
    )
    manifest = api.Manifest(site_id="site-1", config_version=version, config=cfg, media=media)
    origin.manifest_body = msgspec.json.encode(manifest)
    return cfg


async def test_a_club_upload_survives_a_cloud_publish_and_a_dropped_cloud_video_is_collected(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession
) -> None:
    origin, url = media_origin
    keep, dropped = os.urandom(40_000), os.urandom(30_000)
    _publish(origin, 1, {"intro": keep, "old-ad": dropped})
    sync = ConfigSync(
        CloudClient(url, "dev-1.secret", http), data_dir, board=StatusBoard(data_dir, min_interval_s=0)
    )
    assert await sync.sync_once()
    dropped_file = data_dir.media_dir / f"{hashlib.sha256(dropped).hexdigest()}.mp4"
    assert dropped_file.exists()

    # The club uploads a clip on the Pi, as the hub does: the file under media/, then the entry
    # (owner club, filed in a category) through the hub's own editor, under the config lock.
    club = os.urandom(25_000)
    club_sha = hashlib.sha256(club).hexdigest()
    (data_dir.media_dir / f"{club_sha}.mp4").write_bytes(club)
    club_video = Video(
        id="new", title="Club goal", sha256=club_sha, ext="mp4", duration_s=3.0, owner=Owner.CLUB
    )
    local = await SiteEditor(data_dir).add_video(club_video, "goals")
    club_id = next(v.id for v in local.videos if v.sha256 == club_sha)

    fresh = os.urandom(20_000)
    cloud2 = _publish(origin, 2, {"intro": keep, "new-ad": fresh})
    requests_before = len(origin.requests)
    assert await sync.sync_once(), sync.last_error

    applied = parse_site_config(data_dir.current_config.read_bytes())
    assert applied.version == 2
    assert {v.id for v in applied.videos} == {"intro", "new-ad", club_id}
    assert club_id in applied.category("goals").videos
    assert (data_dir.media_dir / f"{club_sha}.mp4").read_bytes() == club  # the club's file stays
    assert not dropped_file.exists()  # what the cloud dropped is collected
    assert sorted(os.listdir(data_dir.media_dir)) == sorted(v.filename for v in applied.videos)
    # One download only (the new cloud clip): the club's clip was never asked of the cloud.
    assert len(origin.requests) - requests_before == 1
    # The cloud's document is kept as sent: the base of the next merge.
    assert parse_site_config(data_dir.cloud_config.read_bytes()) == cloud2

    # The hub has put an upload under media/ and not filed it yet: a publish right then must
    # not collect it (the GC's grace); a file nobody has named for long is collected.
    unfiled = data_dir.media_dir / f"{hashlib.sha256(b'unfiled').hexdigest()}.mp4"
    unfiled.write_bytes(b"unfiled")
    forgotten = data_dir.media_dir / f"{hashlib.sha256(b'forgotten').hexdigest()}.mp4"
    forgotten.write_bytes(b"forgotten")
    an_hour_ago = time.time() - 3600
    os.utime(forgotten, (an_hour_ago, an_hour_ago))

    # A later publish still keeps it (base = cloud.json v2, which never named it).
    _publish(origin, 3, {"intro": keep})
    assert await sync.sync_once(), sync.last_error
    assert unfiled.exists() and not forgotten.exists()
    applied = parse_site_config(data_dir.current_config.read_bytes())
    assert {v.id for v in applied.videos} == {"intro", club_id}
    assert (data_dir.media_dir / f"{club_sha}.mp4").exists()
