"""The local admin's JSON endpoints (club admin session + CSRF on every change)."""

from __future__ import annotations

import asyncio
import logging
import re

import msgspec
from aiohttp import web

from neopro.clock import utcnow
from neopro.contracts import Owner, Video, wire
from neopro.media.probe import MediaRejected

from . import backups, system, transcode, uploads
from .auth import check_new_secret
from .keys import AUTH, DB, HUB, SETTINGS, SITE, TRANSCODER
from .match import MatchStore
from .security import SESSION_COOKIE, refuse, require
from .site import Refused

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def _tell(app: web.Application) -> bool:
    """The configuration changed: the player reloads it, the phones redraw their buttons."""
    hub = app[HUB]
    hub.broadcast_state()
    return hub.send_to_player(wire.ReloadConfig())


def _tell_player(request: web.Request) -> bool:
    return _tell(request.app)


async def _json(request: web.Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text='{"error":"bad_json","message":"Send a JSON object."}',
                                 content_type="application/json") from None  # fmt: skip
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text='{"error":"bad_json","message":"Send a JSON object."}',
                                 content_type="application/json")  # fmt: skip
    return body


def _text(body: dict, key: str, limit: int = 200) -> str:
    value = body.get(key, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


# -- status -----------------------------------------------------------------------------
@routes.get("/api/admin/status")
@require("admin")
async def status(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    facts = await asyncio.to_thread(system.health, request.app[SETTINGS].data_dir)
    cfg = request.app[SITE].current()
    return web.json_response({
        **facts,
        "player": {"connected": hub.player is not None, "status": msgspec.to_builtins(hub.player_status)},
        "phones": len(hub.phones),
        "match": msgspec.to_builtins(hub.match),
        "config_version": cfg.version if cfg else None,
        "hotspot": system.read_hotspot(request.app[SETTINGS].data_dir),
    })  # fmt: skip


@routes.get("/api/admin/matches")
@require("admin")
async def matches(request: web.Request) -> web.StreamResponse:
    return web.json_response(await MatchStore(request.app[DB]).history())


# -- content ----------------------------------------------------------------------------
@routes.get("/api/admin/content")
@require("admin")
async def content(request: web.Request) -> web.StreamResponse:
    cfg = request.app[SITE].current()
    if cfg is None:
        return web.json_response({"categories": [], "videos": []})
    platform_ids = {i for c in cfg.categories if c.owner == Owner.PLATFORM for i in c.all_videos()}
    return web.json_response({
        "categories": [
            {"id": c.id, "label": c.label, "color": c.color[:7], "icon": c.icon,
             "locked": c.owner == Owner.PLATFORM, "videos": c.all_videos()}
            for c in cfg.categories
        ],
        "videos": [
            {"id": v.id, "title": v.title, "duration_s": v.duration_s, "size": v.size,
             "locked": v.owner == Owner.PLATFORM or v.id in platform_ids, "sponsor_id": v.sponsor_id}
            for v in cfg.videos
        ],
    })  # fmt: skip


@routes.post("/api/admin/upload")
@require("admin")
async def upload(request: web.Request) -> web.StreamResponse:
    """The raw file as the body; ``category`` and ``filename`` (a title hint only) in the query."""
    settings = request.app[SETTINGS]
    cap = settings.upload_max_bytes
    if request.content_length is not None and request.content_length > cap:
        return _too_large(cap)  # answered before a byte of the body is read
    category = request.query.get("category", "")
    cfg = request.app[SITE].current()
    if cfg is None or cfg.category(category) is None:
        return refuse(422, "bad_request", f"Choose an existing category (got {category!r}).", "category")
    title = request.query.get("title", "").strip()[:80] or uploads.title_from_filename(
        request.query.get("filename", "")
    )
    try:
        received = await uploads.receive(request, settings.data_dir, cap)
    except uploads.TooLarge:
        return _too_large(cap)
    except MediaRejected as exc:
        return refuse(422, "not_a_video", f"Refused: {exc}.", "file")
    if settings.transcode_uploads and not transcode.in_profile(received.info):
        job = request.app[TRANSCODER].submit(received, title=title, category=category)
        return web.json_response({"job": job.to_dict()}, status=202)
    stored = await uploads.commit(settings.data_dir, received)
    try:
        video_id = await file_video(request.app, stored, title, category)
    except Refused as exc:
        return refuse(exc.status, "refused", exc.message, exc.field)
    return web.json_response({
        "video": {"id": video_id, "title": title, "sha256": stored.sha256, "size": stored.size,
                  "duration_s": round(stored.info.duration_s, 3), "file": stored.path.name,
                  "codec": stored.info.video_codec, "width": stored.info.width, "height": stored.info.height},
    }, status=201)  # fmt: skip


async def file_video(app: web.Application, stored: uploads.Stored, title: str, category: str) -> str:
    """File a stored clip in a category (a new config, the player told); returns the video id."""
    video = Video(
        id="new", title=title, sha256=stored.sha256, ext=stored.ext,  # type: ignore[arg-type]
        duration_s=round(stored.info.duration_s, 3), size=stored.size, owner=Owner.CLUB,
    )  # fmt: skip
    new_cfg = await app[SITE].add_video(video, category)
    added = next(v for v in new_cfg.videos if v.sha256 == stored.sha256)
    log.info("filed %s (%d bytes) as %s into %s", added.title, stored.size, stored.path.name, category)
    _tell(app)
    return added.id


@routes.get("/api/admin/jobs")
@require("admin")
async def jobs(request: web.Request) -> web.StreamResponse:
    """The conversions of this run, newest last (the admin page follows their progress)."""
    return web.json_response([job.to_dict() for job in request.app[TRANSCODER].jobs.values()])


def _too_large(cap: int) -> web.Response:
    response = refuse(413, "too_large", f"The file is over the {cap // (1024 * 1024)} MiB limit.", "file")
    response.force_close()  # do not read (or wait for) the rest of the body
    return response


@routes.delete("/api/admin/videos/{video_id}")
@require("admin")
async def delete_video(request: web.Request) -> web.StreamResponse:
    site = request.app[SITE]
    try:
        cfg, video = await site.delete_video(request.match_info["video_id"])
    except Refused as exc:
        return refuse(exc.status, "refused", exc.message, exc.field)
    if not any(v.sha256 == video.sha256 for v in cfg.videos):
        path = request.app[SETTINGS].data_dir.media_path(video.filename)
        await asyncio.to_thread(path.unlink, missing_ok=True)
    return web.json_response({"deleted": video.id, "player_told": _tell_player(request)})


@routes.post("/api/admin/categories")
@require("admin")
async def add_category(request: web.Request) -> web.StreamResponse:
    body = await _json(request)
    label, color, icon = (
        _text(body, "label", 80),
        _text(body, "color", 7) or "#1565C0",
        _text(body, "icon", 8),
    )
    if not label:
        return refuse(422, "bad_request", "Give the category a label.", "label")
    if not COLOR_RE.match(color):
        return refuse(422, "bad_request", "The colour must look like #1565C0.", "color")
    try:
        cfg = await request.app[SITE].add_category(label, color, icon)
    except Refused as exc:
        return refuse(exc.status, "refused", exc.message, exc.field)
    return web.json_response(
        {"category": cfg.categories[-1].id, "player_told": _tell_player(request)}, status=201
    )


@routes.delete("/api/admin/categories/{category_id}")
@require("admin")
async def delete_category(request: web.Request) -> web.StreamResponse:
    try:
        await request.app[SITE].delete_category(request.match_info["category_id"])
    except Refused as exc:
        return refuse(exc.status, "refused", exc.message, exc.field)
    return web.json_response(
        {"deleted": request.match_info["category_id"], "player_told": _tell_player(request)}
    )


# -- access -----------------------------------------------------------------------------
@routes.post("/api/admin/secret")
@require("admin")
async def change_secret(request: web.Request) -> web.StreamResponse:
    """Change the operator PIN or the admin password (the role's other sessions end)."""
    body = await _json(request)
    role = body.get("role")
    secret = body.get("secret")
    if role not in ("operator", "admin"):
        return refuse(422, "bad_request", "role must be 'operator' or 'admin'.", "role")
    if not isinstance(secret, str) or (why := check_new_secret(role, secret)) is not None:
        return refuse(
            422, "bad_request", why if isinstance(secret, str) else "Give the new secret.", "secret"
        )
    await request.app[AUTH].set_secret(role, secret, keep=request.cookies.get(SESSION_COOKIE))
    request.app[HUB].drop_role(role)
    return web.json_response({"changed": role})


# -- hotspot and logs -------------------------------------------------------------------
@routes.post("/api/admin/hotspot")
@require("admin")
async def hotspot(request: web.Request) -> web.StreamResponse:
    body = await _json(request)
    ssid, passphrase = body.get("ssid"), body.get("passphrase")
    if not isinstance(ssid, str) or not isinstance(passphrase, str):
        return refuse(422, "bad_request", "Give the network name and the passphrase.", "ssid")
    if (problem := system.check_hotspot(ssid, passphrase)) is not None:
        return refuse(422, "bad_request", problem[1], problem[0])
    path = await asyncio.to_thread(system.write_hotspot, request.app[SETTINGS].data_dir, ssid, passphrase)
    return web.json_response({"ssid": ssid, "file": path.name})


@routes.get("/api/admin/logs/{service}")
@require("admin")
async def logs(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    service = request.match_info["service"]
    if service not in settings.services:
        return refuse(
            404, "not_found", f"No service {service!r}; one of {', '.join(settings.services)}.", "service"
        )
    try:
        lines = max(1, min(1000, int(request.query.get("lines", "200"))))
    except ValueError:
        return refuse(422, "bad_request", "lines must be a number.", "lines")
    out = await system.service_logs(service, settings.data_dir, lines)
    return web.json_response({"service": service, "source": out.source, "lines": out.lines})


# -- backups of the configuration -------------------------------------------------------
def _backup_json(b: backups.Backup) -> dict:
    return {"name": b.name, "created_at": b.created_at.isoformat(), "version": b.version, "kind": b.kind,
            "size": b.size}  # fmt: skip


@routes.get("/api/admin/backups")
@require("admin")
async def list_backups(request: web.Request) -> web.StreamResponse:
    found = await asyncio.to_thread(backups.listing, request.app[SETTINGS].data_dir)
    return web.json_response({"backups": [_backup_json(b) for b in found]})


@routes.post("/api/admin/backups")
@require("admin")
async def make_backup(request: web.Request) -> web.StreamResponse:
    try:
        made = await asyncio.to_thread(backups.create, request.app[SETTINGS].data_dir, "manual", utcnow())
    except backups.BackupError as exc:
        return refuse(exc.status, "conflict", exc.message)
    return web.json_response(_backup_json(made), status=201)


@routes.get("/api/admin/backups/{name}")
@require("admin")
async def download_backup(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    try:
        path = backups.path_of(request.app[SETTINGS].data_dir, name)
    except backups.BackupError as exc:
        return refuse(exc.status, "not_found", exc.message, "name")
    return web.FileResponse(path, headers={"Content-Disposition": f'attachment; filename="{path.name}"',
                                           "Content-Type": "application/json"})  # fmt: skip


@routes.post("/api/admin/backups/{name}/restore")
@require("admin")
async def restore_backup(request: web.Request) -> web.StreamResponse:
    """Put a backup back as the applied configuration; the player takes it at the next seam."""
    try:
        version = await asyncio.to_thread(
            backups.restore, request.app[SETTINGS].data_dir, request.match_info["name"]
        )
    except backups.BackupError as exc:
        return refuse(exc.status, "not_found" if exc.status == 404 else "bad_request", exc.message, "name")
    return web.json_response({"restored": request.match_info["name"], "version": version,
                              "player_told": _tell_player(request)})  # fmt: skip
