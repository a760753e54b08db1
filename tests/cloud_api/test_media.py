"""The media library: streaming upload with a size limit, ffprobe refusal, Range, manifest ETag."""

from __future__ import annotations

import asyncio
import hashlib

from cloud_testkit import config_doc, upload, video_entry


async def test_upload_probes_hashes_thumbnails_and_serves_exact_ranges(cloud, world, clip):
    data = clip.read_bytes()
    r = await upload(cloud.http, world.a.admin, clip)
    assert r.status_code == 201, r.text
    media = r.json()["media"]
    assert media["sha256"] == hashlib.sha256(data).hexdigest() and media["size"] == len(data)
    assert (media["width"], media["height"], media["video_codec"]) == (320, 180, "h264")
    assert media["has_thumbnail"] and media["owner"] == "club" and media["club_id"] == world.a.id
    thumb = await cloud.http.get(f"/api/v1/media/{media['id']}/thumbnail", headers=world.a.admin)
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"  # a JPEG
    url = f"/device/v1/media/{media['id']}"
    whole = await cloud.http.get(url, headers=world.a.device)
    assert (
        whole.status_code == 200 and whole.content == data and whole.headers["etag"] == f'"{media["sha256"]}"'
    )
    for spec, want in (("bytes=0-99", data[:100]), ("bytes=1000-", data[1000:]), ("bytes=-37", data[-37:]),
                       (f"bytes=100-{len(data) + 500}", data[100:])):  # fmt: skip
        part = await cloud.http.get(url, headers={**world.a.device, "Range": spec})
        assert part.status_code == 206 and part.content == want, spec
        assert part.headers["content-range"].endswith(f"/{len(data)}")
    resumed = await cloud.http.get(
        url, headers={**world.a.device, "Range": "bytes=500-", "If-Range": f'"{media["sha256"]}"'}
    )
    assert resumed.status_code == 206 and resumed.content == data[500:]
    changed = await cloud.http.get(
        url, headers={**world.a.device, "Range": "bytes=500-", "If-Range": '"another-version"'}
    )
    assert changed.status_code == 200 and changed.content == data
    beyond = await cloud.http.get(url, headers={**world.a.device, "Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(data)}"
    # The admin download is the same bytes; another club's device gets nothing.
    assert (await cloud.http.get(f"/api/v1/media/{media['id']}/file", headers=world.a.admin)).content == data
    assert (await cloud.http.get(url, headers=world.b.device)).status_code == 404


async def test_an_oversized_upload_is_refused_before_its_body_is_read(cloud, world):
    limit = cloud.settings.max_upload_bytes
    host, port = cloud.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    auth = world.a.admin["Authorization"]
    head = (
        f"POST /api/v1/media?name=big.mp4 HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n"
        f"Content-Type: video/mp4\r\nContent-Length: {limit + 1}\r\n\r\n"
    )
    writer.write(head.encode())  # headers only: not one byte of the body is sent
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)
    assert b" 413 " in status
    writer.close()


async def test_an_upload_that_grows_past_the_limit_while_streaming_is_refused(cloud, world):
    async def chunks():
        for _ in range(cloud.settings.max_upload_bytes // (1024 * 1024) + 2):
            yield b"\0" * (1024 * 1024)

    r = await cloud.http.post(
        "/api/v1/media",
        params={"name": "stream.mp4"},
        content=chunks(),
        headers={**world.a.admin, "Content-Type": "video/mp4"},
    )
    assert r.status_code == 413 and r.json()["field"] == "body"
    leftovers = list((cloud.settings.data_dir / "uploads").glob("*"))
    assert leftovers == []


async def test_a_text_file_named_mp4_is_refused_with_the_reason(cloud, world, tmp_path):
    fake = tmp_path / "goal.mp4"
    fake.write_text("this is not a video, only text pretending to be one\n" * 50)
    r = await upload(cloud.http, world.a.admin, fake)
    assert r.status_code == 422
    assert r.json()["field"] == "file" and "refused" in r.json()["detail"] and "video" in r.json()["detail"]


async def test_manifest_names_config_media_with_a_strong_etag_and_304(cloud, world, clip):
    media = (await upload(cloud.http, world.a.admin, clip)).json()["media"]
    empty = await cloud.http.get("/device/v1/manifest", headers=world.a.device)
    assert empty.json()["config_version"] == 0 and empty.json()["media"] == []
    doc = config_doc(world.a.site_id, [video_entry(media, "goal")], loops={"neutral": [{"video": "goal"}]})
    assert (
        await cloud.http.put(f"/api/v1/sites/{world.a.site_id}/config/draft", json=doc, headers=world.a.admin)
    ).status_code == 200
    assert (
        await cloud.http.post(
            f"/api/v1/sites/{world.a.site_id}/config/publish", json={}, headers=world.a.admin
        )
    ).status_code == 201
    r = await cloud.http.get("/device/v1/manifest", headers=world.a.device)
    manifest = r.json()
    assert manifest["config_version"] == 1 and manifest["config"]["videos"][0]["id"] == "goal"
    assert manifest["media"] == [{"id": media["id"], "sha256": media["sha256"], "size": media["size"], "ext": "mp4",
                                  "url": f"/device/v1/media/{media['id']}"}]  # fmt: skip
    etag = r.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = await cloud.http.get("/device/v1/manifest", headers={**world.a.device, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


async def test_platform_media_is_usable_only_where_assigned(cloud, world, clip):
    media = (await upload(cloud.http, world.platform, clip, name="platform.mp4")).json()["media"]
    assert media["owner"] == "platform" and media["club_id"] is None
    url = f"/device/v1/media/{media['id']}"
    assert (await cloud.http.get(url, headers=world.a.device)).status_code == 404
    assert (await cloud.http.get(f"/api/v1/media/{media['id']}", headers=world.a.admin)).status_code == 404
    r = await cloud.http.post(
        f"/api/v1/media/{media['id']}/assignments",
        json={"club_id": world.a.id, "site_id": world.a.site_id},
        headers=world.platform,
    )
    assert r.status_code == 201
    assert (await cloud.http.get(url, headers=world.a.device)).status_code == 200
    assert (await cloud.http.get(url, headers=world.b.device)).status_code == 404
    assert (await cloud.http.get(f"/api/v1/media/{media['id']}", headers=world.a.admin)).status_code == 200
    # A club admin cannot remove platform media.
    assert (await cloud.http.delete(f"/api/v1/media/{media['id']}", headers=world.a.admin)).status_code == 403


async def test_a_transcode_makes_a_pi_profile_copy_with_progress(cloud, world, clip):
    r = await upload(cloud.http, world.a.admin, clip, transcode="true")
    assert r.status_code == 201
    pending = r.json()["transcode"]
    assert pending["status"] == "transcoding" and pending["source_id"] == r.json()["media"]["id"]
    for _ in range(300):
        now = (await cloud.http.get(f"/api/v1/media/{pending['id']}", headers=world.a.admin)).json()
        if now["status"] != "transcoding":
            break
        await asyncio.sleep(0.1)
    assert now["status"] == "ready", now
    assert (now["width"], now["height"], now["transcode_progress"]) == (1920, 1080, 1.0)
    body = (await cloud.http.get(f"/api/v1/media/{pending['id']}/file", headers=world.a.admin)).content
    assert hashlib.sha256(body).hexdigest() == now["sha256"]


async def test_local_storage_keeps_content_addressed_files(cloud, world, clip):
    media = (await upload(cloud.http, world.a.admin, clip)).json()["media"]
    stored = cloud.settings.media_root / "media" / f"{media['sha256']}.mp4"
    assert stored.read_bytes() == clip.read_bytes()
