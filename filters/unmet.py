"""`unmet_request`: the request names an option of the called tool that the call does not carry.

Grounding asks whether each argument was said; this asks the reverse for the options a tool
lists by name. "Show me the most popular episodes of The Daily" answered with
`get_podcast_episodes(podcast_name="The Daily")`, or "a business class ticket" with no
`cabin_class`, is a call that does less than asked: a model trained on it learns to drop what the
user said. Only string enum values of the called tool's top-level parameters (and of their array
items) count, matched as whole words ("premium_economy" as "premium economy"). A value is not
unmet when the call carries it, it is the parameter's default, it is part of another argument's
value, an argument name or a function name of the same request's calls ("home" in the query "home office
chair", "thermostat" before set_thermostat), the words around it deny it ("he doesn't use
WhatsApp"), or the parameter's value the call does carry is named too ("newest to oldest"). Words
with everyday senses ("first", "home") count only next to a word of the parameter's name
("first class" for cabin_class). A request that leaves the choice open ("lock or unlock the back
door?", "lights on or off") is unmet by a call that picks one it says nowhere else. A request
that names an optional parameter without a default that the call leaves out ("set the brightness
to 60", "restaurants in cuisine") is unmet too, unless the name is a plain word (`_PLAIN_NAMES`),
left open ("any cuisine") or denied, or part of a value the calls carry.
"""

from __future__ import annotations

import re
from typing import Any

from filters.base import Issue, call_path
from pipeline.record import Conversation

# enum values that name no choice of their own when a person says them
_GENERIC = frozenset({"none", "any", "all", "both", "other", "default", "auto", "unknown", "custom", "general"})
# enum values with an everyday sense ("book the first one", "working from home"): said only with the parameter's name
_EVERYDAY = frozenset(
    {"first", "last", "next", "home", "open", "free", "light", "high", "low", "best", "daily", "normal", "regular"}
    | {"standard", "basic", "simple", "public", "private", "new", "closed", "done", "active", "live", "local"}
)
# parameter names a request says without asking for that option ("the name of", "what date")
_PLAIN_NAMES = frozenset(
    {"name", "names", "type", "query", "text", "message", "date", "time", "status", "notes", "note", "title"}
    | {"description", "location", "details", "info", "data", "value", "amount", "items", "list", "limit", "page"}
    | {"format", "language", "units", "count", "reason", "source", "scope", "mode", "level", "order", "filter"}
)
_OPEN = re.compile(r"\b(?:any|all|every|whatever|no matter(?: the| what)?)\W*$")
_DENIED = re.compile(r"\b(?:not|no|never|without|don't|doesn't|didn't|isn't|won't|nor)\b(?:\W+\w+){0,3}\W*$")


def _phrase(value: str) -> str:
    return re.sub(r"[\s_\-]+", " ", value.strip().lower())


def _said(phrase: str, text: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text) is not None


def _asked(phrase: str, parameter: str, text: str) -> bool:
    """Whether the text asks for `phrase` (said, not denied; an everyday word only beside the parameter's name)."""
    names = [word for word in parameter.lower().split("_") if len(word) > 2]
    for match in re.finditer(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text):
        if _DENIED.search(text[: match.start()]):
            continue
        if phrase in _EVERYDAY:
            around = text[max(0, match.start() - 20) : match.end() + 20].split()
            if not any(word.strip(".,!?") in names for word in around):
                continue
        return True
    return False


def _options(schema: dict[str, Any]) -> dict[str, tuple[list[str], Any]]:
    """parameter -> (its string enum values, its default), for top-level enums and enum array items."""
    found = {}
    for name, spec in (schema.get("properties") or {}).items():
        if not isinstance(spec, dict):
            continue
        items = spec.get("items") if spec.get("type") == "array" and isinstance(spec.get("items"), dict) else spec
        values = items.get("enum") if isinstance(items, dict) else None
        if isinstance(values, list) and all(isinstance(value, str) for value in values):
            found[name] = (values, spec.get("default"))
    return found


def _open_choice(values: list[str], given: set[str], text: str, carried: set[str]) -> str | None:
    """Lock or unlock: the call sets one of the two, the request says it nowhere else, and no
    call of the request takes the other ("telegram or signal" checked on both)."""
    phrases = sorted({_phrase(value) for value in values}, key=len, reverse=True)
    options = "|".join(re.escape(phrase) for phrase in phrases)
    for match in re.finditer(rf"(?<![\w])({options})\s+or\s+({options})(?![\w])", text):
        pair = {match.group(1), match.group(2)}
        if len(pair) == 2 and given & pair and not pair <= carried:
            rest = f"{text[: match.start()]} {text[match.end() :]}"
            if not any(_said(value, rest) for value in given):
                return match.group(0)
    return None


