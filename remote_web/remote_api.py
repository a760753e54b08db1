"""``/api/remote``: what the phone remote draws — the categories and clips of the site configuration."""

from __future__ import annotations

import msgspec
from aiohttp import web

from .hub import Hub
from .keys import HUB, SITE, session_of
from .security import refuse

routes = web.RouteTableDef()


@routes.get("/api/remote")
async def remote_data(request: web.Request) -> web.StreamResponse:
    """What the remote page draws: the categories and clips of the site configuration."""
    if session_of(request) is None:
        return refuse(401, "unauthenticated", "Log in first.")
    cfg = request.app[SITE].current()
    hub = request.app[HUB]
    if cfg is None:
        return web.json_response({"title": "Neopro", "language": "fr", "categories": [], "videos": [],
                                  "state": _state(hub)})  # fmt: skip
    return web.json_response({
        "title": cfg.remote.title,
        "language": cfg.remote.language,
        "club": cfg.site.club_name,
        "version": cfg.version,
        "etag": request.app[SITE].etag(),
        "categories": [
            {"id": c.id, "label": c.label, "color": c.color[:7], "icon": c.icon, "owner": c.owner.value,
             "phases": [p.value for p in c.phases], "videos": c.all_videos(),
             "groups": [{"label": "", "videos": c.videos},
                        *({"label": s.label, "videos": s.videos} for s in c.subcategories)]}
            for c in cfg.categories
        ],
        "videos": [
            {"id": v.id, "title": v.title, "duration_s": v.duration_s, "owner": v.owner.value,
             "sponsor_id": v.sponsor_id, "category_id": (cat.id if (cat := cfg.category_of(v.id)) else None)}
            for v in cfg.videos
        ],
        "state": _state(hub),
    })  # fmt: skip


def _state(hub: Hub) -> object:
    return msgspec.to_builtins(hub.state())
