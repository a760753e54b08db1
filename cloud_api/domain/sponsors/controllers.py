"""Routes of sponsors, their videos and their contracts (the reports issue reads these)."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, JSONBody
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloud_api.db.models import Club, Site, Sponsor, SponsorContract, SponsorVideo
from cloud_api.domain.accounts.deps import CurrentUser
from cloud_api.domain.accounts.guards import Principal
from cloud_api.domain.accounts.tenancy import target_club
from cloud_api.domain.media.services import visible_media
from cloud_api.server.db import DbSession, note
from cloud_api.server.errors import FieldError

from .schemas import ContractCreate, ContractOut, SponsorCreate, SponsorOut, SponsorUpdate, SponsorVideoLink


class SponsorController(Controller):
    path = "/sponsors"
    tags = ["sponsors"]

    @get("/")
    async def list_sponsors(self, db_session: DbSession, principal: CurrentUser) -> list[SponsorOut]:
        """The club's sponsors and the platform-wide ones."""
        query = select(Sponsor)
        if not principal.is_platform:
            query = query.where(or_(Sponsor.club_id == principal.club_id, Sponsor.club_id.is_(None)))
        rows = list(await db_session.scalars(query.order_by(Sponsor.name)))
        return [await _out(db_session, s) for s in rows]

    @post("/")
    async def create_sponsor(
        self, request: Request, db_session: DbSession, principal: CurrentUser, data: JSONBody[SponsorCreate]
    ) -> SponsorOut:
        club_id = target_club(principal, data.club_id, allow_platform=True)
        if club_id is not None and await db_session.get(Club, club_id) is None:
            raise FieldError(422, "club_id", "no such club")
        sponsor = Sponsor(club_id=club_id, name=data.name, contact_email=data.contact_email)
        db_session.add(sponsor)
        await db_session.flush()
        note(request, object_id=sponsor.id, club_id=club_id)
        return await _out(db_session, sponsor)

    @get("/{sponsor_id:str}")
    async def get_sponsor(
        self, db_session: DbSession, principal: CurrentUser, sponsor_id: FromPath[str]
    ) -> SponsorOut:
        return await _out(db_session, await _visible(db_session, principal, sponsor_id))

    @patch("/{sponsor_id:str}")
    async def update_sponsor(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        sponsor_id: FromPath[str],
        data: JSONBody[SponsorUpdate],
    ) -> SponsorOut:
        sponsor = await _writable(db_session, principal, sponsor_id)
        if data.name is not None:
            sponsor.name = data.name
        if data.contact_email is not None:
            sponsor.contact_email = data.contact_email
        return await _out(db_session, sponsor)

    @delete("/{sponsor_id:str}")
    async def delete_sponsor(
        self, db_session: DbSession, principal: CurrentUser, sponsor_id: FromPath[str]
    ) -> None:
        await db_session.delete(await _writable(db_session, principal, sponsor_id))

    @post("/{sponsor_id:str}/videos", status_code=200)
    async def add_video(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        sponsor_id: FromPath[str],
        data: JSONBody[SponsorVideoLink],
    ) -> SponsorOut:
        """Name a library video as this sponsor's."""
        sponsor = await _writable(db_session, principal, sponsor_id)
        media = await visible_media(db_session, principal, data.media_id)
        if await db_session.get(SponsorVideo, (sponsor.id, media.id)) is None:
            db_session.add(SponsorVideo(sponsor_id=sponsor.id, media_id=media.id))
            await db_session.flush()
        return await _out(db_session, sponsor)

    @delete("/{sponsor_id:str}/videos/{media_id:str}")
    async def remove_video(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        sponsor_id: FromPath[str],
        media_id: FromPath[str],
    ) -> None:
        sponsor = await _writable(db_session, principal, sponsor_id)
        link = await db_session.get(SponsorVideo, (sponsor.id, media_id))
        if link is None:
            raise NotFoundException("this video is not the sponsor's")
        await db_session.delete(link)

    @get("/{sponsor_id:str}/contracts")
    async def list_contracts(
        self, db_session: DbSession, principal: CurrentUser, sponsor_id: FromPath[str]
    ) -> list[ContractOut]:
        sponsor = await _visible(db_session, principal, sponsor_id)
        query = select(SponsorContract).where(SponsorContract.sponsor_id == sponsor.id)
        if not principal.is_platform:
            query = query.where(
                or_(SponsorContract.club_id == principal.club_id, SponsorContract.club_id.is_(None))
            )
        return [_contract_out(c) for c in await db_session.scalars(query.order_by(SponsorContract.starts_on))]

    @post("/{sponsor_id:str}/contracts")
    async def create_contract(
        self,
        request: Request,
        db_session: DbSession,
        principal: CurrentUser,
        sponsor_id: FromPath[str],
        data: JSONBody[ContractCreate],
    ) -> ContractOut:
        """A period and what the sponsor bought in it (plays and/or seconds, per match or season)."""
        sponsor = await _writable(db_session, principal, sponsor_id)
        if data.ends_on < data.starts_on:
            raise FieldError(422, "ends_on", "the contract ends before it starts")
        if data.target_plays is None and data.target_seconds is None:
            raise FieldError(422, "target_plays", "give target_plays, target_seconds or both")
        club_id = sponsor.club_id
        if data.site_id is not None:
            site = await db_session.get(Site, data.site_id)
            if site is None or not principal.sees(site.club_id) or (club_id and site.club_id != club_id):
                raise FieldError(422, "site_id", "no such site for this sponsor")
            club_id = site.club_id
        contract = SponsorContract(
            sponsor_id=sponsor.id, club_id=club_id, site_id=data.site_id, starts_on=data.starts_on,
            ends_on=data.ends_on, target_plays=data.target_plays, target_seconds=data.target_seconds,
            per=data.per, note=data.note,
        )  # fmt: skip
        db_session.add(contract)
        await db_session.flush()
        note(request, object_id=contract.id, object_type="contract", club_id=club_id)
        return _contract_out(contract)

    @delete("/{sponsor_id:str}/contracts/{contract_id:str}")
    async def delete_contract(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        sponsor_id: FromPath[str],
        contract_id: FromPath[str],
    ) -> None:
        sponsor = await _writable(db_session, principal, sponsor_id)
        contract = await db_session.get(SponsorContract, contract_id)
        if contract is None or contract.sponsor_id != sponsor.id:
            raise NotFoundException("no such contract")
        await db_session.delete(contract)


