"""Platform-locked items: what the platform put in a site's configuration stays as it put it.

A club admin may add, change and remove the club's own videos, sponsors, categories and loop
slots, but not change, remove or add an item whose owner is ``platform``. The platform admin
may do anything.
"""

from __future__ import annotations

from typing import Any

import msgspec

from cloud_api.server.errors import FieldError
from neopro.contracts import Owner, SiteConfig


def check_locks(base: SiteConfig | None, new: SiteConfig) -> None:
    for name in ("videos", "sponsors", "categories"):
        old_items = {i.id: i for i in getattr(base, name, [])} if base else {}
        new_items: list[Any] = getattr(new, name)
        new_index = {item.id: n for n, item in enumerate(new_items)}
        for item_id, item in old_items.items():
            if item.owner is not Owner.PLATFORM:
                continue
            if item_id not in new_index:
                raise FieldError(
                    403, f"$.{name}", f"{item_id!r} is locked by the platform: it cannot be removed"
                )
            if _plain(new_items[new_index[item_id]]) != _plain(item):
                raise FieldError(
                    403,
                    f"$.{name}[{new_index[item_id]}]",
                    f"{item_id!r} is locked by the platform: it cannot be changed",
                )
        for n, item in enumerate(new_items):
            if item.owner is Owner.PLATFORM and item.id not in old_items:
                raise FieldError(
                    403, f"$.{name}[{n}].owner", "only the platform can add platform-owned items"
                )
    for phase in set(new.loops) | set(base.loops if base else {}):
        before = [s.video for s in (base.loops.get(phase, []) if base else []) if s.owner is Owner.PLATFORM]
        after = [s.video for s in new.loops.get(phase, []) if s.owner is Owner.PLATFORM]
        if before != after:
            raise FieldError(
                403,
                f"$.loops.{phase.value}",
                "the platform's sponsor slots of this loop cannot be changed, moved or removed",
            )


def _plain(item: Any) -> Any:
    return msgspec.to_builtins(item)
