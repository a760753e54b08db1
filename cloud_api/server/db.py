"""The request's database session, committed when the handler succeeds, with its audit row.

Every write by a person or a device goes through here, so the audit log ("who, what, when,
from where") is written in the same transaction as the write itself and cannot be forgotten
by a new route: the action is the route's method and path template, the object ids are the
path parameters, and a service may add details (such as the id it created) with :func:`note`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from cloud_api.db.models import AuditEntry

#: The request's session, as handlers declare it (an explicit, named dependency).
DbSession = NamedDependency[AsyncSession]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ACTOR_KEY = "neopro.actor"
NOTES_KEY = "neopro.audit"
AFTER_COMMIT_KEY = "neopro.after_commit"


def after_commit(request: Request, action: Callable[[], Awaitable[Any]]) -> None:
    """Run ``action`` once this request's transaction is committed (e.g. publish on the push bus).

    Publishing earlier would let another instance read the database before the write is there.
    """
    request.scope.setdefault(AFTER_COMMIT_KEY, []).append(action)  # type: ignore[typeddict-item]


def set_actor(connection: Any, actor: Any) -> None:
    """Who is calling (a Principal or a DeviceIdentity): read by the audit row and the dependencies."""
    connection.scope[ACTOR_KEY] = actor


def note(request: Request, **detail: Any) -> None:
    """Add details to the audit row of this request (e.g. ``object_id=`` of what was created)."""
    request.scope.setdefault(NOTES_KEY, {}).update(detail)  # type: ignore[typeddict-item]


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


async def provide_db_session(request: Request, state: State) -> AsyncGenerator[AsyncSession, None]:
    async with state.runtime.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        if request.method not in SAFE_METHODS:
            actor = request.scope.get(ACTOR_KEY)  # type: ignore[misc]
            if actor is not None:
                session.add(_audit_row(request, actor))
        await session.commit()
    for action in request.scope.get(AFTER_COMMIT_KEY) or ():  # type: ignore[misc]
        await action()


def _audit_row(request: Request, actor: Any) -> AuditEntry:
    notes: dict[str, Any] = dict(request.scope.get(NOTES_KEY) or {})  # type: ignore[misc]
    params = {k: str(v) for k, v in request.path_params.items()}
    object_id = notes.pop("object_id", None) or (list(params.values())[-1] if params else None)
    template = request.scope.get("path_template") or request.url.path  # type: ignore[misc]
    return AuditEntry(
        actor_type=actor.kind,
        actor_id=actor.id,
        club_id=notes.pop("club_id", None) or actor.club_id,
        action=f"{request.method} {template}",
        object_type=notes.pop("object_type", None) or _object_type(template),
        object_id=object_id,
        address=client_address(request),
        detail={"path_params": params, **notes},
    )


def _object_type(template: str) -> str | None:
    parts = [p for p in template.strip("/").split("/") if not p.startswith("{")]
    return parts[-1][:40] if parts else None
