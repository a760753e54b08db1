"""Load a site the caller may see, or 404."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cloud_api.db.models import Site
from cloud_api.domain.accounts.guards import Principal
from cloud_api.domain.accounts.tenancy import owned_or_404


async def visible_site(session: AsyncSession, principal: Principal, site_id: str) -> Site:
    return owned_or_404(principal, await session.get(Site, site_id), "site")
