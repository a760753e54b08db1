"""A readable diff between two configuration documents: what was added, removed or changed, where.

Lists of items with an ``id`` (videos, categories, sponsors) are compared by id, so moving
one item does not show every later item as changed.
"""

from __future__ import annotations

from typing import Any

from .schemas import ConfigChange


def diff(old: Any, new: Any, path: str = "$") -> list[ConfigChange]:
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[ConfigChange] = []
        for key in sorted(set(old) | set(new), key=str):
            here = f"{path}.{key}"
            if key not in new:
                out.append(ConfigChange(path=here, change="removed", old=old[key]))
            elif key not in old:
                out.append(ConfigChange(path=here, change="added", new=new[key]))
            else:
                out.extend(diff(old[key], new[key], here))
        return out
    if isinstance(old, list) and isinstance(new, list) and _keyed(old) and _keyed(new):
        old_ids = {item["id"]: item for item in old}
        new_ids = {item["id"]: item for item in new}
        out = []
        for item in old:
            if item["id"] not in new_ids:
                out.append(ConfigChange(path=f"{path}[id={item['id']}]", change="removed", old=item))
        for item in new:
            here = f"{path}[id={item['id']}]"
            if item["id"] not in old_ids:
                out.append(ConfigChange(path=here, change="added", new=item))
            else:
                out.extend(diff(old_ids[item["id"]], item, here))
        if [i["id"] for i in old if i["id"] in new_ids] != [i["id"] for i in new if i["id"] in old_ids]:
            out.append(
                ConfigChange(
                    path=f"{path}[*]",
                    change="changed",
                    old=[i["id"] for i in old],
                    new=[i["id"] for i in new],
                )
            )
        return out
    if old != new:
        return [ConfigChange(path=path, change="changed", old=old, new=new)]
    return []


def _keyed(items: list[Any]) -> bool:
    return all(isinstance(i, dict) and "id" in i for i in items)
