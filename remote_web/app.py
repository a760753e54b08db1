"""The hub's application factory: everything is built from :class:`Settings`, nothing at import."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from neopro import setup_code
from neopro.clock import utcnow
from neopro.datadir import DataDir

from . import admin, backups, pages, remote_api, uploads, ws
from .auth import Auth
from .db import open_db
from .hub import Hub
from .keys import AUTH, CLOCK, DB, HUB, PLAYER_TOKEN, SETTINGS, SITE, TRANSCODER
from .match import MatchStore
from .security import security_middleware
from .settings import Settings
from .site import SiteEditor
from .transcode import Job, Transcoder

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
BACKUP_CHECK_S = 3600.0


def create_app(settings: Settings, *, clock: Callable[[], float] = time.time) -> web.Application:
    app = web.Application(middlewares=[security_middleware], client_max_size=1024 * 1024)
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app[SITE] = SiteEditor(settings.data_dir)
    app.add_routes(pages.routes)
    app.add_routes(remote_api.routes)
    app.add_routes(admin.routes)
    app.add_routes(ws.routes)
    app.router.add_static("/static", STATIC, append_version=True)
    app.cleanup_ctx.append(_state_db)
    app.on_shutdown.append(_close_sockets)
    return app


async def _state_db(app: web.Application):
    """Open state.db and everything that lives on it for the life of the app."""
    settings = app[SETTINGS]
    data_dir = settings.data_dir.ensure()
    db = await open_db(data_dir.state_db)
    app[DB] = db
    app[PLAYER_TOKEN] = data_dir.player_token()
    app[AUTH] = Auth(
        db,
        session_s={"operator": settings.operator_session_s, "admin": settings.admin_session_s},
        failures=settings.lockout_failures,
        window_s=settings.lockout_window_s,
        base_delay_s=settings.lockout_base_delay_s,
        clock=app[CLOCK],
    )
    hub = Hub(MatchStore(db), site_etag=app[SITE].etag, clock=app[CLOCK])
    await hub.start()
    app[HUB] = hub
    if left := await asyncio.to_thread(uploads.remove_leftovers, data_dir):
        log.info("removed %d unfinished upload(s) of the previous run", left)

    async def converted(job: Job, stored: uploads.Stored) -> str:
        return await admin.file_video(app, stored, job.title, job.category)

    app[TRANSCODER] = Transcoder(data_dir, converted)
    if not await app[AUTH].configured():
        code = await asyncio.to_thread(setup_code.ensure, data_dir)
        log.warning(
            "first run: open http://<this device>:%d/setup to set the PIN and password; "
            "setup code %s (also on the TV's idle screen, and `neopro remote setup-code`)",
            settings.port,
            setup_code.display(code),
        )
    else:
        await asyncio.to_thread(setup_code.remove, data_dir)  # claimed: no code may linger
    daily_backups = asyncio.create_task(_daily_backups(data_dir), name="daily-backups")
    try:
        yield
    finally:
        daily_backups.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await daily_backups
        await app[TRANSCODER].close()
        await db.close()


async def _daily_backups(data_dir: DataDir) -> None:
    """The configuration's daily backup (kept a week), checked every hour (a Pi is often off)."""
    while True:
        try:
            made = await asyncio.to_thread(backups.daily, data_dir, utcnow())
            if made is not None:
                log.info("daily backup of the configuration: %s", made.name)
        except OSError as exc:  # a full or read-only disk: say so, try again later
            log.warning("the daily backup failed: %s", exc)
        await asyncio.sleep(BACKUP_CHECK_S)


async def _close_sockets(app: web.Application) -> None:
    await app[HUB].close_all()
