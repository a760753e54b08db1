"""Run a few child processes together, their logs prefixed, and stop them all together.

Used by ``neopro demo`` and by the tests that need real processes on real sockets.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f} s")


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    proc: subprocess.Popen[bytes] | None = None

    def start(self, out: IO[str], color: str = "") -> Child:
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            list(self.argv),
            env=env,
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
        )
        threading.Thread(target=self._pump, args=(out, color), daemon=True).start()
        return self

    def _pump(self, out: IO[str], color: str) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        reset = "\033[0m" if color else ""
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            out.write(f"{color}{self.name:>7}{reset} | {line}\n")
            out.flush()

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.wait()


class Supervisor:
    """Start children in order; stop them in reverse order; notice when one dies."""

    COLORS = ("\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m")

    def __init__(self, out: IO[str] | None = None) -> None:
        self.out = out or sys.stdout
        self.children: list[Child] = []

    def start(self, child: Child) -> Child:
        color = self.COLORS[len(self.children) % len(self.COLORS)] if self.out.isatty() else ""
        self.children.append(child.start(self.out, color))
        return child

    def dead(self) -> list[Child]:
        return [c for c in self.children if c.proc is not None and c.proc.poll() is not None]

    def stop_all(self) -> None:
        for child in reversed(self.children):
            child.stop()

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()
