"""The device side of the chain, on a real state.db: stamping, durability and verification."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from neopro import proof_chain
from neopro.contracts.proof_of_play import ProofOfPlay, encode
from neopro.state_db import open_outbox


def _event(n: int = 0, **changes) -> ProofOfPlay:
    start = datetime(2026, 11, 21, 15, 0, tzinfo=UTC) + timedelta(seconds=30 * n)
    fields = dict(
        event_id=uuid.uuid4().hex,
        media_id="promo-1",
        sha256="a" * 64,
        phase="during",
        trigger="loop",
        started_at=start,
        boot_id="b1",
        started_mono_ns=10**9 * (100 + n),
    )
    fields.update(changes)
    return ProofOfPlay(**fields)


@pytest.fixture
def conn(tmp_path):
    c = open_outbox(tmp_path / "state.db")
    proof_chain.migrate_chain(c)
    yield c
    c.close()


def _open_row(conn, event: ProofOfPlay) -> None:
    conn.execute(
        "INSERT INTO outbox(event_id, kind, body, closed, boot_id, created_mono_ns) VALUES (?, 'proof_of_play', ?, 0, ?, ?)",
        (event.event_id, encode(event), event.boot_id, event.started_mono_ns),
    )


def test_closing_rows_numbers_them_in_close_order_and_links_each_to_the_previous(conn):
    events = [_event(n) for n in range(3)]
    for e in events:
        _open_row(conn, e)
    # Closed in another order than opened: seq follows the closing.
    closed = [proof_chain.close_in_outbox(conn, e) for e in (events[2], events[0], events[1])]
    assert [e.seq for e in closed] == [1, 2, 3]
    assert closed[0].prev_hash == proof_chain.GENESIS
    assert closed[1].prev_hash == proof_chain.event_hash(closed[0])
    assert closed[2].prev_hash == proof_chain.event_hash(closed[1])
    stored = {
        r[0]: msgspec.json.decode(r[1], type=ProofOfPlay)
        for r in conn.execute("SELECT event_id, body FROM outbox WHERE closed = 1")
    }
    assert [stored[e.event_id] for e in closed] == closed
    assert proof_chain.head(conn) == (3, proof_chain.event_hash(closed[2]))


def test_the_head_survives_a_reopen_and_a_retried_close_burns_no_number(tmp_path):
    path = tmp_path / "state.db"
    conn = open_outbox(path)
    proof_chain.migrate_chain(conn)
    first = proof_chain.close_in_outbox(conn, _event(0))
    again = proof_chain.close_in_outbox(conn, first)
    assert again == first and proof_chain.head(conn)[0] == 1
    conn.close()
    conn = open_outbox(path)
    proof_chain.migrate_chain(conn)
    second = proof_chain.close_in_outbox(conn, _event(1))
    assert (second.seq, second.prev_hash) == (2, proof_chain.event_hash(first))
    conn.close()


def test_a_failed_close_leaves_neither_the_head_nor_the_row_moved(conn):
    e = _event(0)
    _open_row(conn, e)
    conn.execute("CREATE TRIGGER refuse BEFORE UPDATE ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(Exception, match="disk full"):
        proof_chain.close_in_outbox(conn, e)
    assert proof_chain.head(conn) == (0, proof_chain.GENESIS)
    assert conn.execute("SELECT closed FROM outbox").fetchone() == (0,)


def test_stamp_refuses_to_run_outside_a_transaction(conn):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        proof_chain.stamp(conn, _event())


def test_the_hash_survives_the_json_round_trip_and_changes_with_any_field():
    e = _event(
        0, seconds_on_screen=12.345678, started_at=datetime(2026, 11, 21, 16, 0, 0, 123456, tzinfo=UTC)
    )
    e = msgspec.structs.replace(e, seq=7, prev_hash="c" * 64)
    assert proof_chain.event_hash(msgspec.json.decode(encode(e), type=ProofOfPlay)) == proof_chain.event_hash(
        e
    )
    # The same instant written with an offset hashes the same: one spelling per instant.
    shifted = msgspec.structs.replace(
        e, started_at=e.started_at.astimezone(datetime.now().astimezone().tzinfo)
    )
    assert proof_chain.event_hash(shifted) == proof_chain.event_hash(e)
    for change in (
        {"seconds_on_screen": 12.345679},
        {"seq": 8},
        {"media_id": "promo-2"},
        {"completed": True},
    ):
        assert proof_chain.event_hash(msgspec.structs.replace(e, **change)) != proof_chain.event_hash(e)
