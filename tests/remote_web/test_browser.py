"""The phone remote and the local admin in real headless Chromium at 360 px."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import expect

from neopro.contracts import wire

from .browser import chromium, horizontal_overflow, log_in, phone
from .conftest import IN_PROFILE, PASSWORD, PIN, UPLOAD_LIKE

pytestmark = pytest.mark.browser


def accept_dialogs(page) -> list[str]:
    """Say yes to every confirm() the page asks; the messages asked, in order."""
    asked: list[str] = []

    async def accept(dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.on("dialog", accept)
    return asked


async def test_goal_tap_is_relayed_and_confirmed_and_a_score_shows_on_a_second_phone(
    hub, stand_in_player, artifacts
):
    async with chromium() as browser:
        ctx1, first = await phone(browser, hub.url)
        ctx2, second = await phone(browser, hub.url)
        for page in (first, second):
            await log_in(page, PIN)
            await page.wait_for_selector("#link.up")  # the TV is connected
        goal = first.locator("button.cat[data-category=goal]")
        await goal.tap()
        sent = await stand_in_player.wait_for(wire.PlayVideo)
        assert sent.category_id == "goal"
        await first.wait_for_selector("button.cat[data-category=goal].confirmed")
        await first.wait_for_selector("#toast.ok")
        assert "Sur la TV" in await first.locator("#toast").inner_text()
        await expect(first.locator("#onair-title")).to_have_text("goal")

        await first.locator(".team[data-team=home] button[data-delta='1']").tap()
        await expect(second.locator("#home-score")).to_have_text("1")
        assert hub.app  # the hub kept it:
        from remote_web.keys import HUB

        assert hub.app[HUB].match.home_score == 1
        await ctx1.close()
        await ctx2.close()


async def test_the_remote_says_when_the_tv_is_unreachable(hub):
    async with chromium() as browser:
        ctx, page = await phone(browser, hub.url)
        await log_in(page, PIN)
        banner = page.locator("#banner")
        await banner.wait_for(state="visible")
        assert await banner.inner_text() == "TV injoignable"
        await page.locator("button.cat[data-category=goal]").tap()
        await page.wait_for_selector("#toast.bad")
        await ctx.close()


async def test_the_remote_reconnects_by_itself_after_the_hub_comes_back(hub, stand_in_player):
    from remote_web.keys import HUB

    async with chromium() as browser:
        ctx, page = await phone(browser, hub.url)
        await log_in(page, PIN)
        await page.wait_for_selector("#link.up")
        for client in list(hub.app[HUB].phones):  # the Wi-Fi drops: the hub loses the phone
            client.close(1001, "gone")
        await page.wait_for_selector("#banner:not([hidden])")
        await page.wait_for_selector("#banner[hidden]", state="attached", timeout=10_000)
        await page.locator(".team[data-team=away] button[data-delta='1']").tap()
        await expect(page.locator("#away-score")).to_have_text("1")
        await ctx.close()


async def test_remote_and_admin_fit_a_360px_phone(hub, stand_in_player, artifacts):
    await stand_in_player.send(wire.PlayerState(status=wire.PlayerStatus(
        idle=False,
        on_air=wire.OnAir(video_id="spot-pizzeria", title="Pizzeria Luigi — la meilleure pizza du quartier",
                          category_id="sponsors", trigger="loop", position_s=3.0, duration_s=7.2),
        next_up=wire.OnAir(video_id="spot-boulangerie", title="Boulangerie Martin", trigger="loop"),
    )))  # fmt: skip
    async with chromium() as browser:
        ctx, page = await phone(browser, hub.url)
        await log_in(page, PIN)
        await page.wait_for_selector("button.cat")
        await expect(page.locator("#next-title")).to_have_text("Boulangerie Martin")
        for summary in await page.locator("details > summary").all():  # the folded parts too
            await summary.tap()
        await expect(page.locator("#results button.clip")).to_have_count(7)
        await page.screenshot(path=str(artifacts / "remote-360.png"), full_page=True)
        assert await horizontal_overflow(page) == []
        # the refused setup answered 401, which Chromium logs; nothing else went wrong
        assert [e for e in page.js_errors if "status of 401" not in e] == []
        await ctx.close()

        ctx, page = await phone(browser, hub.url)
        await log_in(page, PASSWORD, role="admin", path="/admin")
        await page.wait_for_selector("#library .category")
        await page.wait_for_selector("#status dd")
        await asyncio.sleep(0.3)
        await page.screenshot(path=str(artifacts / "admin-360.png"), full_page=True)
        assert await horizontal_overflow(page) == []
        # the refused setup answered 401, which Chromium logs; nothing else went wrong
        assert [e for e in page.js_errors if "status of 401" not in e] == []
        await ctx.close()


async def test_admin_uploads_a_clip_with_progress_and_deletes_it_after_confirming(hub, tmp_path):
    from neopro.media.samples import make_clip

    clip = make_clip(UPLOAD_LIKE, tmp_path / "Chant des fans.mp4")  # converted on the Pi first
    async with chromium() as browser:
        ctx, page = await phone(browser, hub.url)
        await log_in(page, PASSWORD, role="admin", path="/admin")
        await page.wait_for_selector("#upload-category option[value=goal]", state="attached")
        await page.set_input_files("#upload input[type=file]", str(clip))
        await page.select_option("#upload-category", "goal")
        await page.locator("#upload button[type=submit]").tap()
        await expect(page.locator("#upload-result")).to_have_text("✓ Chant des fans")
        assert await page.locator("#upload-progress").get_attribute("value") == "100"
        item = page.locator("#library li", has_text="Chant des fans")
        await expect(item).to_have_count(1)

        dialogs = accept_dialogs(page)
        await item.locator("button").tap()
        await expect(item).to_have_count(0)
        assert dialogs == ["Supprimer « Chant des fans » du Pi ?"]
        # platform-locked items show a lock and offer no delete button
        locked = page.locator("#library li", has_text="Garage Dupont")
        await expect(locked.locator(".lock")).to_have_count(1)
        await expect(locked.locator("button")).to_have_count(0)
        # the refused setup answered 401, which Chromium logs; nothing else went wrong
        assert [e for e in page.js_errors if "status of 401" not in e] == []
        await ctx.close()


async def test_admin_backs_up_the_configuration_and_restores_it_after_confirming(hub):
    before = hub.settings.data_dir.current_config.read_bytes()
    async with chromium() as browser:
        ctx, page = await phone(browser, hub.url)
        await log_in(page, PASSWORD, role="admin", path="/admin")
        await page.locator("#backup-now").tap()
        made = page.locator("#backups li.backup", has_text="manuelle")
        await expect(made).to_have_count(1)
        await expect(page.locator("#backups li.backup", has_text="quotidienne")).to_have_count(1)
        dialogs = accept_dialogs(page)
        await made.locator("button").tap()
        await expect(page.locator("#toast")).to_have_text("Restaurée")
        assert len(dialogs) == 1 and dialogs[0].startswith("Remettre la configuration du ")
        assert hub.settings.data_dir.current_config.read_bytes() == before
        assert await made.locator("a").get_attribute("download") is not None
        assert [e for e in page.js_errors if "status of 401" not in e] == []
        await ctx.close()


async def test_a_category_added_by_the_admin_appears_on_the_phone_without_a_reload(hub, tmp_path):
    from neopro.media.samples import make_clip

    from .conftest import page_csrf

    admin = await hub.login("admin")
    admin.headers["X-CSRF-Token"] = await page_csrf(admin, "/admin")
    async with chromium() as browser:
        ctx, page = await phone(browser, hub.url)
        await log_in(page, PIN)
        await page.wait_for_selector("button.cat[data-category=goal]")
        r = await admin.post("/api/admin/categories", json={"label": "Fans", "color": "#00838F", "icon": "F"})
        category = (await r.json())["category"]
        await asyncio.sleep(0.5)
        assert await page.locator(f"button.cat[data-category={category}]").count() == 0  # empty: not shown
        clip = make_clip(IN_PROFILE)
        r = await admin.post("/api/admin/upload", params={"category": category, "filename": "fans.mp4"},
                             data=clip.read_bytes())  # fmt: skip
        assert r.status == 201
        await expect(page.locator(f"button.cat[data-category={category}]")).to_have_text("FFans")
        await ctx.close()
    await admin.close()


async def test_search_finds_a_clip_and_plays_that_very_clip(hub, stand_in_player):
    async with chromium() as browser:
        ctx, page = await phone(browser, hub.url)
        await log_in(page, PIN)
        await page.locator("#clips summary").tap()
        await expect(page.locator("#results button.clip")).to_have_count(7)  # every sample clip
        await page.fill("#search", "temps")
        clips = page.locator("#results button.clip")
        await expect(clips).to_have_count(1)
        await clips.tap()
        sent = await stand_in_player.wait_for(wire.PlayVideo)
        assert sent.video_id == "timeout" and sent.category_id is None
        await expect(clips).to_have_class(re.compile(r"\bconfirmed\b"))  # the TV plays it
        # the refused setup answered 401, which Chromium logs; nothing else went wrong
        assert [e for e in page.js_errors if "status of 401" not in e] == []
        await ctx.close()


async def test_the_match_typed_on_the_phone_reaches_the_database(hub):
    from remote_web.keys import DB, HUB
    from remote_web.match import MatchStore

    async with chromium() as browser:
        ctx, page = await phone(browser, hub.url)
        await log_in(page, PIN)
        await page.locator("#match-form").evaluate("f => f.closest('details').open = true")
        await page.fill("#match-form input[name=opponent]", "FC Rivals")
        await page.fill("#match-form input[name=competition]", "Coupe de l'Ouest")
        for _ in range(3):
            await page.locator("[data-audience='10']").tap()
        await page.locator("#match-start").tap()
        await expect(page.locator("#match-end")).to_be_enabled()
        await page.locator("[data-audience='10']").tap()  # during the match: kept at once
        await expect(page.locator("#audience")).to_have_text("40")
        for _ in range(50):
            session = hub.app[HUB].match.session
            if session is not None and session.audience_estimate == 40:
                break
            await asyncio.sleep(0.1)
        assert session is not None
        assert (session.opponent, session.competition, session.audience_estimate) == (
            "FC Rivals",
            "Coupe de l'Ouest",
            40,
        )
        await page.locator("#match-end").tap()
        await expect(page.locator("#match-start")).to_be_enabled()
        history = await MatchStore(hub.app[DB]).history()
        assert [(h["opponent"], h["audience_estimate"]) for h in history] == [("FC Rivals", 40)]
        assert history[0]["ended_at"] is not None
        await ctx.close()


async def test_volume_mute_blackout_and_phase_go_to_the_tv_and_show_its_answer(hub, stand_in_player):
    async with chromium() as browser:
        ctx, page = await phone(browser, hub.url)
        await log_in(page, PIN)
        await page.wait_for_selector("#link.up")
        await page.locator("#mute").tap()
        await expect(page.locator("#mute")).to_have_attribute("aria-pressed", "true")  # the player said so
        await page.locator("#blackout").tap()
        await expect(page.locator("#blackout")).to_have_attribute("aria-pressed", "true")
        await page.locator("#volume").fill("40")
        await page.locator("#volume").dispatch_event("change")
        sent = await stand_in_player.wait_for(wire.SetVolume)
        assert sent.volume == 40
        await page.locator("#phases button[data-phase=half_time]").tap()
        await expect(page.locator("#phases button[data-phase=half_time]")).to_have_attribute(
            "aria-pressed", "true"
        )
        assert (await stand_in_player.wait_for(wire.SetPhase)).phase == "half_time"
        # the refused setup answered 401, which Chromium logs; nothing else went wrong
        assert [e for e in page.js_errors if "status of 401" not in e] == []
        await ctx.close()


async def test_a_message_typed_on_the_phone_is_sent_to_the_tv(hub, stand_in_player):
    async with chromium() as browser:
        ctx, page = await phone(browser, hub.url)
        await log_in(page, PIN)
        await page.wait_for_selector("#link.up")
        await page.locator("#message-form").evaluate("f => f.closest('details').open = true")
        await page.fill("#message-form input[name=text]", "Buvette ouverte à la mi-temps !")
        await page.locator("#message-form button[type=submit]").tap()
        sent = await stand_in_player.wait_for(wire.ShowMessage)
        assert sent.text == "Buvette ouverte à la mi-temps !"
        # the refused setup answered 401, which Chromium logs; nothing else went wrong
        assert [e for e in page.js_errors if "status of 401" not in e] == []
        await ctx.close()


async def test_first_run_setup_on_a_phone_needs_the_code_from_the_tv(fresh_hub, artifacts):
    code = fresh_hub.setup_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    async with chromium() as browser:
        ctx, page = await phone(browser, fresh_hub.url)
        await page.goto("/")
        await page.wait_for_url("**/setup")

        async def submit(typed: str) -> None:
            await page.fill("input[name=code]", typed)
            for name, value in (("pin", PIN), ("pin2", PIN), ("password", PASSWORD), ("password2", PASSWORD)):
                await page.fill(f"input[name={name}]", value)
            await page.locator("button[type=submit]").tap()

        await submit(wrong)
        await expect(page.locator("p.error")).to_contain_text("Code d'installation incorrect")
        assert (await page.context.request.get(f"{fresh_hub.url}/")).url.endswith("/setup")
        await page.screenshot(path=str(artifacts / "setup-wrong-code-360.png"), full_page=True)
        await submit(f"{code[:3]} {code[3:]}")  # typed as the TV shows it
        await page.wait_for_url("**/login**")
        assert not fresh_hub.settings.data_dir.setup_code_file.exists()
        await log_in(page, PASSWORD, role="admin", path="/admin")
        # the refused setup answered 401, which Chromium logs; nothing else went wrong
        assert [e for e in page.js_errors if "status of 401" not in e] == []
        await ctx.close()
