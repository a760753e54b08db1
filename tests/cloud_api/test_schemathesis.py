"""schemathesis against the OpenAPI schema: no 5xx, and every documented answer matches it.

Property-based requests for every operation, bounded (a few examples per operation) so the
whole run stays short; it runs against a real uvicorn server as a platform admin (the role
that reaches every handler) on each database.
"""

from __future__ import annotations

import asyncio
import threading
import time

import hypothesis
import pytest
import schemathesis
import uvicorn
from cloud_testkit import Cloud, make_world
from hypothesis import HealthCheck, given
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from cloud_api.server.app import create_app

EXAMPLES_PER_OPERATION = 6


class ThreadServer:
    """uvicorn in a thread of its own, so the synchronous schemathesis client can call it."""

    def __init__(self, settings) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_config=None)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


async def _world(url, settings):
    import httpx

    async with httpx.AsyncClient(base_url=url) as http:
        return await make_world(Cloud(url, http, settings))


def make_check(operation, url: str, headers: dict[str, str]):
    @given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    def check(case) -> None:
        case.call_and_validate(
            base_url=url,
            headers=headers,
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            timeout=30,
        )

    return check


@pytest.mark.slow
def test_the_api_never_fails_and_answers_as_documented(settings):
    with ThreadServer(settings) as url:
        world = asyncio.run(_world(url, settings))
        schema = schemathesis.openapi.from_url(f"{url}/schema/openapi.json")
        failures: list[str] = []
        operations = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            device_route = operation.path.startswith("/device/")
            headers = world.a.device if device_route else world.platform
            operations += 1

            check = make_check(operation, url, headers)
            try:
                check()
            except Exception as exc:  # collect every operation's failure, then report them all
                failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
        assert operations > 40
        assert not failures, "\n\n".join(failures)
