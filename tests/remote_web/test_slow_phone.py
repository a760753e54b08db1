"""One phone on a bad link never slows the others: its own bounded queue, then it is dropped."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import aiohttp

from neopro.contracts import wire
from remote_web.keys import HUB

from .conftest import start_hub


async def test_a_phone_that_stops_reading_is_dropped_and_the_others_keep_up(hub_settings):
    hub = await start_hub(dataclasses.replace(hub_settings, ws_send_queue=16))
    try:
        await hub.setup()
        stalled_http, reader_http = await hub.login("operator"), await hub.login("operator")
        stalled = await stalled_http.ws_connect("/ws")  # never read from again
        reader = await reader_http.ws_connect("/ws")
        await reader.receive(timeout=5)
        async with aiohttp.ClientSession() as player_http:
            player = await player_http.ws_connect(hub.ws_url)
            await player.send_bytes(
                wire.encode(wire.Hello(role="player", token=hub.settings.data_dir.player_token()))
            )
            big = "x" * 60_000  # each state is ~60 kB: the stalled phone's socket fills fast
            started = time.monotonic()
            for i in range(150):
                status = wire.PlayerStatus(message=f"{i:03d}{big}", idle=False)
                await player.send_bytes(wire.encode(wire.PlayerState(status=status)))
                while True:  # the reading phone gets every one of them, in order
                    m = wire.to_phone_codec.decode((await reader.receive(timeout=5)).data)
                    if isinstance(m, wire.State) and m.player.message.startswith(f"{i:03d}"):
                        break
            elapsed = time.monotonic() - started
            phones = hub.app[HUB].phones
            for _ in range(100):  # its close handshake cannot finish: the hub cuts it within seconds
                if len(phones) == 1:
                    break
                await asyncio.sleep(0.05)
            assert len(phones) == 1, "the stalled phone should have been dropped"
            assert elapsed < 30
            await player.close()
        for http in (stalled_http, reader_http):
            await http.close()
        assert stalled.closed or stalled.close_code in (None, 4408)
    finally:
        await hub.runner.cleanup()
