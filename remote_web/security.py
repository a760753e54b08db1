"""Every request passes here: its session, CSRF on every state-changing request, safe headers.

- The session cookie is HttpOnly and SameSite=Strict, so another site can neither read it
  nor send it; CSRF tokens are still checked on every POST/PUT/PATCH/DELETE (a second
  wall, and the only one for the login and setup forms, which use a double-submit cookie).
- A request whose ``Origin`` names another host is refused outright.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from .auth import Role, Session, same_secret
from .keys import AUTH, SESSION, session_of

SESSION_COOKIE = "neopro_session"
PRE_CSRF_COOKIE = "neopro_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def refuse(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    """A JSON refusal a person can act on (what, where)."""
    body = {"error": code, "message": message, **({"field": field} if field else {})}
    return web.json_response(body, status=status)


@web.middleware
async def security_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    session = await request.app[AUTH].session(request.cookies.get(SESSION_COOKIE))
    request[SESSION] = session
    if request.method not in SAFE_METHODS:
        origin = request.headers.get("Origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.host:
            return refuse(403, "cross_origin", "Requests from another site are refused.")
        if not await _csrf_ok(request, session):
            return refuse(403, "csrf", "The form has expired: reload the page and try again.")
    response = await handler(request)
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cache-Control", "no-store")
    return response


async def _csrf_ok(request: web.Request, session: Session | None) -> bool:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type in _FORMS:
        sent = (await request.post()).get("csrf")  # type: ignore[assignment]
    if not isinstance(sent, str):
        return False
    # The session's token, or for a login form shown to someone already logged in (an
    # operator asked for the admin password) the form's double-submit cookie.
    expected = [t for t in (session.csrf if session else None, request.cookies.get(PRE_CSRF_COOKIE)) if t]
    return any(same_secret(sent, t) for t in expected)


def pre_csrf_token(request: web.Request) -> str:
    """The double-submit token of a form shown before anyone is logged in."""
    return request.cookies.get(PRE_CSRF_COOKIE) or secrets.token_urlsafe(24)


def set_pre_csrf(response: web.StreamResponse, token: str) -> None:
    response.set_cookie(PRE_CSRF_COOKIE, token, httponly=True, samesite="Strict", path="/")


def set_session_cookie(response: web.StreamResponse, token: str, max_age: float) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="Strict", path="/", max_age=math.ceil(max_age)
    )


def require(role: Role) -> Callable[[Handler], Handler]:
    """A JSON endpoint for ``role`` (an admin also passes an operator's check)."""

    def wrap(handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            session = session_of(request)
            if session is None:
                return refuse(401, "unauthenticated", "Log in first.")
            if not session.can(role):
                return refuse(403, "forbidden", "This needs the club admin password.")
            return await handler(request)

        guarded.__name__ = handler.__name__
        guarded.__doc__ = handler.__doc__
        return guarded

    return wrap
