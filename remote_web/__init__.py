"""The edge hub on the Pi: the phone remote at ``/``, the local admin at ``/admin``, ``/ws``.

Phones and the player connect to ``/ws``; the hub relays the phones' commands to the
player and the live state back to every phone, and keeps the match state in ``state.db``.
"""

from .app import create_app
from .auth import set_credentials
from .settings import Settings

__all__ = ["Settings", "create_app", "set_credentials"]
