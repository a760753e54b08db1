from __future__ import annotations

import pytest

from neopro.contracts import ContractError, wire


def test_play_round_trips_with_its_correlation_id():
    msg = wire.phone_codec.decode(b'{"type":"play","id":"t1","video_id":"goal"}')
    assert isinstance(msg, wire.PlayVideo)
    assert msg.id == "t1" and msg.video_id == "goal" and msg.v == wire.PROTOCOL_VERSION
    assert wire.phone_codec.decode(wire.encode(msg)) == msg


@pytest.mark.parametrize(
    ("frame", "field", "code"),
    [
        (b"{oops", "$", "bad_json"),
        (b'{"type":"dance"}', "$.type", "bad_message"),
        (b'{"type":"set_volume","volume":"loud"}', "$.volume", "bad_message"),
        (b'{"type":"set_volume","volume":101}', "$.volume", "bad_message"),
        (b'{"type":"play"}', "$", "bad_message"),
        (b'{"type":"play","video_id":"a","category_id":"b"}', "$", "bad_message"),
        (b'{"type":"score_change","team":"home","delta":1,"v":2}', "$.v", "bad_message"),
        (b'{"type":"player_state","status":{}}', "$.type", "bad_message"),  # not a phone's to send
        (b"[1,2]", "$", "bad_message"),
        (b" " * (wire.MAX_FRAME_BYTES + 1), "$", "too_large"),
    ],
)
def test_bad_frames_become_error_replies(frame, field, code):
    with pytest.raises(ContractError) as err:
        wire.phone_codec.decode(frame)
    reply = wire.error_for(err.value)
    assert (reply.field, reply.code) == (field, code)
    assert wire.to_phone_codec.decode(wire.encode(reply)) == reply
