"""Typed application state (``web.AppKey``) and the request's session: no globals anywhere."""

from __future__ import annotations

from collections.abc import Callable

import aiosqlite
from aiohttp import web

from .auth import Auth, Session
from .hub import Hub
from .settings import Settings
from .site import SiteEditor
from .transcode import Transcoder

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", aiosqlite.Connection)
AUTH = web.AppKey("auth", Auth)
HUB = web.AppKey("hub", Hub)
SITE = web.AppKey("site", SiteEditor)
PLAYER_TOKEN = web.AppKey("player_token", str)
TRANSCODER = web.AppKey("transcoder", Transcoder)
#: Wall-clock seconds for sessions and lockouts (a test moves it instead of sleeping).
CLOCK = web.AppKey("clock", Callable[[], float])

#: The request's session (or None), set by the security middleware.
SESSION = web.RequestKey("session", Session | None)


def session_of(request: web.Request) -> Session | None:
    return request.get(SESSION)
