"""systemd's notify protocol, shared by the player and the hub."""

from __future__ import annotations

import socket

from neopro.sd_notify import notify, watchdog_interval_s


def test_sd_notify_sends_one_datagram_and_halves_the_watchdog(monkeypatch, tmp_path):
    path = tmp_path / "n.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        assert notify("READY=1")
        assert sock.recv(64) == b"READY=1"
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert notify("READY=1") is False
    monkeypatch.setenv("WATCHDOG_USEC", "4000000")
    assert watchdog_interval_s() == 2.0
    monkeypatch.setenv("WATCHDOG_PID", "1")  # systemd meant another process
    assert watchdog_interval_s() is None
