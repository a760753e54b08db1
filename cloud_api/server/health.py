"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from msgspec import Struct
from sqlalchemy import text


class Health(Struct, kw_only=True):
    status: str
    instance: str


class HealthController(Controller):
    tags = ["health"]
    include_in_schema = True

    @get("/health")
    async def health(self, state: State) -> Health:
        """The process is alive (no dependency is checked)."""
        return Health(status="ok", instance=state.runtime.settings.instance)

    @get("/ready", responses={503: ResponseSpec(Health, description="the database does not answer")})
    async def ready(self, state: State) -> Response[Health]:
        """The database answers: this instance can serve."""
        try:
            async with state.runtime.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return Response(
                Health(status="database unreachable", instance=state.runtime.settings.instance),
                status_code=503,
            )
        return Response(Health(status="ready", instance=state.runtime.settings.instance))
