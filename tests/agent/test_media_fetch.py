"""Media download: whole and verified, or invisible; resumed where it stopped; hostile answers refused."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import aiohttp
import pytest
from agentkit_media_server import MediaOrigin

from agent.media_errors import NoSpace, Refused, Transient
from agent.media_fetch import MediaLimits, Wanted, fetch_media
from agent.media_gc import collect_garbage
from agent.status import StatusBoard
from agent.throttle import Throttle
from neopro.contracts.agent_status import read_status
from neopro.datadir import DataDir

Origin = tuple[MediaOrigin, str]


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


async def test_a_download_is_verified_then_appears_under_its_content_address(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession
) -> None:
    origin, url = media_origin
    blob = origin.add(os.urandom(700_000))
    want = Wanted(blob.sha256, "mp4", len(blob.data))
    got = await fetch_media(http, f"{url}/media/{blob.sha256}", want, data_dir)
    assert got.path == data_dir.media_dir / f"{blob.sha256}.mp4"
    assert hashlib.sha256(got.path.read_bytes()).hexdigest() == blob.sha256
    assert sorted(os.listdir(data_dir.media_dir)) == [f"{blob.sha256}.mp4"]  # no .part, no .etag left
    again = await fetch_media(http, f"{url}/media/{blob.sha256}", want, data_dir)
    assert again.transferred == 0 and len(origin.requests) == 1  # already there: nothing fetched


async def test_a_body_cut_midway_resumes_from_the_byte_where_it_stopped(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession
) -> None:
    origin, url = media_origin
    size = 3_000_000
    blob = origin.add(os.urandom(size), cut_after=[1_100_000, 900_000])
    want = Wanted(blob.sha256, "mp4", size)
    final = data_dir.media_dir / want.filename
    for _ in range(2):
        with pytest.raises(Transient, match=r"will resume|ClientPayloadError|Server"):
            await fetch_media(http, f"{url}/media/{blob.sha256}", want, data_dir)
        assert not final.exists(), "a partial file must never appear under the name the player uses"
    got = await fetch_media(http, f"{url}/media/{blob.sha256}", want, data_dir)
    assert hashlib.sha256(got.path.read_bytes()).hexdigest() == blob.sha256
    ranges = [r.get("Range") for r in origin.requests]
    assert ranges[0] is None and ranges[1] is not None and ranges[2] is not None
    assert all(r.get("If-Range") == blob.etag for r in origin.requests[1:])
    # Resuming re-sends at most the slice that was in flight when the link dropped.
    assert origin.body_bytes_sent <= 1.1 * size


async def test_a_changed_file_behind_the_same_url_is_fetched_whole_again(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession
) -> None:
    origin, url = media_origin
    new = os.urandom(600_000)
    sha = hashlib.sha256(new).hexdigest()
    origin.add(os.urandom(600_000), key="clip", etag='"old"', cut_after=[300_000])
    want = Wanted(sha, "mp4", len(new))
    with pytest.raises(Transient):
        await fetch_media(http, f"{url}/media/clip", want, data_dir)
    origin.add(new, key="clip", etag='"new"')  # the cloud now serves other bytes: If-Range fails
    got = await fetch_media(http, f"{url}/media/clip", want, data_dir)
    assert origin.requests[-1].get("If-Range") == '"old"', (origin.requests, os.listdir(data_dir.media_dir))
    assert got.resumed_from == 0 and got.path.read_bytes() == new


async def test_wrong_bytes_are_refused_and_never_become_visible(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession
) -> None:
    origin, url = media_origin
    origin.add(os.urandom(200_000), key="x")
    want = Wanted("f" * 64, "mp4", 200_000)
    with pytest.raises(Refused, match=r"hash to .*not the sha256"):
        await fetch_media(http, f"{url}/media/x", want, data_dir)
    assert os.listdir(data_dir.media_dir) == []


@pytest.mark.parametrize(
    ("want", "reason"),
    [
        (Wanted("../../../etc/passwd", "mp4"), "64 lower-case hex"),
        (Wanted("a" * 64, "mp4/../../x"), "extension"),
        (Wanted("a" * 64, "sh"), "extension"),
        (Wanted("a" * 64, "mp4", 10**15), "outside"),
    ],
)
async def test_names_shaped_like_paths_and_absurd_sizes_are_refused_before_any_request(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession, want: Wanted, reason: str
) -> None:
    origin, url = media_origin
    before = _files(data_dir.root.parent)
    with pytest.raises(Refused, match=reason):
        await fetch_media(http, f"{url}/media/x", want, data_dir)
    assert origin.requests == [] and _files(data_dir.root.parent) == before


async def test_an_answer_longer_than_announced_is_refused(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession
) -> None:
    origin, url = media_origin
    blob = origin.add(os.urandom(100_000), claimed_length=50 * 2**30)
    with pytest.raises(Refused, match="announces"):
        await fetch_media(http, f"{url}/media/{blob.sha256}", Wanted(blob.sha256, "mp4"), data_dir)
    assert not (data_dir.media_dir / f"{blob.sha256}.mp4").exists()


async def test_a_download_that_would_fill_the_disk_is_refused_and_nothing_is_deleted(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession
) -> None:
    origin, url = media_origin
    on_air = data_dir.media_dir / f"{'c' * 64}.mp4"
    on_air.write_bytes(b"playing")
    blob = origin.add(os.urandom(100_000))
    huge_reserve = MediaLimits(reserve_bytes=2**62)
    with pytest.raises(NoSpace, match="free disk space"):
        await fetch_media(
            http,
            f"{url}/media/{blob.sha256}",
            Wanted(blob.sha256, "mp4", 100_000),
            data_dir,
            limits=huge_reserve,
        )
    assert on_air.read_bytes() == b"playing" and origin.requests == []


async def test_the_bandwidth_cap_is_honoured_and_progress_reaches_the_status_file(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession
) -> None:
    origin, url = media_origin
    # 4 MB: several of the agent's 1 MiB write slices, so progress has steps to show.
    blob = origin.add(os.urandom(4_000_000))
    board = StatusBoard(data_dir, min_interval_s=0)
    seen: list[float] = []
    real_publish = board.publish

    def spy(*, force: bool = False) -> None:
        real_publish(force=force)
        status = read_status(data_dir.root)
        if status and status.downloads:
            seen.append(status.downloads[0].percent)

    board.publish = spy  # type: ignore[method-assign]
    t0 = time.monotonic()
    await fetch_media(
        http,
        f"{url}/media/{blob.sha256}",
        Wanted(blob.sha256, "mp4", 4_000_000),
        data_dir,
        throttle=Throttle(4_000_000),
        board=board,
    )
    assert time.monotonic() - t0 >= 0.7  # 4 MB at 4 MB/s, minus the 0.25 s burst
    assert seen and seen == sorted(seen) and 0 < seen[0] < 100
    final = read_status(data_dir.root)
    assert final is not None and final.downloads == []


def test_gc_removes_only_what_the_applied_configuration_no_longer_names(data_dir: DataDir) -> None:
    media = data_dir.media_dir
    keep, dropped, on_air = (f"{c * 64}.mp4" for c in "abc")
    for name in (keep, dropped, on_air, f"{'d' * 64}.mp4.part", f"{'d' * 64}.mp4.part.etag"):
        (media / name).write_bytes(b"x")
    outside = data_dir.root / "keepme.txt"
    outside.write_text("not media")
    with open(media / on_air, "rb"):  # the player still shows it
        removed = collect_garbage(media, {keep})
    assert removed == sorted([dropped, f"{'d' * 64}.mp4.part", f"{'d' * 64}.mp4.part.etag"])
    assert sorted(os.listdir(media)) == sorted([keep, on_air]) and outside.exists()


async def test_a_whole_part_left_by_a_kill_before_the_rename_is_verified_without_fetching_again(
    data_dir: DataDir, media_origin: Origin, http: aiohttp.ClientSession
) -> None:
    origin, url = media_origin
    blob = origin.add(os.urandom(300_000))
    want = Wanted(blob.sha256, "mp4", len(blob.data))
    (data_dir.media_dir / f"{want.filename}.part").write_bytes(blob.data)  # every byte, never renamed
    (data_dir.media_dir / f"{want.filename}.part.etag").write_text(blob.etag)
    got = await fetch_media(http, f"{url}/media/{blob.sha256}", want, data_dir)
    assert origin.requests == [] and got.path.read_bytes() == blob.data
    assert sorted(os.listdir(data_dir.media_dir)) == [want.filename]
