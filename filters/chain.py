"""Replaying a nested chain: each linked argument must be a value an earlier result returned.

`meta.links` lists the dependencies a generator planned (from the seeds' links):
`{"message": i, "call": j, "argument": "offer_id", "from_message": k, "output": "offers[*].offer_id"}`
says the j-th call of assistant turn i takes `offer_id` from tool message k at that path
(`[*]` any list element, `[0]` one, `a.b` a key). The replay reads the tool message's JSON,
collects the values at the path and fails with `unused_tool_result` when the argument is not
one of them (a chain whose second call ignores the first result). A link of the wrong shape is
a format/invalid_record issue.

A link may also say how the user picked the item: `"items": "offers[*]"` (the things chosen
among), `"value": "offer_id"` (the path inside the chosen item) and `"select"` (a
filters.selection rule: first, cheapest, highest_rated, nearest, where, matching). The replay
then picks the item by the rule and fails with `wrong_selection` when the argument is another
item's value (which also catches an offer's id with another offer's price), or when the rule
picks no single item (two offers tie for the cheapest).
"""

from __future__ import annotations

import re
from typing import Any

from filters.base import Issue, call_path, decoded
from filters.match import same_value
from filters.selection import pick, rule_problem, rule_words
from pipeline.record import Conversation

_STEP = re.compile(r"([^.\[\]]+)|\[(\*|\d+)\]")


def values_at(value: Any, path: str) -> list[Any]:
    """Every value at `path` in `value` (a JSON document): `offers[*].offer_id` gives each offer's id."""
    current = [value]
    for key, index in _STEP.findall(path):
        found: list[Any] = []
        for item in current:
            if key and isinstance(item, dict) and key in item:
                found.append(item[key])
            elif index == "*" and isinstance(item, list):
                found.extend(item)
            elif index and index != "*" and isinstance(item, list) and int(index) < len(item):
                found.append(item[int(index)])
        current = found
    return current


def _shape_problem(link: Any, record: Conversation) -> str | None:
    if not isinstance(link, dict):
        return "a link must be an object"
    for key in ("message", "call", "from_message"):
        value = link.get(key)
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or value < 0
            or (key != "call" and value >= len(record.messages))
        ):
            return f"{key} must be an index into the record"
    if not isinstance(link.get("argument"), str) or not isinstance(link.get("output"), str):
        return "argument and output must be strings"
    if "select" in link:
        if not isinstance(link.get("items"), str) or not isinstance(link.get("value"), str):
            return "a link with select needs items and value paths"
        return rule_problem(link["select"])
    return None


def chain_issues(record: Conversation) -> list[Issue]:
    """`unused_tool_result` for every planned link the record's calls do not follow."""
    links = record.meta.get("links") if isinstance(record.meta, dict) else None
    if not links:
        return []
    if not isinstance(links, list):
        return [Issue("format", "invalid_record", "meta.links", "meta.links must be a list")]
    issues = []
    for number, link in enumerate(links):
        problem = _shape_problem(link, record)
        if problem:
            issues.append(Issue("format", "invalid_record", f"meta.links[{number}]", problem))
            continue
        message, source = record.messages[link["message"]], record.messages[link["from_message"]]
        calls = message.tool_calls or []
        if source.role != "tool" or link["call"] >= len(calls) or link["from_message"] >= link["message"]:
            issues.append(
                Issue(
                    "format",
                    "invalid_record",
                    f"meta.links[{number}]",
                    "the link does not point from a tool result to a later call",
                )
            )
            continue
        arguments = calls[link["call"]].function.arguments
        if not isinstance(arguments, dict):
            continue  # format reports it
        path = f"{call_path(link['message'], link['call'])}.function.arguments.{link['argument']}"
        returned = values_at(decoded(source.content or ""), link["output"])
        if link["argument"] not in arguments:
            issues.append(
                Issue(
                    "grounding",
                    "unused_tool_result",
                    path,
                    f"the call leaves out {link['argument']}, which the earlier result gives",
                )
            )
        elif not any(same_value(arguments[link["argument"]], value) for value in returned):
            issues.append(
                Issue(
                    "grounding",
                    "unused_tool_result",
                    path,
                    f"{link['argument']}={arguments[link['argument']]!r} is not among the values "
                    f"messages[{link['from_message']}] returned at {link['output']}",
                )
            )
        elif "select" in link:
            problem = selection_problem(decoded(source.content or ""), link, arguments[link["argument"]])
            if problem:
                issues.append(Issue("grounding", "wrong_selection", path, problem))
    return issues


def selected_value(result: Any, link: dict[str, Any]) -> tuple[list[Any], str]:
    """(the values at the link's `value` path in the item its rule picks from `result`, "") or
    ([], why no single item is picked)."""
    items = values_at(result, link["items"]) if link["items"] else [result]
    index, why = pick(items, link["select"])
    if index is None:
        return [], why
    return (values_at(items[index], link["value"]) if link["value"] else [items[index]]), ""


def selection_problem(result: Any, link: dict[str, Any], argument: Any) -> str | None:
    """Why `argument` is not the value of the item the link's rule picks, or None."""
    values, why = selected_value(result, link)
    words = rule_words(link["select"])
    if not values:
        return f"the request asks for {words}, but {why}"
    if not any(same_value(argument, value) for value in values):
        return f"{link['argument']}={argument!r} is not from {words} ({link['items']}), which gives {values[0]!r}"
    return None
