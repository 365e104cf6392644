"""The original typed mistakes: each yields candidate rejected turns for a decision, most
plausible first (pipeline.pairs.build verifies them)."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator

from filters.match import same_value
from filters.schema import validator_for
from pipeline.pairs.base import _NONE, Decision, Turn, _fits, _json_type, _properties, _replace, _with_calls


def wrong_function(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A call to another offered tool (same domain first), filled with the call's own values: a
    same-named argument keeps its value, a required one takes another of the call's values that
    fits its schema (a sibling tool, the values mapped over: still grounded, still schema-valid)."""
    offered = [tool.function.name for tool in decision.record.tools]
    for number, call in enumerate(decision.calls):
        domain = decision.domains.get(call["name"])
        others = sorted(
            (name for name in offered if name != call["name"]),
            key=lambda name: (decision.domains.get(name) != domain or domain is None, rng.random()),
        )
        for name in others:
            schema = decision.schema(name) or {}
            properties = _properties(schema)
            arguments = {key: value for key, value in call["arguments"].items() if key in properties}
            spare = [value for key, value in call["arguments"].items() if key not in arguments]
            for key in schema.get("required") or []:
                if key in arguments or not isinstance(properties.get(key), dict):
                    continue
                fits = next((value for value in spare if _fits(schema, key, value)), _NONE)
                if fits is not _NONE:
                    arguments[key] = fits
                    spare.remove(fits)
            if all(key in arguments for key in schema.get("required") or []) and validator_for(schema).is_valid(
                arguments
            ):
                yield _replace(decision, number, name, arguments)


