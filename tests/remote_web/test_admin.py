"""The local admin: uploads, content, categories, hotspot, logs, status."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import threading
from pathlib import Path

import msgspec
import pytest

from neopro.contracts import Owner, encode_site_config, parse_site_config, wire
from neopro.datadir import atomic_write
from neopro.media.probe import probe
from neopro.media.samples import file_sha256, make_clip
from remote_web import Settings

from .conftest import IN_PROFILE, UPLOAD_LIKE, page_csrf, start_hub


@pytest.fixture
async def admin(hub):
    http = await hub.login("admin")
    csrf = await page_csrf(http, "/admin")
    http.headers["X-CSRF-Token"] = csrf  # every call of this session carries it
    yield http
    await http.close()


@pytest.fixture(scope="session")
def small_clip() -> Path:
    return make_clip(IN_PROFILE)


def config(hub):
    return parse_site_config(hub.settings.data_dir.current_config.read_bytes())


async def test_an_uploaded_video_is_stored_by_its_sha256_and_filed_in_its_category(
    hub, admin, small_clip, stand_in_player
):
    r = await admin.post("/api/admin/upload", params={"category": "goal", "filename": "Mon But.mp4"},
                         data=small_clip.read_bytes())  # fmt: skip
    assert r.status == 201, await r.text()
    body = await r.json()
    sha = file_sha256(small_clip)
    assert body["video"]["sha256"] == sha and body["video"]["file"] == f"{sha}.mp4"
    assert (hub.settings.data_dir.media_dir / f"{sha}.mp4").read_bytes() == small_clip.read_bytes()
    cfg = config(hub)
    video = cfg.video(body["video"]["id"])
    assert video is not None and video.title == "Mon But" and video.owner == Owner.CLUB
    assert video.id in cfg.category("goal").videos
    assert not list(hub.settings.data_dir.media_dir.glob("*.part"))
    # the scratch file lived in incoming/ (outside the agent's media GC) and is gone
    assert hub.settings.data_dir.incoming_dir.is_dir()
    assert not list(hub.settings.data_dir.incoming_dir.iterdir())
    assert isinstance(await stand_in_player.wait_for(wire.ReloadConfig), wire.ReloadConfig)


async def test_a_file_named_like_a_path_is_stored_inside_the_data_dir(hub, admin, small_clip, tmp_path):
    before = set(os.listdir(tmp_path))
    r = await admin.post("/api/admin/upload", params={"category": "goal", "filename": "../../etc/passwd"},
                         data=small_clip.read_bytes())  # fmt: skip
    assert r.status == 201, await r.text()
    body = await r.json()
    stored = hub.settings.data_dir.media_dir / body["video"]["file"]
    assert stored.resolve().parent == hub.settings.data_dir.media_dir.resolve()
    assert body["video"]["file"] == f"{file_sha256(small_clip)}.mp4"
    assert body["video"]["title"] == "passwd"
    assert set(os.listdir(tmp_path)) == before  # nothing new next to the data dir
    assert not (hub.settings.data_dir.root.parent / "etc").exists()


async def test_a_text_file_named_mp4_is_refused_with_the_reason(hub, admin):
    r = await admin.post("/api/admin/upload", params={"category": "goal", "filename": "goal.mp4"},
                         data=b"this is not a video\n" * 100)  # fmt: skip
    assert r.status == 422
    body = await r.json()
    assert body["error"] == "not_a_video" and body["field"] == "file"
    assert "not a readable video" in body["message"] or "container" in body["message"]
    assert not list(hub.settings.data_dir.incoming_dir.iterdir())


async def test_an_oversized_upload_gets_413_before_its_body_is_read(hub_settings):
    hub = await start_hub(dataclasses.replace(hub_settings, upload_max_bytes=1024 * 1024))
    try:
        await hub.setup()
        http = await hub.login("admin")
        csrf = await page_csrf(http, "/admin")
        cookie = next(c.value for c in http.cookie_jar if c.key == "neopro_session")
        await http.close()
        # A raw socket that announces 5 GB and sends none of it: the answer must come anyway.
        host, port = hub.url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            (f"POST /api/admin/upload?category=goal&filename=big.mp4 HTTP/1.1\r\nHost: {host}:{port}\r\n"
             f"Cookie: neopro_session={cookie}\r\nX-CSRF-Token: {csrf}\r\n"
             "Content-Type: application/octet-stream\r\nContent-Length: 5000000000\r\n\r\n").encode()
        )  # fmt: skip
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        assert status_line.startswith(b"HTTP/1.1 413"), status_line
        writer.close()
        # and a chunked upload (no length) is cut off once it passes the cap
        http = await hub.login("admin")
        http.headers["X-CSRF-Token"] = await page_csrf(http, "/admin")

        async def chunks():
            for _ in range(40):
                yield b"\0" * 65536

        r = await http.post("/api/admin/upload", params={"category": "goal"}, data=chunks())
        assert r.status == 413
        assert not list(hub.settings.data_dir.incoming_dir.iterdir())
        await http.close()
    finally:
        await hub.runner.cleanup()


async def test_club_videos_can_be_deleted_and_a_platform_category_cannot(hub, admin, small_clip):
    r = await admin.post("/api/admin/upload", params={"category": "goal", "filename": "x.mp4"},
                         data=small_clip.read_bytes())  # fmt: skip
    video_id = (await r.json())["video"]["id"]
    media = hub.settings.data_dir.media_dir / f"{file_sha256(small_clip)}.mp4"
    assert media.exists()
    r = await admin.delete(f"/api/admin/videos/{video_id}")
    assert r.status == 200
    assert config(hub).video(video_id) is None and not media.exists()

    r = await admin.delete("/api/admin/categories/sponsors")
    assert r.status == 403 and "locked" in (await r.json())["message"]


async def test_a_platform_locked_video_is_refused(hub, admin):
    from msgspec import structs

    from neopro.contracts import encode_site_config
    from neopro.datadir import atomic_write

    cfg = config(hub)
    locked = [structs.replace(v, owner=Owner.PLATFORM) if v.id == "spot-credit" else v for v in cfg.videos]
    atomic_write(
        hub.settings.data_dir.current_config, encode_site_config(structs.replace(cfg, videos=locked))
    )
    content = await (await admin.get("/api/admin/content")).json()
    assert next(v for v in content["videos"] if v["id"] == "spot-credit")["locked"] is True
    r = await admin.delete("/api/admin/videos/spot-credit")
    assert r.status == 403 and "locked by the platform" in (await r.json())["message"]
    assert config(hub).video("spot-credit") is not None
    # a club video filed in a platform-locked category is locked with it
    assert next(v for v in content["videos"] if v["id"] == "spot-garage")["locked"] is True
    r = await admin.delete("/api/admin/videos/spot-garage")
    assert r.status == 403 and "Sponsors" in (await r.json())["message"]


async def test_categories_can_be_added_and_removed(hub, admin):
    r = await admin.post(
        "/api/admin/categories", json={"label": "Entrée des fans", "color": "#AA00AA", "icon": "🎉"}
    )
    assert r.status == 201
    category_id = (await r.json())["category"]
    assert category_id == "entree-des-fans"
    assert config(hub).category(category_id).label == "Entrée des fans"
    r = await admin.post("/api/admin/categories", json={"label": "Bad", "color": "red"})
    assert r.status == 422 and (await r.json())["field"] == "color"
    r = await admin.delete(f"/api/admin/categories/{category_id}")
    assert r.status == 200 and config(hub).category(category_id) is None


async def test_hotspot_settings_are_written_for_the_image_to_read(hub, admin):
    r = await admin.post("/api/admin/hotspot", json={"ssid": "Club TV", "passphrase": "allez-les-bleus"})
    assert r.status == 200
    path = hub.settings.data_dir.root / "hotspot.env"
    assert path.stat().st_mode & 0o777 == 0o600
    # a shell reads exactly what was typed (the image's hotspot setup sources this file)
    script = f'. "{path}"; printf "%s|%s" "$NEOPRO_HOTSPOT_SSID" "$NEOPRO_HOTSPOT_PASSWORD"'
    shell = await asyncio.create_subprocess_exec("sh", "-c", script, stdout=asyncio.subprocess.PIPE)
    out, _ = await shell.communicate()
    assert out.decode() == "Club TV|allez-les-bleus"
    status = await (await admin.get("/api/admin/status")).json()
    assert status["hotspot"] == {"ssid": "Club TV", "configured": True}
    r = await admin.post("/api/admin/hotspot", json={"ssid": "x\nrogue=1", "passphrase": "allez-les-bleus"})
    assert r.status == 422 and (await r.json())["field"] == "ssid"
    r = await admin.post("/api/admin/hotspot", json={"ssid": "ok", "passphrase": "short"})
    assert r.status == 422 and (await r.json())["field"] == "passphrase"
    r = await admin.post("/api/admin/hotspot", json={"ssid": "ok", "passphrase": "x'; reboot; '"})
    assert r.status == 422 and (await r.json())["field"] == "passphrase"
    assert "allez-les-bleus" in path.read_text()  # refused changes leave the file alone


async def test_logs_come_from_journald_or_the_service_log_file(hub, admin):
    logs = hub.settings.data_dir.root / "logs"
    logs.mkdir()
    (logs / "player.log").write_text("".join(f"line {i}\n" for i in range(500)))
    body = await (await admin.get("/api/admin/logs/player", params={"lines": "50"})).json()
    if body["source"].startswith("journalctl"):  # a machine where journald knows neopro-player
        assert body["lines"]
    else:
        assert body["lines"] == [f"line {i}" for i in range(450, 500)]
    assert (await admin.get("/api/admin/logs/sshd")).status == 404


async def test_status_reports_player_agent_disk_and_version(hub, admin, stand_in_player):
    import time

    import msgspec

    from neopro.contracts.agent_status import AgentStatus, status_path
    from neopro.datadir import atomic_write

    body = await (await admin.get("/api/admin/status")).json()
    assert body["agent"] == {"known": False, "cloud": "unknown"}
    written = AgentStatus(
        at=time.time(), enrolled=True, site_id="site-1", cloud="offline", alerts=["disk 91 %"]
    )
    atomic_write(status_path(hub.settings.data_dir.root), msgspec.json.encode(written))
    body = await (await admin.get("/api/admin/status")).json()
    agent = body["agent"]
    assert (agent["known"], agent["stale"], agent["cloud"], agent["alerts"]) == (
        True,
        False,
        "offline",
        ["disk 91 %"],
    )
    assert body["player"]["connected"] is True
    assert body["disk"]["total"] > 0 and body["version"]
    assert "cpu_temp_c" in body
    assert body["uptime_s"] is None or body["uptime_s"] > 0


def test_settings_come_from_the_environment():
    s = Settings.from_env({"NEOPRO_DATA_DIR": "/tmp/x", "NEOPRO_REMOTE_PORT": "9000"})
    assert (s.data_dir.root, s.port, s.upload_max_bytes) == (Path("/tmp/x"), 9000, 2 * 1024**3)
    assert Settings.from_env({}).port in (80, 8080)  # 80 only on a Raspberry Pi


async def test_an_upload_not_in_the_players_profile_is_converted_then_filed(hub, admin, stand_in_player):
    upload = make_clip(UPLOAD_LIKE)
    assert probe(upload).has_b_frames
    r = await admin.post("/api/admin/upload", params={"category": "goal", "filename": "VID_2024.mp4"},
                         data=upload.read_bytes())  # fmt: skip
    assert r.status == 202, await r.text()
    job = (await r.json())["job"]
    assert job["state"] in ("queued", "running") and job["title"] == "VID_2024"
    for _ in range(600):
        jobs = await (await admin.get("/api/admin/jobs")).json()
        job = next(j for j in jobs if j["id"] == job["id"])
        if job["state"] in ("done", "failed"):
            break
        await asyncio.sleep(0.1)
    assert job["state"] == "done", job
    video = config(hub).video(job["video_id"])
    assert video is not None and video.id in config(hub).category("goal").videos
    converted = hub.settings.data_dir.media_dir / video.filename
    assert file_sha256(converted) == video.sha256 != file_sha256(upload)
    info = probe(converted)
    assert (info.video_codec, info.width, info.height, info.has_b_frames) == ("h264", 1920, 1080, False)
    assert info.audio_codec == "aac"
    assert sorted(p.suffix for p in hub.settings.data_dir.media_dir.iterdir() if p.suffix == ".part") == []
    assert not list(hub.settings.data_dir.incoming_dir.iterdir())
    assert isinstance(await stand_in_player.wait_for(wire.ReloadConfig), wire.ReloadConfig)


async def test_an_upload_being_received_lives_in_incoming_where_media_gc_never_looks(hub, admin, small_clip):
    data = small_clip.read_bytes()
    half = asyncio.Event()
    go_on = asyncio.Event()

    async def body():
        yield data[: len(data) // 2]
        half.set()
        await go_on.wait()
        yield data[len(data) // 2 :]

    upload = asyncio.create_task(admin.post("/api/admin/upload", params={"category": "goal"}, data=body()))
    await asyncio.wait_for(half.wait(), 5)
    incoming = hub.settings.data_dir.incoming_dir
    for _ in range(100):
        if list(incoming.glob("upload-*.part")):
            break
        await asyncio.sleep(0.05)
    assert len(list(incoming.glob("upload-*.part"))) == 1
    assert not [p for p in hub.settings.data_dir.media_dir.iterdir() if p.name.startswith("upload-")]
    go_on.set()
    r = await upload
    assert r.status == 201, await r.text()
    assert not list(incoming.iterdir())
    assert (hub.settings.data_dir.media_dir / f"{file_sha256(small_clip)}.mp4").exists()


async def test_an_admin_edit_waits_for_the_config_lock_and_keeps_what_the_agent_wrote(hub, admin):
    data_dir = hub.settings.data_dir
    held, release = threading.Event(), threading.Event()

    def agent_applies_a_cloud_version() -> None:
        # What the agent does when the cloud publishes: a read-modify-write under the lock.
        with data_dir.config_lock():
            held.set()
            cfg = parse_site_config(data_dir.current_config.read_bytes())
            renamed = msgspec.structs.replace(cfg.site, club_name="Renamed by the cloud")
            atomic_write(
                data_dir.current_config, encode_site_config(msgspec.structs.replace(cfg, site=renamed))
            )
            release.wait(10)

    agent = threading.Thread(target=agent_applies_a_cloud_version)
    agent.start()
    try:
        assert held.wait(5)
        edit = asyncio.create_task(
            admin.post("/api/admin/categories", json={"label": "Fans", "color": "#AA00AA", "icon": "🎉"})
        )
        await asyncio.sleep(0.5)
        assert not edit.done(), "the hub wrote current.json while the agent held the config lock"
    finally:
        release.set()
        await asyncio.to_thread(agent.join, 10)
    r = await edit
    assert r.status == 201, await r.text()
    cfg = config(hub)
    assert cfg.site.club_name == "Renamed by the cloud" and cfg.category("fans") is not None