async def _visible(session: AsyncSession, principal: Principal, sponsor_id: str) -> Sponsor:
    sponsor = await session.get(Sponsor, sponsor_id)
    if sponsor is None or not (sponsor.club_id is None or principal.sees(sponsor.club_id)):
        raise NotFoundException("no such sponsor")
    return sponsor


async def _writable(session: AsyncSession, principal: Principal, sponsor_id: str) -> Sponsor:
    sponsor = await _visible(session, principal, sponsor_id)
    if sponsor.club_id is None and not principal.is_platform:
        raise PermissionDeniedException("platform-wide sponsors are changed by the platform only")
    return sponsor


async def _out(session: AsyncSession, s: Sponsor) -> SponsorOut:
    media_ids = list(
        await session.scalars(select(SponsorVideo.media_id).where(SponsorVideo.sponsor_id == s.id))
    )
    return SponsorOut(
        id=s.id, club_id=s.club_id, name=s.name, contact_email=s.contact_email, media_ids=sorted(media_ids),
        created_at=s.created_at,
    )  # fmt: skip


def _contract_out(c: SponsorContract) -> ContractOut:
    return ContractOut(
        id=c.id, sponsor_id=c.sponsor_id, club_id=c.club_id, site_id=c.site_id, starts_on=c.starts_on,
        ends_on=c.ends_on, target_plays=c.target_plays, target_seconds=c.target_seconds, per=c.per,
        note=c.note, created_at=c.created_at,
    )  # fmt: skip
