"""Who may do what: setup, PIN/password, lockout, CSRF, sessions, websockets, roles."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from neopro.contracts import wire

from .conftest import PASSWORD, PIN, ManualClock, Phone, form_csrf, page_csrf, post_login, start_hub


async def test_first_run_serves_only_the_setup_and_there_is_no_default_secret(fresh_hub):
    async with fresh_hub.client() as http:
        for path in ("/", "/admin", "/login"):
            r = await http.get(path)
            assert r.url.path == "/setup", path
        r = await post_login(http, "admin", "admin")
        assert r.status == 401 and "neopro_session" not in r.cookies


async def test_setup_refuses_a_short_pin_and_a_short_password(fresh_hub):
    code = fresh_hub.setup_code()
    async with fresh_hub.client() as http:
        csrf = await form_csrf(http, "/setup")
        r = await http.post("/setup", data={"csrf": csrf, "code": code, "pin": "12", "pin2": "12",
                                            "password": PASSWORD, "password2": PASSWORD})  # fmt: skip
        assert r.status == 422 and "4 to 8 digits" in await r.text()
        r = await http.post("/setup", data={"csrf": csrf, "code": code, "pin": PIN, "pin2": PIN,
                                            "password": "short", "password2": "short"})  # fmt: skip
        assert r.status == 422 and "8 to 128" in await r.text()


async def test_setup_needs_the_code_shown_on_the_tv_and_a_wrong_one_counts_toward_the_lockout(hub_settings):
    clock = ManualClock()
    hub = await start_hub(hub_settings, clock)  # 5 failures in 15 min lock the admin role
    data_dir = hub_settings.data_dir
    try:
        code_file = data_dir.setup_code_file
        assert code_file.stat().st_mode & 0o777 == 0o600
        code = hub.setup_code()
        assert len(code) == 6 and code.isdigit()
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        form = {"pin": PIN, "pin2": PIN, "password": PASSWORD, "password2": PASSWORD}
        async with hub.client() as http:
            page = await (await http.get("/setup")).text()
            assert 'name="code"' in page and code not in page  # asked for, never shown to the network
            csrf = await form_csrf(http, "/setup")
            r = await http.post("/setup", data={"csrf": csrf, **form})  # no code at all
            assert r.status == 401 and "installation incorrect" in await r.text()
            for _ in range(3):
                r = await http.post("/setup", data={"csrf": csrf, "code": wrong, **form})
                assert r.status == 401
            fifth = await http.post("/setup", data={"csrf": csrf, "code": wrong, **form})
            assert fifth.status == 429 and 29 <= int(fifth.headers["Retry-After"]) <= 30
            # locked: even the right code is refused, and nothing was set up
            assert (await http.post("/setup", data={"csrf": csrf, "code": code, **form})).status == 429
            assert (await http.get("/")).url.path == "/setup"
            clock.advance(31)
            spaced = f"{code[:3]} {code[3:]}"  # typed as the TV shows it
            r = await http.post("/setup", data={"csrf": csrf, "code": spaced, **form})
            assert r.status == 200 and r.url.path == "/login", await r.text()
        assert not code_file.exists()  # claimed: the TV stops showing it
        await (await hub.login("admin")).close()  # the failed codes left no lock on the admin
    finally:
        await hub.runner.cleanup()
    # a restart of a claimed hub writes no new code
    hub = await start_hub(hub_settings)
    try:
        async with hub.client() as http:
            assert (await http.get("/")).url.path == "/login"
        assert not data_dir.setup_code_file.exists()
    finally:
        await hub.runner.cleanup()


async def test_setup_cannot_be_done_twice(hub):
    async with hub.client() as http:
        r = await http.get("/setup")
        assert r.url.path == "/login"
        csrf = await form_csrf(http, "/login")
        r = await http.post("/setup", data={"csrf": csrf, "pin": "0000", "pin2": "0000",
                                            "password": "taken-over!", "password2": "taken-over!"})  # fmt: skip
        assert r.url.path == "/login"
    await (await hub.login("operator")).close()  # the original PIN still works


async def test_wrong_pin_and_wrong_password_get_the_same_generic_message(hub):
    async with hub.client() as http:
        r1 = await post_login(http, "operator", "0000")
        r2 = await post_login(http, "admin", "wrong password")
        t1, t2 = await r1.text(), await r2.text()
        assert r1.status == r2.status == 401
        assert "Code PIN ou mot de passe incorrect." in t1 and "Code PIN ou mot de passe incorrect." in t2


async def test_session_cookie_is_httponly_and_samesite_strict(hub):
    async with hub.client() as http:
        csrf = await form_csrf(http, "/login")
        r = await http.post(
            "/login", data={"csrf": csrf, "role": "operator", "secret": PIN}, allow_redirects=False
        )
        assert r.status == 303
        cookie = r.cookies["neopro_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"


async def test_five_failures_lock_the_role_with_a_growing_delay_that_expires(hub_settings):
    clock = ManualClock()
    hub = await start_hub(hub_settings, clock)  # 5 failures in 15 min; 30 s, doubling
    try:
        await hub.setup()
        async with hub.client() as http:
            for _ in range(4):
                assert (await post_login(http, "operator", "9999")).status == 401
            fifth = await post_login(http, "operator", "9999")
            assert fifth.status == 429 and 29 <= int(fifth.headers["Retry-After"]) <= 30
            assert "Réessayez dans" in await fifth.text()
            # locked: even the right PIN is refused, unchecked, and does not extend the lock
            assert (await post_login(http, "operator", PIN)).status == 429
            # the other role is not locked
            assert (await post_login(http, "admin", PASSWORD)).status == 200
            clock.advance(31)
            sixth = await post_login(http, "operator", "9999")  # a failure after the first delay...
            assert sixth.status == 429
            assert 59 <= int(sixth.headers["Retry-After"]) <= 60  # ...doubles it
            clock.advance(61)
            seventh = await post_login(http, "operator", "9999")
            assert 119 <= int(seventh.headers["Retry-After"]) <= 120
            clock.advance(15 * 60)  # the window passes: never a permanent lock
            assert (await post_login(http, "operator", PIN)).status == 200
    finally:
        await hub.runner.cleanup()


async def test_a_state_changing_request_without_the_csrf_token_is_refused(hub):
    http = await hub.login("admin")
    try:
        r = await http.post("/api/admin/categories", json={"label": "Fans"})
        assert r.status == 403 and (await r.json())["error"] == "csrf"
        r = await http.post(
            "/api/admin/categories", json={"label": "Fans"}, headers={"X-CSRF-Token": "forged"}
        )
        assert r.status == 403
        csrf = await page_csrf(http, "/admin")
        r = await http.post("/api/admin/categories", json={"label": "Fans"}, headers={"X-CSRF-Token": csrf})
        assert r.status == 201
        r = await http.post("/logout", data={})  # forms too
        assert r.status == 403
    finally:
        await http.close()


async def test_a_login_form_without_its_csrf_cookie_is_refused(hub):
    async with hub.client() as http:
        r = await http.post("/login", data={"csrf": "made-up", "role": "operator", "secret": PIN})
        assert r.status == 403


async def test_a_request_from_another_origin_is_refused(hub):
    http = await hub.login("admin")
    try:
        csrf = await page_csrf(http, "/admin")
        r = await http.post("/api/admin/categories", json={"label": "X"},
                            headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"})  # fmt: skip
        assert r.status == 403 and (await r.json())["error"] == "cross_origin"
    finally:
        await http.close()


async def test_an_expired_session_is_sent_back_to_login_and_its_websocket_told(hub_settings):
    clock = ManualClock()
    hub = await start_hub(hub_settings, clock)
    try:
        await hub.setup()
        http = await hub.login("operator")
        ws = await http.ws_connect("/ws")
        phone = Phone(ws)
        await phone.next()
        clock.advance(hub_settings.operator_session_s + 1)
        await phone.send(wire.ScoreChange(team="home", delta=1))
        error = await phone.next()
        assert isinstance(error, wire.Error) and error.code == "unauthenticated"
        await ws.receive(timeout=5)
        assert ws.closed and ws.close_code == 4401
        r = await http.get("/")
        assert r.url.path == "/login"
        r = await http.get("/api/remote")
        assert r.status == 401
        await http.close()
    finally:
        await hub.runner.cleanup()


async def test_an_unauthenticated_websocket_is_refused(hub):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(hub.ws_url)
        await ws.send_str(wire.encode(wire.ScoreChange(team="home", delta=5)).decode())
        reply = wire.to_phone_codec.decode((await ws.receive(timeout=5)).data)
        assert isinstance(reply, wire.Error) and reply.code == "unauthenticated"
        await ws.receive(timeout=5)
        assert ws.closed and ws.close_code == 4401
        # a wrong player token is refused the same way
        ws = await http.ws_connect(hub.ws_url)
        await ws.send_bytes(wire.encode(wire.Hello(role="player", token="guess")))
        reply = wire.to_phone_codec.decode((await ws.receive(timeout=5)).data)
        assert reply.code == "unauthenticated"
    phone_http = await hub.login("operator")
    state = await Phone(await phone_http.ws_connect("/ws")).next()
    assert state.match.home_score == 0  # nothing got through
    await phone_http.close()


async def test_an_operator_cannot_reach_admin_pages_or_actions(hub):
    http = await hub.login("operator")
    try:
        r = await http.get("/admin")
        assert r.status == 403
        csrf = await page_csrf(http, "/")
        headers = {"X-CSRF-Token": csrf}
        for method, path, body in (
            ("GET", "/api/admin/status", None),
            ("GET", "/api/admin/content", None),
            ("POST", "/api/admin/categories", {"label": "X"}),
            ("DELETE", "/api/admin/videos/goal", None),
            ("POST", "/api/admin/secret", {"role": "admin", "secret": "new-password-1"}),
            ("POST", "/api/admin/hotspot", {"ssid": "x", "passphrase": "12345678"}),
            ("GET", "/api/admin/logs/player", None),
            ("POST", "/api/admin/upload?category=goal", None),
        ):
            r = await http.request(method, path, json=body, headers=headers)
            assert r.status == 403, (method, path, r.status)
    finally:
        await http.close()


async def test_changing_the_pin_ends_the_operators_sessions(hub):
    operator = await hub.login("operator")
    admin = await hub.login("admin")
    try:
        ws = await operator.ws_connect("/ws")
        await Phone(ws).next()
        csrf = await page_csrf(admin, "/admin")
        r = await admin.post("/api/admin/secret", json={"role": "operator", "secret": "13579"},
                             headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert r.status == 200
        error = await Phone(ws).until(lambda m: isinstance(m, wire.Error))
        assert error.code == "unauthenticated"
        assert (await operator.get("/")).url.path == "/login"
        async with hub.client() as fresh:
            assert (await post_login(fresh, "operator", PIN)).status == 401
            assert (await post_login(fresh, "operator", "13579")).status == 200
    finally:
        await operator.close()
        await admin.close()


async def test_credentials_set_before_the_first_start_skip_the_setup(hub_settings):
    from remote_web import set_credentials

    with pytest.raises(ValueError, match="4 to 8 digits"):
        set_credentials(hub_settings.data_dir.state_db, pin="12", password=PASSWORD)
    first = await start_hub(hub_settings)  # unconfigured: it writes a setup code
    await first.runner.cleanup()
    assert hub_settings.data_dir.setup_code_file.exists()
    await asyncio.to_thread(set_credentials, hub_settings.data_dir.state_db, pin="4321", password=PASSWORD)
    assert not hub_settings.data_dir.setup_code_file.exists()  # no code needed, none left on the TV
    hub = await start_hub(hub_settings)
    try:
        async with hub.client() as http:
            assert (await http.get("/")).url.path == "/login"
        await (await hub.login("operator", "4321")).close()
    finally:
        await hub.runner.cleanup()


async def test_changing_the_admin_password_keeps_the_changer_logged_in_and_ends_other_admins(hub):
    me, other = await hub.login("admin"), await hub.login("admin")
    try:
        csrf = await page_csrf(me, "/admin")
        r = await me.post("/api/admin/secret", json={"role": "admin", "secret": "a new long password"},
                          headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert r.status == 200
        assert (await me.get("/api/admin/status")).status == 200
        assert (await other.get("/api/admin/status")).status == 401
    finally:
        await me.close()
        await other.close()


async def test_logging_out_ends_the_session(hub):
    http = await hub.login("operator")
    try:
        csrf = await page_csrf(http, "/")
        cookie = next(c.value for c in http.cookie_jar if c.key == "neopro_session")
        r = await http.post("/logout", data={"csrf": csrf})
        assert r.url.path == "/login"
        async with hub.client() as replay:  # the old cookie is worthless now
            replay.cookie_jar.update_cookies({"neopro_session": cookie})
            assert (await replay.get("/api/remote")).status == 401
    finally:
        await http.close()
