"""Routes of the configuration domain, under a site."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from sqlalchemy import select

from cloud_api.db.models import Club, SiteConfigVersion, SiteStatus
from cloud_api.domain.accounts.deps import CurrentUser
from cloud_api.domain.sites.deps import visible_site
from cloud_api.lib.bus_messages import ConfigPublished
from cloud_api.server.db import DbSession, after_commit, note
from cloud_api.server.errors import FieldError
from neopro.contracts import SiteConfig, convert

from . import services
from .diff import diff
from .schemas import ConfigDiff, ConfigState, ConfigVersionOut, ConfigVersionSummary, DraftOut, PublishRequest

Version = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]


class ConfigController(Controller):
    path = "/sites/{site_id:str}/config"
    tags = ["configuration"]

    @get("/draft")
    async def get_draft(
        self, db_session: DbSession, principal: CurrentUser, site_id: FromPath[str]
    ) -> DraftOut:
        """The draft being edited; without one, the latest published document (or a fresh one)."""
        site = await visible_site(db_session, principal, site_id)
        base = await services.latest(db_session, site.id)
        row = await services.draft(db_session, site.id)
        if row is not None:
            document, saved = row.document, True
        elif base is not None:
            document, saved = base.document, False
        else:
            club = await db_session.get(Club, site.club_id)
            document, saved = (
                services.plain(services.starting_document(site, club.name if club else "")),
                False,
            )
        return DraftOut(site_id=site.id, based_on=base.version if base else 0, saved=saved, document=document)

    @put("/draft")
    async def save_draft(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        site_id: FromPath[str],
        data: JSONBody[dict[str, Any]],
    ) -> DraftOut:
        """Save a draft: validated (422 naming the field); platform-locked items stay as they were (403)."""
        site = await visible_site(db_session, principal, site_id)
        cfg = services.parse_document(data, site)
        row = await services.save_draft(db_session, principal, site, cfg)
        base = await services.latest(db_session, site.id)
        return DraftOut(
            site_id=site.id, based_on=base.version if base else 0, saved=True, document=row.document
        )

    @post("/publish")
    async def publish(
        self,
        request: Request,
        state: State,
        db_session: DbSession,
        principal: CurrentUser,
        site_id: FromPath[str],
        data: JSONBody[PublishRequest],
    ) -> ConfigVersionOut:
        """Publish the draft as the next version; connected Pis are told at once."""
        site = await visible_site(db_session, principal, site_id)
        row = await services.draft(db_session, site.id)
        if row is None:
            raise FieldError(
                409, "draft", "there is no draft to publish: save one first (PUT .../config/draft)"
            )
        published = await services.publish(
            db_session, principal, site, convert(row.document, SiteConfig), data.note
        )
        await db_session.delete(row)
        _announce(request, state, site.id, published.version)
        return services.version_out(published)

    @get("/versions")
    async def history(
        self, db_session: DbSession, principal: CurrentUser, site_id: FromPath[str]
    ) -> list[ConfigVersionSummary]:
        site = await visible_site(db_session, principal, site_id)
        rows = await db_session.scalars(
            select(SiteConfigVersion)
            .where(SiteConfigVersion.site_id == site.id, SiteConfigVersion.version > 0)
            .order_by(SiteConfigVersion.version.desc())
        )
        return [services.summary(r) for r in rows]

    @get("/versions/{version:int}")
    async def get_version(
        self, db_session: DbSession, principal: CurrentUser, site_id: FromPath[str], version: Version
    ) -> ConfigVersionOut:
        site = await visible_site(db_session, principal, site_id)
        return services.version_out(await services.get_version(db_session, site.id, version))

    @get("/diff")
    async def diff_versions(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        site_id: FromPath[str],
        from_version: Annotated[int, QueryParameter(name="from", ge=1, le=2**31 - 1)],
        to_version: Annotated[int, QueryParameter(name="to", ge=1, le=2**31 - 1)],
    ) -> ConfigDiff:
        """What changed from one published version to another."""
        site = await visible_site(db_session, principal, site_id)
        old = await services.get_version(db_session, site.id, from_version)
        new = await services.get_version(db_session, site.id, to_version)
        changes = [c for c in diff(old.document, new.document) if c.path != "$.version"]
        return ConfigDiff(from_version=from_version, to_version=to_version, changes=changes)

    @post("/versions/{version:int}/rollback")
    async def rollback(
        self,
        request: Request,
        state: State,
        db_session: DbSession,
        principal: CurrentUser,
        site_id: FromPath[str],
        version: Version,
    ) -> ConfigVersionOut:
        """Publish an old version again, as a new version."""
        site = await visible_site(db_session, principal, site_id)
        old = await services.get_version(db_session, site.id, version)
        published = await services.publish(
            db_session,
            principal,
            site,
            convert(old.document, SiteConfig),
            f"rollback to version {version}",
            version,
        )
        note(request, object_id=str(published.version))
        _announce(request, state, site.id, published.version)
        return services.version_out(published)

    @get("/state")
    async def config_state(
        self, db_session: DbSession, principal: CurrentUser, site_id: FromPath[str]
    ) -> ConfigState:
        """Published vs applied: what the platform published and what the Pi reports it applied."""
        site = await visible_site(db_session, principal, site_id)
        status = await db_session.get(SiteStatus, site.id)
        return ConfigState(
            published_version=(base.version if (base := await services.latest(db_session, site.id)) else 0),
            applied_version=status.applied_config_version if status else None,
            applied_at=status.applied_at if status else None,
            draft_saved=await services.draft(db_session, site.id) is not None,
        )


def _announce(request: Request, state: State, site_id: str, version: int) -> None:
    rt = state.runtime

    async def announce() -> None:
        rt.manifests.forget(site_id)  # this instance at once; the others when the bus tells them
        await rt.bus.publish(ConfigPublished(site_id=site_id, version=version))

    after_commit(request, announce)
