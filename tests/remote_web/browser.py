"""Headless Chromium with a phone's viewport (Playwright on /usr/bin/chromium)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "fr-FR"}  # fmt: skip


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


async def phone(browser: Browser, base_url: str) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(base_url=base_url, **PHONE)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors  # type: ignore[attr-defined]  # checked by the tests
    return context, page


async def log_in(page: Page, secret: str, role: str = "operator", path: str = "/") -> None:
    await page.goto(path)
    if role == "admin":
        await page.locator("label:has(input[value=admin])").tap()
    await page.fill("#secret", secret)
    await page.locator("button[type=submit]").tap()
    await page.wait_for_url(f"**{path}")


async def horizontal_overflow(page: Page) -> list[str]:
    """What sticks out to the right at this width (empty when nothing does)."""
    return await page.evaluate(
        """() => {
            const doc = document.documentElement;
            const out = [];
            if (doc.scrollWidth > doc.clientWidth) out.push(`page ${doc.scrollWidth} > ${doc.clientWidth}`);
            for (const el of document.querySelectorAll("body *")) {
                const r = el.getBoundingClientRect();
                if (r.width && (r.right > doc.clientWidth + 0.5 || r.left < -0.5) && getComputedStyle(el).position !== "fixed")
                    out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
            }
            return out;
        }"""
    )


# A busy shared machine: give on-page expectations more than Playwright's default 5 s.
expect.set_options(timeout=15_000)
