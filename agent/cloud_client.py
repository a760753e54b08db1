"""The device API over HTTP: one aiohttp session, the credential, and errors sorted by what to do.

- :class:`CloudUnavailable` — network trouble, a stall, 5xx or 429: retry later (with the
  ``Retry-After`` the cloud gave, if any).
- :class:`CloudRefused` — any other 4xx: this request will not work as it is; the reason
  (the cloud's 4xx body names the field) goes to the log and, for a command, to its result.
- :class:`Unauthorized` — 401: the credential was revoked, or the device must re-enroll.

Every answer's ``Date`` feeds the clock watch. Payloads are the contract's types
(:mod:`neopro.contracts.device_api`), never dicts re-declared here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import msgspec

from neopro.backoff import parse_retry_after
from neopro.contracts import device_api as api

from .clock_sync import ClockWatch

log = logging.getLogger("neopro.agent.cloud")


class CloudError(Exception):
    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class CloudUnavailable(CloudError):
    def __init__(self, reason: str, status: int | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(reason, status)
        self.retry_after_s = retry_after_s


class CloudRefused(CloudError):
    pass


class Unauthorized(CloudError):
    pass


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Any
    body: bytes


def make_session(connect_timeout_s: float = 10.0, read_timeout_s: float = 30.0) -> aiohttp.ClientSession:
    timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout_s, sock_read=read_timeout_s)
    # A larger read buffer: fewer, bigger chunks for a media download, at no cost for small answers.
    return aiohttp.ClientSession(timeout=timeout, auto_decompress=True, read_bufsize=2**18)


class _RawCommandList(msgspec.Struct):
    """The :class:`~api.CommandList` envelope with its items left undecoded."""

    commands: list[msgspec.Raw]


class CloudClient:
    def __init__(
        self,
        base_url: str,
        credential: str | None,
        session: aiohttp.ClientSession,
        *,
        clock: ClockWatch | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.clock = clock
        self._auth = {"Authorization": f"Bearer {credential}"} if credential else {}

    @property
    def auth_headers(self) -> dict[str, str]:
        return dict(self._auth)

    def url(self, path: str) -> str:
        """A device API path under the cloud's base URL (an absolute URL from settings stays as is)."""
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def media_url(self, relative: str) -> str:
        """The manifest's media URL, resolved against the cloud; another host is refused.

        The credential goes with every media request, so a manifest must not be able to
        send it anywhere but to the cloud that issued it.
        """
        absolute = urljoin(self.base_url + "/", relative)
        base, target = urlsplit(self.base_url), urlsplit(absolute)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            raise CloudRefused(f"the manifest names media at {absolute!r}, outside {self.base_url}")
        return absolute

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: msgspec.Struct | bytes | None = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 202, 204),
    ) -> Answer:
        send = {**self._auth, **(headers or {})}
        data: bytes | None = None
        if body is not None:
            data = body if isinstance(body, bytes) else api.encode(body)
            send["Content-Type"] = "application/json"
        try:
            async with self.session.request(method, self.url(path), data=data, headers=send) as resp:
                payload = await resp.read()
                if self.clock is not None:
                    self.clock.observe(resp.headers.get("Date"))
                answer = Answer(resp.status, resp.headers, payload)
        except (aiohttp.ClientError, TimeoutError, ConnectionError) as exc:
            raise CloudUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        if answer.status in ok:
            return answer
        text = payload[:500].decode(errors="replace")
        if answer.status == 429 or answer.status >= 500:
            raise CloudUnavailable(
                f"{method} {path}: {answer.status} {text}",
                answer.status,
                parse_retry_after(answer.headers.get("Retry-After")),
            )
        if answer.status == 401:
            raise Unauthorized(f"{method} {path}: 401: the device credential was refused ({text})", 401)
        raise CloudRefused(f"{method} {path}: {answer.status} {text}", answer.status)

    # -- the calls ---------------------------------------------------------------------
    async def enroll(self, request: api.EnrollRequest) -> api.EnrollResponse:
        answer = await self.request("POST", f"{api.API_PREFIX}/enroll", body=request)
        return msgspec.json.decode(answer.body, type=api.EnrollResponse)

    async def manifest(self, etag: str | None) -> tuple[bytes | None, str | None]:
        """The manifest's raw JSON and its ETag, or (None, etag) when unchanged (304)."""
        headers = {"If-None-Match": etag} if etag else {}
        answer = await self.request("GET", f"{api.API_PREFIX}/manifest", headers=headers, ok=(200, 304))
        if answer.status == 304:
            return None, etag
        return answer.body, answer.headers.get("ETag")

    async def heartbeat(self, beat: api.Heartbeat) -> None:
        await self.request("POST", f"{api.API_PREFIX}/heartbeat", body=beat)

    async def commands(self) -> tuple[list[api.DeviceCommand], list[dict[str, Any]]]:
        """The due commands, decoded with the :class:`~api.CommandList` contract.

        Second, apart, the items this agent cannot read (a type a newer cloud added): they
        are handed on as they came so that each still gets a failed result, instead of one
        unreadable command making every poll fail.
        """
        answer = await self.request("GET", f"{api.API_PREFIX}/commands")
        try:
            return msgspec.json.decode(answer.body, type=api.CommandList).commands, []
        except msgspec.ValidationError:
            pass
        except msgspec.DecodeError as exc:
            raise CloudRefused(f"GET {api.API_PREFIX}/commands: the answer is not JSON: {exc}", 200) from None
        try:
            items = msgspec.json.decode(answer.body, type=_RawCommandList).commands
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise CloudRefused(f"GET {api.API_PREFIX}/commands: not a command list: {exc}", 200) from None
        readable: list[api.DeviceCommand] = []
        unreadable: list[dict[str, Any]] = []
        for item in items:
            try:
                readable.append(msgspec.json.decode(item, type=api.DeviceCommand))
            except msgspec.ValidationError:
                unreadable.append(msgspec.json.decode(item, type=dict[str, Any]))
        return readable, unreadable

    async def ack(self, command_id: str) -> None:
        await self.request("POST", f"{api.API_PREFIX}/commands/{command_id}/ack")

    async def result(self, command_id: str, result: api.CommandResult) -> None:
        await self.request("POST", f"{api.API_PREFIX}/commands/{command_id}/result", body=result)

    def push_url(self) -> str:
        base = urlsplit(self.base_url)
        scheme = "wss" if base.scheme == "https" else "ws"
        return f"{scheme}://{base.netloc}{base.path}{api.API_PREFIX}/push"
