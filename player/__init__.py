"""The TV player: one libmpv instance that loops sponsors, cuts in clips, draws overlays
and records proof-of-play (``neopro player``).

- :class:`Player` — the playback state machine (phase loops, triggers, back to the loop).
- :class:`PlayerSettings` — how it runs on this machine (``PlayerSettings.from_env()``).
- :func:`run_player` — the whole process: player, hub link, timers, systemd notify.
"""

from .app import run_player
from .commands import PlayError
from .player import Player
from .settings import PlayerSettings

__all__ = ["PlayError", "Player", "PlayerSettings", "run_player"]
