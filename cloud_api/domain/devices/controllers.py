"""The device API (contract 4, ``neopro.contracts.device_api``): what an enrolled Pi calls.

Every route but enroll needs a device credential (``device_guard``); the site is the
credential's, never a path or a body's. Access tokens of people are refused here, and device
credentials are refused on the admin API.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, WebSocket, get, post, websocket
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloud_api.db.models import Command, Media
from cloud_api.domain.commands import services as commands
from cloud_api.domain.devices.auth import CurrentDevice
from cloud_api.domain.media.access import usable_by
from cloud_api.domain.media.delivery import send_media
from cloud_api.domain.sites import services as sites
from cloud_api.server.db import ACTOR_KEY, DbSession, after_commit, note, set_actor
from neopro.contracts.device_api import (
    CommandList,
    CommandResult,
    DeviceCommand,
    EnrollRequest,
    EnrollResponse,
    Heartbeat,
    Manifest,
)

from .auth import DeviceIdentity, announce_revocation


class DeviceController(Controller):
    tags = ["device"]

    @post("/enroll", opt={"public": True})
    async def enroll(
        self, request: Request, state: State, db_session: DbSession, data: JSONBody[EnrollRequest]
    ) -> EnrollResponse:
        """Trade a one-time enrollment code for this Pi's device credential (shown once)."""
        answer, replaced = await sites.enroll(db_session, state.runtime.settings, data)
        set_actor(request, DeviceIdentity(answer.device_id, answer.site_id, answer.club_id))
        note(request, object_id=answer.device_id, object_type="device", replaced=replaced)
        for device_id in replaced:
            after_commit(request, announce_revocation(state.runtime, device_id))
        return answer

    @get(
        "/manifest",
        responses={
            200: ResponseSpec(Manifest, description="the manifest"),
            304: ResponseSpec(None, description="unchanged since the ETag you sent"),
        },
    )
    async def manifest(self, request: Request, state: State, device: CurrentDevice) -> Response[bytes]:
        """The published configuration and its media list; ``If-None-Match`` with the ETag gives 304."""
        built = await state.runtime.manifests.get(device)
        headers = {"ETag": built.etag, "Cache-Control": "no-cache"}
        if built.etag in _etags(request.headers.get("if-none-match")):
            return Response(content=b"", status_code=304, headers=headers)
        return Response(content=built.body, media_type="application/json", headers=headers)

    @get("/media/{media_id:str}")
    async def media(
        self,
        request: Request,
        state: State,
        db_session: DbSession,
        device: CurrentDevice,
        media_id: FromPath[str],
    ) -> Response:
        """The media file; ``Range`` (one range) and ``If-Range`` with the strong ETag for resuming."""
        found = await db_session.scalar(
            select(Media).where(
                Media.id == media_id, Media.status == "ready", usable_by(device.club_id, device.site_id)
            )
        )
        if found is None:
            raise NotFoundException("no such media for this site")
        return await send_media(request, state.runtime.storage, found)

    @post("/heartbeat", status_code=204)
    async def heartbeat(self, state: State, device: CurrentDevice, data: JSONBody[Heartbeat]) -> None:
        """Health and the applied configuration version; 204 once stored."""
        await state.runtime.heartbeats.store(device, data)

    @get("/commands")
    async def pull_commands(self, db_session: DbSession, device: CurrentDevice) -> CommandList:
        """Every due command, highest priority first (also what a reconnecting socket receives)."""
        return CommandList(commands=await commands.claim_due(db_session, device.site_id, resend_unacked=True))

    @post("/commands/{command_id:str}/ack", status_code=200)
    async def ack_command(
        self, db_session: DbSession, device: CurrentDevice, command_id: FromPath[str]
    ) -> DeviceCommand:
        """The agent starts running the command; 409 if it expired or was cancelled (then do not run it)."""
        command = await _own_command(db_session, device, command_id)
        return commands.device_command(await commands.acknowledge(db_session, command))

    @post("/commands/{command_id:str}/result", status_code=200)
    async def command_result(
        self,
        db_session: DbSession,
        device: CurrentDevice,
        command_id: FromPath[str],
        data: JSONBody[CommandResult],
    ) -> DeviceCommand:
        command = await _own_command(db_session, device, command_id)
        return commands.device_command(await commands.record_result(db_session, command, data))

    @websocket("/push")
    async def push(self, socket: WebSocket, state: State) -> None:
        """The push channel: :data:`~neopro.contracts.device_api.PushMessage` frames."""
        device = socket.scope[ACTOR_KEY]
        await socket.accept()
        await state.runtime.hub.serve(socket, device)


async def _own_command(session: AsyncSession, device: DeviceIdentity, command_id: str) -> Command:
    command = await session.get(Command, command_id)
    if command is None or command.site_id != device.site_id:
        raise NotFoundException("no such command for this site")
    return command


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {part.strip() for part in header.split(",")}
