"""Routes of the command queue: send a command to a site, follow it, cancel it."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloud_api.db.base import utcnow
from cloud_api.db.models import Command
from cloud_api.domain.accounts.deps import CurrentUser
from cloud_api.domain.accounts.guards import Principal, Role
from cloud_api.domain.sites.deps import visible_site
from cloud_api.lib.bus_messages import CommandQueued
from cloud_api.server.db import DbSession, after_commit, note
from cloud_api.server.errors import FieldError
from neopro.contracts.device_api import CommandStatus

from . import services
from .schemas import CommandCreate, CommandOut


class CommandController(Controller):
    path = "/sites/{site_id:str}/commands"
    tags = ["commands"]

    @post("/", opt={"role": Role.CLUB_OPERATOR})
    async def create_command(
        self,
        request: Request,
        state: State,
        db_session: DbSession,
        principal: CurrentUser,
        site_id: FromPath[str],
        data: JSONBody[CommandCreate],
    ) -> CommandOut:
        """Queue a command; a connected Pi gets it pushed at once, an offline one when it returns."""
        site = await visible_site(db_session, principal, site_id)
        command = services.new_command(site.id, site.club_id, data, principal.id)
        db_session.add(command)
        await db_session.flush()
        note(request, object_id=command.id, object_type="command", club_id=site.club_id, type=command.type)
        bus = state.runtime.bus
        after_commit(request, lambda: bus.publish(CommandQueued(site_id=site.id, command_id=command.id)))
        return services.command_out(command)

    @get("/")
    async def list_commands(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        site_id: FromPath[str],
        status: FromQuery[CommandStatus | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[CommandOut]:
        site = await visible_site(db_session, principal, site_id)
        await services.expire_due(db_session, site.id, utcnow())
        query = select(Command).where(Command.site_id == site.id)
        if status is not None:
            query = query.where(Command.status == status.value)
        rows = await db_session.scalars(query.order_by(Command.created_at.desc(), Command.id).limit(limit))
        await db_session.commit()
        return [services.command_out(c) for c in rows]

    @get("/{command_id:str}")
    async def get_command(
        self, db_session: DbSession, principal: CurrentUser, site_id: FromPath[str], command_id: FromPath[str]
    ) -> CommandOut:
        return services.command_out(await _command(db_session, principal, site_id, command_id))

    @post("/{command_id:str}/cancel", status_code=200, opt={"role": Role.CLUB_OPERATOR})
    async def cancel(
        self, db_session: DbSession, principal: CurrentUser, site_id: FromPath[str], command_id: FromPath[str]
    ) -> CommandOut:
        """Cancel a command not yet acknowledged by the Pi."""
        command = await _command(db_session, principal, site_id, command_id)
        if command.status not in (CommandStatus.QUEUED.value, CommandStatus.SENT.value):
            raise FieldError(
                409,
                "command_id",
                f"this command is {command.status}; only queued or sent ones can be cancelled",
            )
        command.status, command.finished_at = CommandStatus.CANCELLED.value, utcnow()
        return services.command_out(command)


async def _command(session: AsyncSession, principal: Principal, site_id: str, command_id: str) -> Command:
    site = await visible_site(session, principal, site_id)
    command = await session.get(Command, command_id)
    if command is None or command.site_id != site.id:
        raise NotFoundException("no such command")
    return command
