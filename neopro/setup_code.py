"""The hub's one-time setup code: proof that whoever claims a new hub is standing at the TV.

Until the operator PIN and the admin password exist, anyone who joins the hotspot could
open the hub's first-run page and take it. So the hub writes a random 6-digit code to
``<data dir>/setup-code`` (mode 0600, atomic) while it has no credentials, the player shows
it on the idle screen, and the setup form needs it. The file goes once both secrets are
set; ``neopro remote setup-code`` prints it for someone on SSH.
"""

from __future__ import annotations

import re
import secrets

from neopro.datadir import DataDir, atomic_write

DIGITS = 6
_CODE_RE = re.compile(rf"^[0-9]{{{DIGITS}}}$")


def read(data_dir: DataDir) -> str | None:
    """The current code, or None when there is none (set up already, or not started yet)."""
    try:
        text = data_dir.setup_code_file.read_text().strip()
    except (FileNotFoundError, PermissionError, UnicodeDecodeError):
        return None
    return text if _CODE_RE.match(text) else None


def ensure(data_dir: DataDir) -> str:
    """The current code, created (random, mode 0600) when there is none. Blocking."""
    code = read(data_dir)
    if code is None:
        code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
        atomic_write(data_dir.setup_code_file, code.encode(), mode=0o600)
    return code


def remove(data_dir: DataDir) -> None:
    data_dir.setup_code_file.unlink(missing_ok=True)


def matches(data_dir: DataDir, given: str) -> bool:
    """Is ``given`` the current code? Spaces a person types ("123 456") do not matter."""
    code = read(data_dir)
    typed = "".join(given.split())
    return code is not None and secrets.compare_digest(code.encode(), typed.encode())


def display(code: str) -> str:
    """``123456`` -> ``123 456``: two groups are easier to read off a TV and type on a phone."""
    half = len(code) // 2
    return f"{code[:half]} {code[half:]}"
