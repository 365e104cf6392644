"""A made-up result that a chain's selection rule can choose from: exactly one item qualifies.

A mocked or simulated result is drawn without the request's rule in mind: two offers may tie for
the cheapest, no device may be the thermostat, or two may. `settle` changes such a result as
little as it can so the rule the request states (filters.selection) picks one item: a tie is
broken by moving the others' value a step away, a missing thermostat or named item is given to
one item, and extra ones are left out of the list. An executed result is never settled: its
chain stops when the rule picks nothing (generate/nested.py).
"""

from __future__ import annotations

import copy
import random
from typing import Any

from filters.chain import values_at
from filters.selection import pick


def settle(result: Any, links: list[dict[str, Any]], rng: random.Random) -> Any:
    """`result` changed so each link's rule picks one item (links: Task.links entries read from it)."""
    result = copy.deepcopy(result)
    for link in links:
        rule, path = link.get("select"), link.get("items")
        if not rule or not path or rule["rule"] == "first":
            continue
        holder, key = _holder(result, path)
        if holder is None:
            continue
        items = holder[key]
        if not items or pick(items, rule)[0] is not None:
            continue
        field = rule["field"]
        if rule["rule"] in ("where", "matching"):
            hits = [i for i, item in enumerate(items) if pick([item], rule)[0] == 0]
            if hits:  # more than one: keep one of them
                keep = rng.choice(hits)
                holder[key] = [item for i, item in enumerate(items) if i == keep or i not in hits]
            else:
                dicts = [item for item in items if isinstance(item, dict)]
                if dicts:
                    rng.choice(dicts)[field] = rule["value"]
            continue
        numbers = [item for item in items if isinstance(item, dict) and isinstance(item.get(field), (int, float))]
        if not numbers:
            continue
        best = (max if rule["rule"] == "highest_rated" else min)(item[field] for item in numbers)
        tied = [item for item in numbers if item[field] == best]
        for item in tied[1:] if len(tied) > 1 else []:  # the first of the tie keeps the best value
            step = (
                1
                if isinstance(best, int)
                else (0.1 if rule["rule"] == "highest_rated" else round(abs(best) * 0.05, 2) or 0.5)
            )
            moved = best - step if rule["rule"] == "highest_rated" else best + step
            item[field] = moved if isinstance(best, int) else round(moved, 2)
    return result


def _holder(result: Any, path: str) -> tuple[Any, Any]:
    """The container and key of the list at `path` (`offers[*]` -> (result, "offers")); (None, None)
    when it is nested under another list or absent."""
    inner = path.removesuffix("[*]")
    if "[" in inner:
        return None, None
    parent, _, key = inner.rpartition(".")
    found = values_at(result, parent) if parent else [result]
    if len(found) != 1 or not isinstance(found[0], dict) or not isinstance(found[0].get(key), list):
        return None, None
    return found[0], key
