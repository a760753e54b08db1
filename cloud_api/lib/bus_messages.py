"""What instances tell each other over the push bus: one typed struct per event.

The bus (:mod:`cloud_api.lib.bus`) carries these as JSON tagged by ``kind``; the wire shape is
the one the dict literals had (``{"kind": "command", "site_id": ...}``), so instances of the
previous release and this one understand each other during a rolling restart.
"""

from __future__ import annotations

import msgspec


class CommandQueued(msgspec.Struct, tag="command", tag_field="kind", kw_only=True):
    """A command was queued for the site: the instance holding its socket pushes it."""

    site_id: str
    command_id: str | None = None


class ConfigPublished(msgspec.Struct, tag="config", tag_field="kind", kw_only=True):
    """A new config version was published: forget cached manifests, tell the agent."""

    site_id: str
    version: int


class DeviceRevoked(msgspec.Struct, tag="revoke", tag_field="kind", kw_only=True):
    """A device credential was revoked: forget it and close its socket."""

    device_id: str


BusMessage = CommandQueued | ConfigPublished | DeviceRevoked

_decoder = msgspec.json.Decoder(BusMessage)
_encoder = msgspec.json.Encoder()


def encode(message: BusMessage) -> str:
    return _encoder.encode(message).decode()


def decode(payload: str | bytes) -> BusMessage:
    """Raises msgspec.ValidationError / DecodeError on a message of an unknown kind or shape."""
    return _decoder.decode(payload)
