"""Routes of the sites domain: sites, enrollment codes, device credentials and status."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

from cloud_api.db.base import utcnow
from cloud_api.db.models import Club, Device, Site, SiteStatus
from cloud_api.domain.accounts.deps import CurrentUser
from cloud_api.domain.accounts.tenancy import club_scope, owned_or_404, target_club
from cloud_api.domain.devices.auth import announce_revocation
from cloud_api.server.db import DbSession, after_commit, note
from cloud_api.server.errors import FieldError

from . import services
from .deps import visible_site
from .schemas import DeviceOut, EnrollmentCodeOut, SiteCreate, SiteCreated, SiteOut, SiteStatusOut, SiteUpdate


class SiteController(Controller):
    path = "/sites"
    tags = ["sites"]

    @get("/")
    async def list_sites(self, state: State, db_session: DbSession, principal: CurrentUser) -> list[SiteOut]:
        rows = await db_session.scalars(
            select(Site).where(club_scope(principal, Site.club_id)).order_by(Site.name)
        )
        return await services.sites_out(db_session, state.runtime.settings, list(rows))

    @post("/")
    async def create_site(
        self,
        request: Request,
        state: State,
        db_session: DbSession,
        principal: CurrentUser,
        data: JSONBody[SiteCreate],
    ) -> SiteCreated:
        """Create a site; the answer carries its one-time enrollment code (15 minutes)."""
        club_id = target_club(principal, data.club_id)
        if await db_session.get(Club, club_id) is None:
            raise FieldError(422, "club_id", "no such club")
        site = Site(name=data.name, club_id=club_id)
        db_session.add(site)
        await db_session.flush()
        code = await services.new_code(db_session, state.runtime.settings, site)
        note(request, object_id=site.id, club_id=club_id)
        (out,) = await services.sites_out(db_session, state.runtime.settings, [site])
        return SiteCreated(site=out, enrollment=code)

    @get("/{site_id:str}")
    async def get_site(
        self, state: State, db_session: DbSession, principal: CurrentUser, site_id: FromPath[str]
    ) -> SiteOut:
        site = await visible_site(db_session, principal, site_id)
        (out,) = await services.sites_out(db_session, state.runtime.settings, [site])
        return out

    @patch("/{site_id:str}")
    async def update_site(
        self,
        state: State,
        db_session: DbSession,
        principal: CurrentUser,
        site_id: FromPath[str],
        data: JSONBody[SiteUpdate],
    ) -> SiteOut:
        site = await visible_site(db_session, principal, site_id)
        site.name = data.name
        (out,) = await services.sites_out(db_session, state.runtime.settings, [site])
        return out

    @delete("/{site_id:str}")
    async def delete_site(
        self,
        request: Request,
        state: State,
        db_session: DbSession,
        principal: CurrentUser,
        site_id: FromPath[str],
    ) -> None:
        site = await visible_site(db_session, principal, site_id)
        devices = list(await db_session.scalars(select(Device.id).where(Device.site_id == site.id)))
        await db_session.delete(site)
        note(request, club_id=site.club_id)
        for device_id in devices:
            after_commit(request, announce_revocation(state.runtime, device_id))

    @post("/{site_id:str}/enrollment-codes")
    async def new_enrollment_code(
        self, state: State, db_session: DbSession, principal: CurrentUser, site_id: FromPath[str]
    ) -> EnrollmentCodeOut:
        """A fresh one-time code for (re-)enrolling the site's Pi."""
        site = await visible_site(db_session, principal, site_id)
        return await services.new_code(db_session, state.runtime.settings, site)

    @get("/{site_id:str}/status")
    async def site_status(
        self, state: State, db_session: DbSession, principal: CurrentUser, site_id: FromPath[str]
    ) -> SiteStatusOut:
        """Online / stale / offline from the last heartbeat, and what the Pi reported."""
        site = await visible_site(db_session, principal, site_id)
        return services.status_out(await db_session.get(SiteStatus, site.id), state.runtime.settings)

    @get("/{site_id:str}/devices")
    async def list_devices(
        self, db_session: DbSession, principal: CurrentUser, site_id: FromPath[str]
    ) -> list[DeviceOut]:
        site = await visible_site(db_session, principal, site_id)
        rows = await db_session.scalars(
            select(Device).where(Device.site_id == site.id).order_by(Device.enrolled_at)
        )
        return [
            DeviceOut(
                id=d.id,
                site_id=d.site_id,
                enrolled_at=d.enrolled_at,
                revoked_at=d.revoked_at,
                hardware=d.hardware,
            )
            for d in rows
        ]

    @post("/{site_id:str}/devices/{device_id:str}/revoke", status_code=200)
    async def revoke_device(
        self,
        request: Request,
        state: State,
        db_session: DbSession,
        principal: CurrentUser,
        site_id: FromPath[str],
        device_id: FromPath[str],
    ) -> DeviceOut:
        """Revoke a device credential: its next call gets 401 and its push socket closes."""
        site = await visible_site(db_session, principal, site_id)
        device = await db_session.get(Device, device_id)
        device = owned_or_404(principal, device if device and device.site_id == site.id else None, "device")
        if device.revoked_at is None:
            device.revoked_at = utcnow()
        after_commit(request, announce_revocation(state.runtime, device.id))
        return DeviceOut(
            id=device.id, site_id=device.site_id, enrolled_at=device.enrolled_at,
            revoked_at=device.revoked_at, hardware=msgspec.to_builtins(device.hardware),
        )  # fmt: skip
