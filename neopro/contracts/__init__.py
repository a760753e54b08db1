"""The contracts every Neopro process shares, each defined once (see ARCHITECTURE.md).

- :mod:`.site_config` — the versioned site configuration document.
- :mod:`.wire` — the edge wire protocol between phones, hub and player.
- :mod:`.proof_of_play` — the proof-of-play event.
- The device API payloads (agent <-> cloud) live in :mod:`.device_api`.
"""

from ._errors import ContractError, convert, decode_json
from ._types import Id, Owner, Phase, Sha256, Trigger, is_sha256
from .proof_of_play import PlaybackError, ProofOfPlay
from .site_config import (
    Category,
    LoopSlot,
    SiteConfig,
    SiteInfo,
    Sponsor,
    Video,
    check_site_config,
    encode_site_config,
    parse_site_config,
)

__all__ = [
    "Category",
    "ContractError",
    "Id",
    "LoopSlot",
    "Owner",
    "Phase",
    "PlaybackError",
    "ProofOfPlay",
    "Sha256",
    "SiteConfig",
    "SiteInfo",
    "Sponsor",
    "Trigger",
    "Video",
    "check_site_config",
    "convert",
    "decode_json",
    "encode_site_config",
    "is_sha256",
    "parse_site_config",
]
