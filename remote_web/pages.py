"""The HTML pages: first-run setup, login, the phone remote, the local admin."""

from __future__ import annotations

import asyncio
import math

from aiohttp import web

from neopro import setup_code

from .auth import ROLES, check_new_secret
from .i18n import words
from .keys import AUTH, CLOCK, SETTINGS, session_of
from .render import json_block, render
from .security import (
    SESSION_COOKIE,
    pre_csrf_token,
    set_pre_csrf,
    set_session_cookie,
)
from .site import load

routes = web.RouteTableDef()


def language(request: web.Request) -> str:
    cfg = load(request.app[SETTINGS].data_dir)
    return cfg.remote.language if cfg else "fr"


def _safe_next(value: object) -> str:
    """Only a local path: a login link must never send the browser to another site."""
    text = value if isinstance(value, str) else "/"
    return text if text.startswith("/") and not text.startswith("//") and "\\" not in text else "/"


async def _gate(request: web.Request, role: str) -> web.StreamResponse | None:
    """Redirect to setup or login when the page cannot be shown yet."""
    if not await request.app[AUTH].configured():
        raise web.HTTPSeeOther("/setup")
    session = session_of(request)
    if session is None:
        raise web.HTTPSeeOther(f"/login?role={role}&next={request.path}")
    if not session.can(role):  # type: ignore[arg-type]
        message = words(language(request))["forbidden_admin"]
        return _login_page(request, role="admin", next_="/admin", error=message, status=403)
    return None


def _login_page(
    request: web.Request, *, role: str, next_: str, error: str = "", status: int = 200
) -> web.Response:
    token = pre_csrf_token(request)
    role = role if role in ROLES else "operator"
    response = render(
        "login.html", language(request), status=status, csrf=token, role=role, next=next_, error=error,
        operator_checked="checked" if role == "operator" else "",
        admin_checked="checked" if role == "admin" else "",
        hidden_error="" if error else "hidden",
    )  # fmt: skip
    set_pre_csrf(response, token)
    return response


@routes.get("/")
async def remote_page(request: web.Request) -> web.StreamResponse:
    if (refused := await _gate(request, "operator")) is not None:
        return refused
    session = session_of(request)
    assert session is not None
    lang = language(request)
    data = {"csrf": session.csrf, "role": session.role, "words": words(lang), "lang": lang}
    return render("remote.html", lang, data=json_block(data))


@routes.get("/admin")
async def admin_page(request: web.Request) -> web.StreamResponse:
    if (refused := await _gate(request, "admin")) is not None:
        return refused
    session = session_of(request)
    assert session is not None
    lang = language(request)
    settings = request.app[SETTINGS]
    data = {
        "csrf": session.csrf,
        "words": words(lang),
        "lang": lang,
        "upload_max_bytes": settings.upload_max_bytes,
        "services": list(settings.services),
    }
    return render("admin.html", lang, data=json_block(data))


@routes.get("/login")
async def login_form(request: web.Request) -> web.StreamResponse:
    if not await request.app[AUTH].configured():
        raise web.HTTPSeeOther("/setup")
    return _login_page(
        request, role=request.query.get("role", "operator"), next_=_safe_next(request.query.get("next"))
    )


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    role = form.get("role") if form.get("role") in ROLES else "operator"
    secret = form.get("secret")
    next_ = _safe_next(form.get("next"))
    t = words(language(request))
    result = await request.app[AUTH].login(role, secret if isinstance(secret, str) else "")  # type: ignore[arg-type]
    if not result.ok:
        if result.retry_after_s > 0:
            wait = math.ceil(result.retry_after_s)
            response = _login_page(
                request, role=role, next_=next_, error=t["locked"].format(s=wait), status=429
            )
            response.headers["Retry-After"] = str(wait)
            return response
        return _login_page(request, role=role, next_=next_, error=t["bad_login"], status=401)
    assert result.token is not None and result.session is not None
    response = web.HTTPSeeOther(next_)
    set_session_cookie(response, result.token, result.session.expires_at - request.app[CLOCK]())
    raise response


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    await request.app[AUTH].logout(request.cookies.get(SESSION_COOKIE))
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


@routes.get("/setup")
async def setup_form(request: web.Request) -> web.StreamResponse:
    if await request.app[AUTH].configured():
        raise web.HTTPSeeOther("/login")
    # the TV shows the code while the file exists: make sure it does (deleted by hand?)
    await asyncio.to_thread(setup_code.ensure, request.app[SETTINGS].data_dir)
    return _setup_page(request)


def _setup_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = pre_csrf_token(request)
    response = render("setup.html", language(request), status=status, csrf=token, error=error,
                      hidden_error="" if error else "hidden")  # fmt: skip
    set_pre_csrf(response, token)
    return response


@routes.post("/setup")
async def setup(request: web.Request) -> web.StreamResponse:
    auth = request.app[AUTH]
    if await auth.configured():
        raise web.HTTPSeeOther("/login")
    form = await request.post()
    values = {
        k: form.get(k) if isinstance(form.get(k), str) else ""
        for k in ("code", "pin", "pin2", "password", "password2")
    }
    t = words(language(request))
    data_dir = request.app[SETTINGS].data_dir
    verdict = await auth.check_setup_code(data_dir, values["code"][:32])  # type: ignore[index]
    if not verdict.ok:
        if verdict.retry_after_s > 0:
            wait = math.ceil(verdict.retry_after_s)
            response = _setup_page(request, t["locked"].format(s=wait), 429)
            response.headers["Retry-After"] = str(wait)
            return response
        return _setup_page(request, t["bad_setup_code"], 401)
    for role, a, b in (("operator", "pin", "pin2"), ("admin", "password", "password2")):
        if values[a] != values[b]:
            return _setup_page(request, f"{t[role]}: {t['mismatch']}", 422)
        if (why := check_new_secret(role, values[a])) is not None:  # type: ignore[arg-type]
            return _setup_page(request, why, 422)
    if await auth.setup(values["pin"], values["password"]):  # type: ignore[arg-type]
        await asyncio.to_thread(setup_code.remove, data_dir)
    raise web.HTTPSeeOther("/login?role=admin&next=/admin")