def _named_unset(name: str, spec: Any, arguments: dict[str, Any], text: str, carried: set[str]) -> bool:
    """The request names optional parameter `name` ("brightness", "cuisine": its words, a plural
    too) and the call leaves it out; a plain, defaulted, open, denied or carried name does not count."""
    phrase = _phrase(name)
    if name in arguments or not isinstance(spec, dict) or "default" in spec or phrase in _PLAIN_NAMES:
        return False
    if len(phrase) < 5 or any(phrase in other for other in carried):  # another call's argument, or inside a value
        return False
    for match in re.finditer(rf"(?<![\w]){re.escape(phrase)}s?(?![\w])", text):
        before = text[: match.start()]
        if not (_DENIED.search(before) or _OPEN.search(before)):
            return True
    return False


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [_phrase(value)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    return []


def _requests(record: Conversation):
    """(first message index, end index) of each request: the messages up to and including an answer without calls."""
    start = 0
    for index, message in enumerate(record.messages):
        if message.role == "assistant" and not message.tool_calls:
            yield start, index + 1
            start = index + 1
    if start < len(record.messages):
        yield start, len(record.messages)


def _keys(value: Any) -> list[str]:
    """Argument names at any depth, as words ("device_id" -> "device id"): a request that spells one names no option."""
    if isinstance(value, dict):
        return [_phrase(key) for key in value] + [text for item in value.values() for text in _keys(item)]
    if isinstance(value, list):
        return [text for item in value for text in _keys(item)]
    return []


def unmet_requests(record: Conversation) -> list[Issue]:
    """One issue per option the user's words of a request name and a call answering it leaves out or sets otherwise."""
    schemas, issues = record.tool_schemas(), []
    for start, end in _requests(record):
        turns = [(index, record.messages[index]) for index in range(start, end) if record.messages[index].tool_calls]
        carried = {
            text
            for _, message in turns
            for call in message.tool_calls
            for text in [
                _phrase(call.function.name),
                *_strings(call.function.arguments),
                *_keys(call.function.arguments),
            ]
        }
        previous = start
        for index, message in turns:
            said = [(i, m.content) for i, m in enumerate(record.messages[:index]) if i >= start and m.role == "user"]
            text = _phrase(" ".join(content for _, content in said if isinstance(content, str)))
            # a parameter is named for this call only in the user's words since the last call turn
            recent = _phrase(" ".join(c for i, c in said if i > previous and isinstance(c, str))) or text
            issues += _unmet(message, index, text, carried, schemas, recent)
            previous = index
    return issues


def _unmet(message, index: int, text: str, carried: set[str], schemas: dict, recent: str = "") -> list[Issue]:
    """The unmet options of one call turn, given the request's words before it (`recent`: those
    since the previous call turn) and every value its calls carry."""
    issues = []
    for number, call in enumerate(message.tool_calls):
        arguments = call.function.arguments
        if not isinstance(arguments, dict):
            continue
        schema = schemas.get(call.function.name) or {}
        required = set(schema.get("required") or [])
        for name, spec in (schema.get("properties") or {}).items():
            if name not in required and _named_unset(name, spec, arguments, recent or text, carried):
                issues.append(
                    Issue(
                        "grounding",
                        "unmet_request",
                        f"{call_path(index, number)}.function.arguments.{name}",
                        f"the request names {_phrase(name)!r} but the call leaves {name} out",
                    )
                )
        for name, (values, default) in _options(schema).items():
            if name not in arguments and any(issue.path.endswith(f".arguments.{name}") for issue in issues):
                continue  # named and left out: said once
            given = {_phrase(value) for value in _strings(arguments.get(name))}
            choice = _open_choice(values, given, text, carried)
            if choice:
                issues.append(
                    Issue(
                        "grounding",
                        "unmet_request",
                        f"{call_path(index, number)}.function.arguments.{name}",
                        f"the request leaves {choice!r} open but the call sets {arguments[name]!r}",
                    )
                )
                continue
            if given and any(_said(value, text) for value in given):
                continue  # the value the call carries is named too
            for value in values:
                phrase = _phrase(value)
                if (
                    len(phrase) < 4
                    or phrase in _GENERIC
                    or phrase in given
                    or value == default
                    or any(phrase in other for other in carried)
                    or not _asked(phrase, name, text)
                ):
                    continue
                issues.append(
                    Issue(
                        "grounding",
                        "unmet_request",
                        f"{call_path(index, number)}.function.arguments.{name}",
                        f"the request asks for {name} {value!r} but the call "
                        + (f"sets {arguments[name]!r}" if name in arguments else "leaves it out"),
                    )
                )
                break
    return issues