def wrong_value(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """Two values swapped (inside a call, or between two calls of one function), or a value the
    conversation gave for the same argument in another turn."""
    calls = decision.calls
    for number, call in enumerate(calls):
        keys = list(call["arguments"])
        for a in range(len(keys)):
            for b in range(a + 1, len(keys)):
                left, right = call["arguments"][keys[a]], call["arguments"][keys[b]]
                if _json_type(left) == _json_type(right) and not same_value(left, right):
                    yield _replace(decision, number, call["name"], {**call["arguments"], keys[a]: right, keys[b]: left})
    for a in range(len(calls)):
        for b in range(a + 1, len(calls)):
            if calls[a]["name"] != calls[b]["name"]:
                continue
            for key in calls[a]["arguments"]:
                left, right = calls[a]["arguments"][key], calls[b]["arguments"].get(key)
                if key in calls[b]["arguments"] and not same_value(left, right):
                    swapped = copy.deepcopy(calls)
                    swapped[a]["arguments"][key], swapped[b]["arguments"][key] = right, left
                    if not all(same_value(x, y) for x, y in zip(swapped, calls)) and swapped != [calls[b], calls[a]]:
                        yield _with_calls(decision, swapped)
    earlier = [
        call.function for message in decision.record.messages[: decision.index] for call in message.tool_calls or []
    ]
    for number, call in enumerate(calls):
        for other in earlier:
            if not isinstance(other.arguments, dict):
                continue
            for key, value in other.arguments.items():
                if (
                    key in call["arguments"]
                    and not same_value(value, call["arguments"][key])
                    and _json_type(value) == _json_type(call["arguments"][key])
                ):
                    yield _replace(decision, number, call["name"], {**call["arguments"], key: value})


def invented_value(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A value nobody said: the schema's own example copied in, or a number off by one."""
    for number, call in enumerate(decision.calls):
        schema = decision.schema(call["name"]) or {}
        properties = _properties(schema)
        for key, value in call["arguments"].items():
            spec = properties.get(key) if isinstance(properties.get(key), dict) else {}
            for example in spec.get("examples") or []:
                if (
                    _json_type(example) == _json_type(value)
                    and not same_value(example, value)
                    and _fits(schema, key, example)
                ):
                    yield _replace(decision, number, call["name"], {**call["arguments"], key: example})
            if isinstance(value, (int, float)) and not isinstance(value, bool) and _fits(schema, key, value + 1):
                yield _replace(decision, number, call["name"], {**call["arguments"], key: value + 1})


def wrong_order(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """Dependent calls of one turn (an ordered reference) in another order."""
    calls = decision.calls
    if len(calls) >= 2:
        yield _with_calls(decision, list(reversed(calls)))


def missing_call(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """One of the parallel calls left out."""
    calls = decision.calls
    if len(calls) >= 2:
        for number in rng.sample(range(len(calls)), len(calls)):
            yield _with_calls(decision, calls[:number] + calls[number + 1 :])


def extra_call(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """One call made twice."""
    calls = decision.calls
    for number in range(len(calls)):
        yield _with_calls(decision, calls[: number + 1] + [copy.deepcopy(calls[number])] + calls[number + 1 :])


def missing_required(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A required argument left out."""
    for number, call in enumerate(decision.calls):
        for key in (decision.schema(call["name"]) or {}).get("required") or []:
            if key in call["arguments"]:
                yield _replace(decision, number, call["name"], {k: v for k, v in call["arguments"].items() if k != key})


HALLUCINATED = ("verbose", "confirm", "include_details", "force", "dry_run")


def hallucinated_argument(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """An argument the tool does not have (a flag models like to invent)."""
    for number, call in enumerate(decision.calls):
        schema = decision.schema(call["name"]) or {}
        if schema.get("additionalProperties", False) is not False:
            continue
        for key in HALLUCINATED:
            if key not in _properties(schema):
                yield _replace(decision, number, call["name"], {**call["arguments"], key: True})
                break


def wrong_type(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A number or boolean written as a string ("5" for 5)."""
    for number, call in enumerate(decision.calls):
        for key, value in call["arguments"].items():
            if isinstance(value, bool):
                yield _replace(decision, number, call["name"], {**call["arguments"], key: str(value).lower()})
            elif isinstance(value, (int, float)):
                yield _replace(decision, number, call["name"], {**call["arguments"], key: json.dumps(value)})


def enum_violation(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """An enum value in another spelling ("Celsius" for "celsius")."""
    for number, call in enumerate(decision.calls):
        properties = _properties(decision.schema(call["name"]))
        for key, value in call["arguments"].items():
            allowed = (properties.get(key) or {}).get("enum") if isinstance(properties.get(key), dict) else None
            if isinstance(value, str) and allowed:
                for variant in (value.upper(), value.title(), value.lower(), value.replace("_", " ")):
                    if variant not in allowed:
                        yield _replace(decision, number, call["name"], {**call["arguments"], key: variant})
                        break


def call_in_no_call(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A call where the right answer was words (no tool fits, or a value is missing)."""
    if decision.calls or decision.record.category != "no_call":
        return
    for tool in decision.record.tools:
        if not tool.function.parameters.get("required"):
            yield _with_calls(decision, [{"name": tool.function.name, "arguments": {}}])


def ignored_result(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A linked argument (meta.links) given a value said earlier instead of the one the result returned."""
    earlier = [
        call.function.arguments
        for message in decision.record.messages[: decision.index]
        for call in message.tool_calls or []
        if isinstance(call.function.arguments, dict)
    ]
    for link in decision.record.meta.get("links") or []:
        if not isinstance(link, dict) or link.get("message") != decision.index or not isinstance(link.get("call"), int):
            continue
        calls = decision.calls
        if link["call"] >= len(calls) or link.get("argument") not in calls[link["call"]]["arguments"]:
            continue
        call, key = calls[link["call"]], link["argument"]
        schema = decision.schema(call["name"]) or {}
        for arguments in earlier:
            for value in arguments.values():
                if (
                    not same_value(value, call["arguments"][key])
                    and _json_type(value) == _json_type(call["arguments"][key])
                    and _fits(schema, key, value)
                ):
                    yield _replace(decision, link["call"], call["name"], {**call["arguments"], key: value})


PROMISES = (
    "Sure, I'll look into that for you.",
    "Let me check that and get back to you.",
    "I can help with that. One moment.",
)


def prose_instead_of_call(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """Words where a call was right: the assistant promises to look and calls nothing."""
    if decision.calls:
        yield {"role": "assistant", "content": rng.choice(PROMISES)}
