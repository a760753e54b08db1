"""Reports: the PDF renders and says what the API says; the verification code; CSV; pacing."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import subprocess
from datetime import UTC, date, datetime, timedelta

from analytics_kit import play, upload
from sqlalchemy import delete

from cloud_api.db.engine import make_engine
from cloud_api.db.models import PlayEvent


async def _tool(*cmd: str) -> str:
    """Run a poppler tool (pdftoppm, pdftotext) off the event loop; its stdout."""
    done = await asyncio.to_thread(subprocess.run, list(cmd), check=True, capture_output=True, text=True)
    return done.stdout


def _season(sponsor: str) -> list:
    """Three match days of plays, two videos, loop and triggered, every phase; a few interrupted."""
    today = datetime.now(UTC).replace(hour=14, minute=0, second=0, microsecond=0)
    events = []
    for d, match in ((6, "m-ajaccio"), (4, "m-bastia"), (1, "m-corte")):
        start = today - timedelta(days=d)
        for i, phase in enumerate(["before"] * 4 + ["during"] * 10 + ["half_time"] * 3 + ["after"] * 2):
            events.append(
                play(
                    sponsor, start=start + timedelta(seconds=40 * i), n=i, phase=phase, match=match,
                    trigger="remote" if i % 5 == 0 else "loop", media_id="promo-1" if i % 3 else "promo-2",
                    seconds=15.0 if i % 7 else 6.5, completed=bool(i % 7),
                )
            )  # fmt: skip
    return events


async def test_the_sponsor_pdf_renders_says_what_the_api_says_and_its_code_checks_out(
    http, world, settings, tmp_path
):
    a = world.a
    events = _season(a.sponsor_id)
    assert (await upload(http, a.device, events)).json()["accepted"] == len(events)
    period = {
        "date_from": (date.today() - timedelta(days=30)).isoformat(),
        "date_to": date.today().isoformat(),
    }
    r = await http.post(
        f"/api/v1/sponsors/{a.sponsor_id}/contracts",
        json={"starts_on": period["date_from"], "ends_on": (date.today() + timedelta(days=60)).isoformat(),
              "target_plays": 2000, "per": "season"},
        headers=a.admin,
    )  # fmt: skip
    assert r.status_code == 201, r.text

    api = (
        await http.get("/api/v1/analytics/", params={"sponsor_id": a.sponsor_id, **period}, headers=a.admin)
    ).json()
    assert api["totals"]["plays"] == len(events) == 57 and api["totals"]["matches"] == 3
    r = await http.get(
        f"/api/v1/analytics/sponsors/{a.sponsor_id}/report.pdf", params=period, headers=a.admin
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
    code = r.headers["x-verification-code"]
    pdf = tmp_path / "sponsor.pdf"
    pdf.write_bytes(r.content)

    # It renders: every page to a PNG (looked at by hand while writing this test).
    await _tool("pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page"))
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3 and all(p.stat().st_size > 5000 for p in pages)

    # Its figures are the API's.
    text = await _tool("pdftotext", "-layout", str(pdf), "-")
    t = api["totals"]
    assert re.search(rf"Plays\s+{t['plays']:,}\b", text)
    assert re.search(rf"Completed plays\s+{t['completion_rate'] * 100:.1f} %", text)
    assert re.search(rf"Matches\s+{t['matches']}\b", text)
    for phase, label in (
        ("before", "before the match"),
        ("during", "during the match"),
        ("half_time", "half-time"),
    ):
        row = next(x for x in api["by_phase"] if x["key"] == phase)
        assert re.search(rf"{label}\s+{row['plays']}\b", text), phase
    for match in api["by_match"]:
        assert re.search(rf"{match['key']}\s+{match['plays']}\b", text), match
    site = api["by_site"][0]
    assert re.search(rf"{re.escape(site['label'])}\s+{site['plays']}\b", text)
    assert code in text.replace("\n", " ")
    pacing = (await http.get(f"/api/v1/analytics/sponsors/{a.sponsor_id}/pacing", headers=a.admin)).json()
    assert pacing[0]["status"] == "behind" and f"{pacing[0]['projected']:,.0f}" in text

    # The code checks out, then fails once one counted event is gone from the database.
    check = (await http.get("/api/v1/analytics/verify", params={"code": code})).json()
    assert (check["valid"], check["counted_then"], check["counted_now"]) == (True, 57, 57)
    engine = make_engine(settings)
    try:
        async with engine.begin() as conn:
            await conn.execute(delete(PlayEvent).where(PlayEvent.event_id == events[20].event_id))
    finally:
        await engine.dispose()
    check = (await http.get("/api/v1/analytics/verify", params={"code": code})).json()
    assert (check["valid"], check["counted_then"], check["counted_now"]) == (False, 57, 56)
    assert (
        await http.get("/api/v1/analytics/verify", params={"code": "NP-0000-0000-0000-0000-0000"})
    ).status_code == 404


async def test_the_csv_export_sums_to_the_api_totals(http, world):
    a = world.a
    events = _season(a.sponsor_id)
    await upload(http, a.device, events)
    params = {"sponsor_id": a.sponsor_id}
    api = (await http.get("/api/v1/analytics/", params=params, headers=a.admin)).json()
    r = await http.get("/api/v1/analytics/export.csv", params=params, headers=a.admin)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert sum(int(x["plays"]) for x in rows) == api["totals"]["plays"]
    assert abs(sum(float(x["seconds"]) for x in rows) - api["totals"]["seconds"]) < 0.01
    assert sum(int(x["completed"]) for x in rows) == api["totals"]["completed"]


async def test_pacing_warns_early_when_a_contract_falls_short(http, world):
    a = world.a
    today = date.today()
    await upload(http, a.device, _season(a.sponsor_id))  # 57 plays over the last week
    contracts = [
        # 10 days in, 90 days long, 600 plays wanted: 57 so far projects to ~513, short.
        {"starts_on": (today - timedelta(days=9)).isoformat(), "ends_on": (today + timedelta(days=80)).isoformat(),
         "target_plays": 600, "per": "season"},
        # Same period, 400 plays: on track.
        {"starts_on": (today - timedelta(days=9)).isoformat(), "ends_on": (today + timedelta(days=80)).isoformat(),
         "target_plays": 400, "per": "season"},
        # 15 plays per match, 19 delivered in each of 3 matches: met.
        {"starts_on": (today - timedelta(days=9)).isoformat(), "ends_on": (today + timedelta(days=80)).isoformat(),
         "target_plays": 15, "per": "match"},
    ]  # fmt: skip
    for body in contracts:
        assert (
            await http.post(f"/api/v1/sponsors/{a.sponsor_id}/contracts", json=body, headers=a.admin)
        ).status_code == 201
    pacing = (await http.get(f"/api/v1/analytics/sponsors/{a.sponsor_id}/pacing", headers=a.admin)).json()
    by_target = {(p["per"], p["target"]): p for p in pacing}
    short = by_target[("season", 600)]
    assert short["delivered"] == 57 and short["status"] == "behind"
    assert short["projected"] == round(57 * 90 / 10, 3) and "short" in short["warning"]
    assert (
        by_target[("season", 400)]["status"] == "on_track" and by_target[("season", 400)]["warning"] is None
    )
    per_match = by_target[("match", 45)]
    assert (per_match["matches"], per_match["delivered"], per_match["status"]) == (3, 57, "met")


async def test_the_club_pdf_renders_with_its_sites_health(http, world, tmp_path):
    a = world.a
    await upload(http, a.device, _season(a.sponsor_id))
    r = await http.post(
        "/device/v1/heartbeat", json={"temperature_c": 61.0, "disk_percent": 42.0}, headers=a.device
    )
    assert r.status_code == 204
    r = await http.get(f"/api/v1/analytics/clubs/{a.id}/report.pdf", headers=a.admin)
    assert r.status_code == 200, r.text
    pdf = tmp_path / "club.pdf"
    pdf.write_bytes(r.content)
    text = await _tool("pdftotext", "-layout", str(pdf), "-")
    assert a.name in text and "61 C" in text and "42 %" in text and "Sponsor of" in text
    await _tool("pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "club"))
    assert list(tmp_path.glob("club-*.png"))


async def test_a_late_genuine_event_keeps_the_code_valid_and_a_deleted_one_breaks_it(http, world, settings):
    a = world.a
    day = datetime.now(UTC).replace(hour=14, minute=0, second=0, microsecond=0) - timedelta(days=2)
    counted = [play(a.sponsor_id, start=day, n=i) for i in range(4)]
    assert (await upload(http, a.device, counted)).json()["accepted"] == 4
    period = {
        "date_from": (date.today() - timedelta(days=7)).isoformat(),
        "date_to": date.today().isoformat(),
    }
    r = await http.get(
        f"/api/v1/analytics/sponsors/{a.sponsor_id}/report.pdf", params=period, headers=a.admin
    )
    assert r.status_code == 200, r.text
    code = r.headers["x-verification-code"]

    # A site that was offline uploads a genuine play of the same period after the report.
    late = play(a.sponsor_id, start=day, n=10, boot_id="boot-2")
    assert (await upload(http, a.device, [late])).json()["accepted"] == 1
    check = (await http.get("/api/v1/analytics/verify", params={"code": code})).json()
    assert (check["valid"], check["counted_then"], check["counted_now"], check["arrived_since"]) == (
        True, 4, 4, 1,
    )  # fmt: skip
    assert check["summary"].startswith("valid") and "1 event(s) arrived since" in check["summary"]

    engine = make_engine(settings)
    try:
        async with engine.begin() as conn:
            await conn.execute(delete(PlayEvent).where(PlayEvent.event_id == counted[1].event_id))
    finally:
        await engine.dispose()
    check = (await http.get("/api/v1/analytics/verify", params={"code": code})).json()
    assert (check["valid"], check["counted_now"], check["arrived_since"]) == (False, 3, 1)
    assert check["summary"].startswith("invalid: 1 counted event(s) deleted")
