"""Routes of the media library: upload, list, download, thumbnail, assignment to clubs and sites."""

from __future__ import annotations

import asyncio
import shutil
from typing import Annotated

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream
from sqlalchemy import select

from cloud_api.db.models import Club, Media, MediaAssignment, Site
from cloud_api.domain.accounts.deps import CurrentUser
from cloud_api.domain.accounts.guards import Role
from cloud_api.domain.accounts.tenancy import target_club
from cloud_api.lib.security import new_id
from cloud_api.server.db import DbSession, note
from cloud_api.server.errors import FieldError
from neopro.contracts import Owner

from . import ingest, transcode
from .delivery import send_media
from .schemas import AssignmentCreate, AssignmentOut, MediaOut, UploadOut
from .services import media_out, visible, visible_media, writable


class MediaController(Controller):
    path = "/media"
    tags = ["media"]

    @post("/", request_max_body_size=None)
    async def upload(
        self,
        request: Request,
        state: State,
        db_session: DbSession,
        principal: CurrentUser,
        name: Annotated[
            str, QueryParameter(min_length=1, max_length=200, description="the file's name, e.g. goal.mp4")
        ],
        club_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
        transcode_to_profile: Annotated[bool, QueryParameter(name="transcode")] = False,
    ) -> UploadOut:
        """Upload one video as the raw request body (``Content-Type: video/mp4``), streamed to disk.

        Refused with 413 before anything is read when ``Content-Length`` is over the limit (and
        while streaming otherwise), with 422 and the reason when ffprobe does not accept it.
        A platform admin uploads platform media unless ``club_id`` is given.
        """
        rt = state.runtime
        limit = rt.settings.max_upload_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise ingest.too_large(limit)
        club = target_club(principal, club_id, allow_platform=True)
        if club is not None and await db_session.get(Club, club) is None:
            raise FieldError(422, "club_id", "no such club")
        scratch = rt.settings.data_dir / "uploads"
        path, sha256, size = await ingest.receive(request.stream(), scratch, limit)
        if size == 0:
            path.unlink(missing_ok=True)
            raise FieldError(422, "body", "the body is empty: send the video file as the request body")
        copy = None
        try:
            info = await ingest.check_video(path)
            if transcode_to_profile:
                copy = path.with_name(path.stem + ".src")
                await asyncio.to_thread(shutil.copyfile, path, copy)
            clean = ingest.clean_name(name)
            stored = await ingest.store(rt.storage, path, sha256, size, clean, info)
        except BaseException:
            path.unlink(missing_ok=True)
            if copy is not None:
                copy.unlink(missing_ok=True)
            raise
        owner = Owner.PLATFORM.value if club is None else Owner.CLUB.value
        media = Media(
            id=new_id(), club_id=club, owner=owner, name=clean, ext=stored.ext, sha256=sha256, size=size,
            storage_key=stored.storage_key, thumbnail_key=stored.thumbnail_key, duration_s=info.duration_s,
            width=info.width, height=info.height, video_codec=info.video_codec, status="ready",
            created_by=principal.id,
        )  # fmt: skip
        db_session.add(media)
        pending = None
        if copy is not None:
            pending = Media(
                club_id=club, owner=owner, name=clean.rsplit(".", 1)[0] + " (Pi profile).mp4", ext="mp4",
                sha256="", size=0, storage_key="", duration_s=info.duration_s, width=0, height=0,
                video_codec="h264",
                status="transcoding", transcode_progress=0.0, source_id=media.id, created_by=principal.id,
            )  # fmt: skip
            db_session.add(pending)
        await db_session.flush()
        note(request, object_id=media.id, club_id=club, sha256=sha256, size=size)
        if pending is not None and copy is not None:
            await db_session.commit()  # the background job reads the row from its own session
            rt.spawn(
                transcode.run(rt.sessionmaker, rt.storage, pending.id, copy, info.duration_s),
                f"transcode-{pending.id}",
            )
        return UploadOut(media=media_out(media), transcode=media_out(pending) if pending else None)

    @get("/")
    async def list_media(self, db_session: DbSession, principal: CurrentUser) -> list[MediaOut]:
        rows = await db_session.scalars(
            select(Media).where(visible(principal)).order_by(Media.created_at.desc())
        )
        return [media_out(m) for m in rows]

    @get("/{media_id:str}")
    async def get_media(
        self, db_session: DbSession, principal: CurrentUser, media_id: FromPath[str]
    ) -> MediaOut:
        return media_out(await visible_media(db_session, principal, media_id))

    @get("/{media_id:str}/file")
    async def download(
        self,
        request: Request,
        state: State,
        db_session: DbSession,
        principal: CurrentUser,
        media_id: FromPath[str],
    ) -> Response:
        media = await visible_media(db_session, principal, media_id)
        if media.status != "ready":
            raise FieldError(409, "media_id", f"this media is {media.status}; no file yet")
        return await send_media(request, state.runtime.storage, media)

    @get("/{media_id:str}/thumbnail", media_type="image/jpeg")
    async def thumbnail(
        self, state: State, db_session: DbSession, principal: CurrentUser, media_id: FromPath[str]
    ) -> Stream:
        media = await visible_media(db_session, principal, media_id)
        size = await state.runtime.storage.size(media.thumbnail_key) if media.thumbnail_key else None
        if not size:
            raise NotFoundException("this media has no thumbnail")
        return Stream(state.runtime.storage.read(media.thumbnail_key, 0, size - 1), media_type="image/jpeg")

    @delete("/{media_id:str}")
    async def delete_media(
        self, request: Request, db_session: DbSession, principal: CurrentUser, media_id: FromPath[str]
    ) -> None:
        """Remove from the library (the bytes stay while another row or a published version may name them)."""
        media = await visible_media(db_session, principal, media_id)
        if not writable(principal, media):
            raise PermissionDeniedException("platform media can only be removed by the platform")
        note(request, club_id=media.club_id, sha256=media.sha256)
        await db_session.delete(media)

    @get("/{media_id:str}/assignments")
    async def list_assignments(
        self, db_session: DbSession, principal: CurrentUser, media_id: FromPath[str]
    ) -> list[AssignmentOut]:
        media = await visible_media(db_session, principal, media_id)
        query = select(MediaAssignment).where(MediaAssignment.media_id == media.id)
        if not principal.is_platform:
            query = query.where(MediaAssignment.club_id == principal.club_id)
        return [
            _assignment_out(a) for a in await db_session.scalars(query.order_by(MediaAssignment.created_at))
        ]

    @post("/{media_id:str}/assignments", opt={"role": Role.PLATFORM_ADMIN})
    async def assign(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        media_id: FromPath[str],
        data: JSONBody[AssignmentCreate],
    ) -> AssignmentOut:
        """Make platform media usable by a club (every site) or by one of its sites."""
        media = await visible_media(db_session, principal, media_id)
        if media.club_id is not None:
            raise FieldError(409, "media_id", "only platform media is assigned; this belongs to a club")
        if await db_session.get(Club, data.club_id) is None:
            raise FieldError(422, "club_id", "no such club")
        if data.site_id is not None:
            site = await db_session.get(Site, data.site_id)
            if site is None or site.club_id != data.club_id:
                raise FieldError(422, "site_id", "no such site in this club")
        row = MediaAssignment(media_id=media.id, club_id=data.club_id, site_id=data.site_id)
        db_session.add(row)
        await db_session.flush()
        return _assignment_out(row)

    @delete("/{media_id:str}/assignments/{assignment_id:str}", opt={"role": Role.PLATFORM_ADMIN})
    async def unassign(
        self, db_session: DbSession, media_id: FromPath[str], assignment_id: FromPath[str]
    ) -> None:
        row = await db_session.get(MediaAssignment, assignment_id)
        if row is None or row.media_id != media_id:
            raise NotFoundException("no such assignment")
        await db_session.delete(row)


def _assignment_out(a: MediaAssignment) -> AssignmentOut:
    return AssignmentOut(
        id=a.id, media_id=a.media_id, club_id=a.club_id, site_id=a.site_id, created_at=a.created_at
    )
