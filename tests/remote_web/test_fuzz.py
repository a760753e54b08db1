"""Protocol fuzz: hundreds of malformed and hostile frames, each answered, nothing breaks.

The hub runs on its own event loop in a thread so that hypothesis can drive a plain
(synchronous) websocket client example after example, over one long-lived connection.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from neopro.contracts import wire

from .conftest import RunningHub, start_hub

TAGS = sorted(
    t.__struct_config__.tag
    for t in (*wire.PhoneMessage.__args__, wire.State, wire.PlayerState, wire.Started, wire.MatchStateUpdate)  # type: ignore[attr-defined]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20,
)
field_names = st.sampled_from(
    ["id", "v", "video_id", "category_id", "volume", "muted", "on", "phase", "team", "delta", "home",
     "away", "text", "seconds", "token", "role", "of", "trigger", "when", "audience_estimate", "status"]
) | st.text(max_size=12)  # fmt: skip
typed_objects = st.builds(
    lambda tag, fields: json.dumps({"type": tag, **fields}),
    st.sampled_from(TAGS) | st.text(max_size=12),
    st.dictionaries(field_names, json_values, max_size=6),
)
hostile = st.one_of(
    typed_objects,
    json_values.map(json.dumps),
    st.text(max_size=300),
    st.binary(max_size=300),
    st.sampled_from([
        "[" * 5000 + "]" * 5000,
        '{"type": "play", "video_id": "' + "x" * 70_000 + '"}',  # over MAX_FRAME_BYTES: too_large
        '{"type":"set_volume","volume":1e309}',
        '{"type":"score_change","team":"home","delta":1,"__proto__":{}}',
        '{"type":"hello","role":"player","token":"guess"}',
        '{"type":"player_state","status":{"volume":0}}',
        '{"type":"started","video_id":"goal"}',
        "\ud800" if False else "\x00\x01\x02",
        b"\xff\xfe\xfd",
    ]),
)  # fmt: skip


@dataclasses.dataclass
class ThreadedHub:
    hub: RunningHub
    loop: asyncio.AbstractEventLoop
    cookie: str

    def phone(self) -> ClientConnection:
        return connect(self.hub.ws_url, additional_headers={"Cookie": self.cookie}, max_size=None,
                       open_timeout=5)  # fmt: skip


@pytest.fixture
def threaded_hub(hub_settings) -> Iterator[ThreadedHub]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coro):
        return asyncio.run_coroutine_threadsafe(coro, loop).result(30)

    fast = dataclasses.replace(hub_settings, ws_rate_per_s=100_000, ws_burst=100_000)
    hub = run(start_hub(fast))
    run(hub.setup())

    async def cookie() -> str:
        http = await hub.login("operator")
        value = next(c.value for c in http.cookie_jar if c.key == "neopro_session")
        await http.close()
        return f"neopro_session={value}"

    yield ThreadedHub(hub=hub, loop=loop, cookie=run(cookie()))
    run(hub.runner.cleanup())
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def read(ws: ClientConnection) -> wire.Message:
    return wire.to_phone_codec.decode(ws.recv(timeout=5))


def test_hostile_frames_get_replies_and_leave_other_phones_unaffected(threaded_hub):
    with threaded_hub.phone() as attacker, threaded_hub.phone() as bystander:
        _fuzz(attacker, bystander)


def _fuzz(attacker: ClientConnection, bystander: ClientConnection) -> None:
    assert isinstance(read(attacker), wire.State) and isinstance(read(bystander), wire.State)
    counter = iter(range(1_000_000))
    errors: list[wire.Error] = []

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(frame=hostile)
    def one_frame(frame: str | bytes) -> None:
        sync_id = f"sync-{next(counter)}"
        attacker.send(frame)
        attacker.send(wire.encode(wire.Hello(role="phone", id=sync_id)).decode())
        replies = []
        while True:
            m = read(attacker)
            if isinstance(m, wire.Ack) and m.of == sync_id:
                break
            replies.append(m)
        # every frame was answered: an error naming the problem, or the reply a valid one earns
        assert replies, f"no reply to {frame!r:.200}"
        errors.extend(m for m in replies if isinstance(m, wire.Error))
        for m in replies:
            if isinstance(m, wire.Error) and m.code in ("bad_json", "bad_message"):
                assert m.field and m.message

    one_frame()
    assert len(errors) > 200  # most hostile frames are errors, not accidents of validity
    assert {e.code for e in errors} >= {"bad_json", "bad_message", "too_large"}

    # the bystander is still connected and answered at once; it saw only well-formed frames
    bystander.send(wire.encode(wire.RequestState(id="still-there")).decode())
    while True:
        m = read(bystander)
        if isinstance(m, wire.State):
            break


def test_a_frame_far_over_the_limit_closes_only_that_connection(threaded_hub):
    with threaded_hub.phone() as attacker, threaded_hub.phone() as bystander:
        read(attacker), read(bystander)
        attacker.send("x" * (4 * wire.MAX_FRAME_BYTES))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                attacker.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009  # message too big
        bystander.send(wire.encode(wire.ScoreChange(id="x", team="away", delta=1)).decode())
        while not isinstance(m := read(bystander), wire.Ack):
            pass
        assert m.of == "x"


def test_a_flooding_phone_is_rate_limited_and_others_still_get_through(hub_settings):
    async def scenario() -> None:
        hub = await start_hub(dataclasses.replace(hub_settings, ws_rate_per_s=5, ws_burst=10))
        try:
            await hub.setup()
            flooder_http, other_http = await hub.login("operator"), await hub.login("operator")
            flooder, other = await flooder_http.ws_connect("/ws"), await other_http.ws_connect("/ws")
            await flooder.receive(), await other.receive()
            for i in range(60):
                await flooder.send_bytes(wire.encode(wire.RequestState(id=f"f{i}")))
            codes = []
            while len(codes) < 60:
                frame = wire.to_phone_codec.decode((await flooder.receive(timeout=5)).data)
                codes.append(frame.code if isinstance(frame, wire.Error) else type(frame).__name__)
            assert codes.count("rate_limited") >= 40
            await other.send_bytes(wire.encode(wire.ScoreChange(id="ok", team="home", delta=1)))
            while True:
                m = wire.to_phone_codec.decode((await other.receive(timeout=5)).data)
                if isinstance(m, wire.Ack):
                    assert m.of == "ok"
                    break
            for c in (flooder_http, other_http):
                await c.close()
        finally:
            await hub.runner.cleanup()

    asyncio.run(scenario())
