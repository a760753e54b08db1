"""The load generator of ``neopro bench cloud``: lean clients so the server is what is measured.

HTTP goes over raw keep-alive sockets with pre-built requests (an HTTP library would cost
the load generator more CPU than the server spends answering); websockets use the
``websockets`` client without compression.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect


def http_request(method: str, path: str, host: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers.items())]
    if body or method in ("POST", "PUT", "PATCH"):
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"content-length:")
    body = b""
    if at >= 0:
        length = int(lower[at + 15 : lower.find(b"\r\n", at)])
        if length:
            body = await reader.readexactly(length)
    elif b"transfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    return status, head, body


@dataclass
class Hammered:
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    #: perf_counter of the first request due and of the last answer (open loop only).
    first_due: float = 0.0
    last_answer: float = 0.0


async def hammer(
    host: str, port: int, requests: Sequence[bytes], *, seconds: float, concurrency: int, ok_status: int
) -> Hammered:
    """Closed loop: ``concurrency`` keep-alive connections, each sending the next request on answer."""
    out = Hammered()
    end = time.perf_counter() + seconds

    async def worker(i: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        j = i
        try:
            while time.perf_counter() < end:
                request = requests[j % len(requests)]
                j += concurrency
                started = time.perf_counter()
                writer.write(request)
                status, _, _ = await read_response(reader)
                out.latencies.append(time.perf_counter() - started)
                if status == ok_status:
                    out.ok += 1
                else:
                    out.errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return out


async def offered(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    rate: float,
    seconds: float,
    connections: int,
    ok_status: int,
) -> Hammered:
    """Open loop: requests are due at a fixed rate whether or not earlier ones were answered.

    Latency counts from when a request was due, so a server that falls behind shows it
    (no coordinated omission): a request waiting for a free connection is already late.
    """
    out = Hammered()
    due: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()

    opened = 0
    go = asyncio.Event()

    async def schedule() -> None:
        await go.wait()  # every connection open first: their setup is not the server's latency
        start = out.first_due = time.perf_counter()
        total = int(rate * seconds)
        for n in range(total):
            at = start + n / rate
            delay = at - time.perf_counter()
            if delay > 0.001:
                await asyncio.sleep(delay)
            due.put_nowait((at, requests[n % len(requests)]))
        for _ in range(connections):
            due.put_nowait(None)

    async def worker() -> None:
        nonlocal opened
        reader, writer = await asyncio.open_connection(host, port)
        opened += 1
        if opened == connections:
            go.set()
        try:
            while (item := await due.get()) is not None:
                at, request = item
                writer.write(request)
                status, _, _ = await read_response(reader)
                out.last_answer = time.perf_counter()
                out.latencies.append(out.last_answer - at)
                if status == ok_status:
                    out.ok += 1
                else:
                    out.errors += 1
        finally:
            writer.close()

    await asyncio.gather(schedule(), *(worker() for _ in range(connections)))
    return out


async def one_request(host: str, port: int, request: bytes) -> tuple[int, bytes, bytes]:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        return await read_response(reader)
    finally:
        writer.close()


@dataclass
class Storm:
    sockets: list[ClientConnection | None]
    seconds: float
    rejected: int


async def reconnect_storm(ws_url: str, credentials: Sequence[str], limit_s: float = 60) -> Storm:
    """Every agent opens its push socket at the same instant; done when each has its hello frame."""
    start = asyncio.Event()

    async def agent(credential: str) -> ClientConnection | None:
        await start.wait()
        try:
            ws = await connect(
                ws_url,
                additional_headers={"Authorization": f"Bearer {credential}"},
                open_timeout=limit_s,
                compression=None,
                ping_interval=None,
                max_queue=None,
            )
            hello = json.loads(await asyncio.wait_for(ws.recv(), limit_s))
            if hello.get("type") != "hello":
                await ws.close()
                return None
            return ws
        except Exception:
            return None

    tasks = [asyncio.create_task(agent(c)) for c in credentials]
    await asyncio.sleep(0.2)  # every task is parked on the event: they go together
    started = time.perf_counter()
    start.set()
    sockets = await asyncio.gather(*tasks)
    seconds = time.perf_counter() - started
    return Storm(sockets=list(sockets), seconds=seconds, rejected=sum(1 for s in sockets if s is None))


async def listen_for_commands(
    sockets: Sequence[ClientConnection | None], arrivals: dict[str, float]
) -> list[asyncio.Task]:
    async def listen(ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "command":
                    arrivals[frame["command"]["id"]] = time.perf_counter()
        except Exception:
            return

    return [asyncio.create_task(listen(ws)) for ws in sockets if ws is not None]


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
