"""A fault-injecting TCP proxy on loopback: the club's bad 4G, reproducible from a seed.

Every request that passes through may meet one fault, drawn at random:

- ``reset``: the connection is reset (RST) after part of the answer;
- ``cut``: the answer stops mid-body and the connection closes cleanly;
- ``stall``: the answer freezes for a while (the agent's read timeout must notice);
- ``5xx``: the proxy answers ``503`` itself, with ``Retry-After`` (a cloud under load).

It counts the answer bytes it forwarded per request path prefix, so a test can tell how
much a resumed download really cost. It speaks plain HTTP/1.1 without pipelining (what
aiohttp sends); a websocket passes through untouched but may be reset like anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from collections import Counter
from dataclasses import dataclass, field

FAULTS = ("reset", "cut", "stall", "5xx")


@dataclass
class FaultPlan:
    #: Probability that a request meets a fault.
    rate: float = 0.3
    faults: tuple[str, ...] = FAULTS
    stall_s: float = 3.0
    seed: int = 0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def draw(self) -> tuple[str | None, int]:
        """A fault (or None) and after how many answer bytes it strikes."""
        if self.rate <= 0 or self.rng.random() >= self.rate:
            return None, 0
        # Half the faults strike in the first bytes (headers, small answers), half deep in a body.
        at = self.rng.randint(0, 300) if self.rng.random() < 0.5 else self.rng.randint(0, 300_000)
        return self.rng.choice(self.faults), at


class FaultProxy:
    def __init__(self, upstream_port: int, plan: FaultPlan | None = None, *, rate_bps: float = 0) -> None:
        self.upstream_port = upstream_port
        self.plan = plan or FaultPlan(rate=0.0)
        #: Pace answers like a real link (0: as fast as loopback). Pacing here, at the sender,
        #: keeps socket buffers nearly empty, so "bytes sent" is close to "bytes the agent got".
        self.rate_bps = rate_bps
        #: While True every connection is refused at once: the cloud is away.
        self.offline = False
        self.port = 0
        self.bytes_by_path: Counter[str] = Counter()
        self.requests_by_path: Counter[str] = Counter()
        self.faults_done: Counter[str] = Counter()
        #: One line per media answer: (bytes forwarded, fault met or None), to explain a ratio.
        self.media_answers: list[tuple[int, str | None]] = []
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.Task[None]] = set()

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._conns):
            task.cancel()
        await asyncio.gather(*self._conns, return_exceptions=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if self.offline:
            _set_linger_zero(cwriter)
            cwriter.close()
            return
        self._conns.add(task)
        try:
            sreader, swriter = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            cwriter.close()
            self._conns.discard(task)
            return
        state: dict = {"path": "?", "fault": None, "at": 0, "sent": 0}
        up = asyncio.ensure_future(self._client_to_server(creader, swriter, cwriter, state))
        down = asyncio.ensure_future(self._server_to_client(sreader, cwriter, state))
        try:
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            pass  # the proxy stops: close quietly (asyncio logs a handler that ends cancelled)
        finally:
            for t in (up, down):
                t.cancel()
            self._close_record(state)
            for w in (swriter, cwriter):
                with contextlib.suppress(Exception):
                    w.close()
            self._conns.discard(task)

    async def _client_to_server(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        client: asyncio.StreamWriter,
        state: dict,
    ) -> None:
        while data := await reader.read(65536):
            head = data[:8]
            if head.startswith((b"GET ", b"POST ", b"PUT ", b"HEAD ", b"DELETE ")):
                path = data.split(b" ", 2)[1].decode(errors="replace")
                fault, at = self.plan.draw()
                self._close_record(state)
                self.requests_by_path[_bucket(path)] += 1
                state.update(path=_bucket(path), fault=fault, at=at, sent=0, met=None, recorded=False)
                if fault == "5xx":
                    self.faults_done[fault] += 1
                    client.write(
                        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\n"
                        b"Connection: close\r\n\r\n"
                    )
                    await client.drain()
                    return
            writer.write(data)
            await writer.drain()

    async def _server_to_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: dict
    ) -> None:
        while data := await reader.read(65536):
            fault = state["fault"]
            if fault in ("reset", "cut", "stall") and state["sent"] + len(data) > state["at"]:
                keep = max(state["at"] - state["sent"], 0)
                self._count(state, keep)
                writer.write(data[:keep])
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
                self.faults_done[fault] += 1
                state["fault"], state["met"] = None, fault
                if fault == "stall":
                    await asyncio.sleep(self.plan.stall_s)
                    data = data[keep:]
                else:
                    if fault == "reset":
                        _set_linger_zero(writer)
                    writer.close()
                    return
            await self._send(writer, state, data)

    async def _send(self, writer: asyncio.StreamWriter, state: dict, data: bytes) -> None:
        if not self.rate_bps:
            self._count(state, len(data))
            writer.write(data)
            await writer.drain()
            return
        for i in range(0, len(data), 8192):
            piece = data[i : i + 8192]
            self._count(state, len(piece))
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(len(piece) / self.rate_bps)

    def _close_record(self, state: dict) -> None:
        if state.get("path") == "/device/v1/media" and not state.get("recorded"):
            self.media_answers.append((state["sent"], state.get("met")))
            state["recorded"] = True

    def _count(self, state: dict, n: int) -> None:
        state["sent"] += n
        self.bytes_by_path[state["path"]] += n


def _bucket(path: str) -> str:
    """Group paths: every media file under one key, other calls by their path."""
    path = path.split("?", 1)[0]
    return "/device/v1/media" if path.startswith("/device/v1/media/") else path


def _set_linger_zero(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
