"""``/ws``: one websocket endpoint for phones (session cookie) and the player (local token).

Modelled on aiohttp's ``examples/web_ws.py``: one ``async for msg in ws`` loop per
connection, cleanup in ``finally``. A connection without a session cookie has five
seconds to prove it is the player or the agent (``hello`` with the token of
``player.token``); anything else is answered ``unauthenticated`` and closed.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from neopro.contracts import ContractError, wire

from .auth import same_secret
from .clients import CLOSE_UNAUTHENTICATED, Client, TokenBucket
from .keys import HUB, PLAYER_TOKEN, SETTINGS, session_of

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 5.0
#: Frames a little over the contract's limit still get a "too_large" error reply; far bigger
#: ones are cut off by aiohttp unread (close code 1009).
WS_MAX_MSG = 2 * wire.MAX_FRAME_BYTES

routes = web.RouteTableDef()


@routes.get("/ws")
async def websocket(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    settings = request.app[SETTINGS]
    session = session_of(request)
    origin = request.headers.get("Origin")
    if session is not None and origin and urlsplit(origin).netloc != request.host:
        session = None  # a cookie sent by another site's page proves nothing
    ws = web.WebSocketResponse(heartbeat=20, max_msg_size=WS_MAX_MSG, compress=False)
    await ws.prepare(request)
    peer = request.remote or "?"
    client: Client | None = None
    try:
        if session is None:
            client = await _local_hello(request, ws, peer)
            if client is None:
                return ws
            if client.kind == "player":
                hub.attach_player(client)
                on_frame = hub.on_player_frame
            else:
                hub.attach_agent(client)
                on_frame = hub.on_agent_frame
        else:
            client = Client(
                ws, "phone", queue_size=settings.ws_send_queue, role=session.role,
                bucket=TokenBucket(settings.ws_rate_per_s, settings.ws_burst),
                expires_at=session.expires_at, peer=peer, transport=request.transport,
            )  # fmt: skip
            hub.attach_phone(client)
            on_frame = hub.on_phone_frame
        async for msg in ws:
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                await on_frame(client, msg.data)
            elif msg.type == WSMsgType.ERROR:
                log.info("%r: %s", client, ws.exception())
    finally:
        if client is not None:
            hub.detach(client)
    return ws


async def _local_hello(request: web.Request, ws: web.WebSocketResponse, peer: str) -> Client | None:
    """The player's (or agent's) first frame must be ``hello`` with the local token; else None."""
    try:
        msg = await ws.receive(timeout=HELLO_TIMEOUT_S)
    except TimeoutError:
        msg = None
    hello: wire.Message | None = None
    if msg is not None and msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
        try:
            hello = wire.from_player_codec.decode(msg.data)
        except ContractError:
            hello = None
    token = request.app[PLAYER_TOKEN]
    if (
        isinstance(hello, wire.Hello)
        and hello.role in ("player", "agent")
        and hello.token is not None
        and same_secret(hello.token, token)
    ):
        settings = request.app[SETTINGS]
        bucket = TokenBucket(settings.ws_rate_per_s, settings.ws_burst) if hello.role == "agent" else None
        client = Client(ws, hello.role, queue_size=1024, role=hello.role, peer=peer, bucket=bucket,
                        transport=request.transport)  # fmt: skip
        client.send(wire.encode(wire.Ack(of=hello.id)).decode())
        return client
    log.warning("refused an unauthenticated websocket from %s", peer)
    error = wire.Error(code="unauthenticated", message="Log in on the remote page first.")
    if not ws.closed:
        await ws.send_str(wire.encode(error).decode())
        await asyncio.wait_for(ws.close(code=CLOSE_UNAUTHENTICATED, message=b"unauthenticated"), timeout=2)
    return None
