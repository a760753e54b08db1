"""Dependencies of the admin routes."""

from __future__ import annotations

from litestar import Request
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException

from cloud_api.server.db import ACTOR_KEY

from .guards import Principal

#: The signed-in person, as handlers declare it.
CurrentUser = NamedDependency[Principal]


def provide_principal(request: Request) -> Principal:
    principal = request.scope.get(ACTOR_KEY)  # type: ignore[misc]
    if not isinstance(principal, Principal):
        raise NotAuthorizedException("sign in first")
    return principal
