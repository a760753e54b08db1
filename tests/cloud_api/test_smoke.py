"""The instance answers: health, readiness, metrics, the OpenAPI schema and its docs page."""

from __future__ import annotations


async def test_health_ready_metrics_and_docs(cloud):
    assert (await cloud.http.get("/health")).json()["status"] == "ok"
    assert (await cloud.http.get("/ready")).json()["status"] == "ready"
    metrics = await cloud.http.get("/metrics")
    assert metrics.status_code == 200 and "neopro_requests_total" in metrics.text
    schema = (await cloud.http.get("/schema/openapi.json")).json()
    assert "/device/v1/heartbeat" in schema["paths"] and "/api/v1/sites" in schema["paths"]
    docs = await cloud.http.get("/schema/swagger")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_world_builds_two_clubs_with_enrolled_sites(world, cloud):
    r = await cloud.http.get("/api/v1/sites", headers=world.a.admin)
    assert [s["id"] for s in r.json()] == [world.a.site_id]
