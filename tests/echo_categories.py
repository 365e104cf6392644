"""The echo teacher's answers for the parallel, nested, multi_turn and no_call prompts.

A good teacher in every step: it phrases what it is shown (remembering which calls each text
stands for), splits its own parallel requests, solves from the conversation (follow-ups
merged with the earlier call, linked values read from earlier results, a missing value taken
from the user's answer), writes tool results from the result schema, and replies without
inventing numbers. `answer(body)` returns None for prompts it does not know (single's).
"""

from __future__ import annotations

import json
import random
import re
from datetime import datetime
from typing import Any

from filters.base import decoded
from filters.chain import values_at
from filters.gazetteer import gazetteer
from filters.schema import fits_parameter
from filters.selection import parse_rule, pick
from pipeline.generate.steps import NONE_ACTION
from pipeline.mock import mock_result, relocated
from pipeline.scenario import Scenario
from pipeline.seeds import load_tools
from pipeline.seeds.entities import bundled_entities
from pipeline.seeds.links import load_links
from tests import fake_openai as fake

_TOOLS = {tool.name: tool for tool in load_tools()}
_LINKS = load_links(None, list(_TOOLS.values()))
_CHAINS: dict[str, list[dict[str, Any]]] = {}  # nested request text -> its calls (linked arguments absent)
# nested request text -> (tool, input) -> (how it chose, the tool whose result it reads)
_CHAIN_RULES: dict[str, dict[tuple[str, str], tuple[str, str]]] = {}
_CHOICE = re.compile(r"^- (\w+): from the result of step (\d+) \((.*)\)$", re.MULTILINE)
_NOT_KNOWN = re.compile(r"^- (\w+): not known yet(?: \((.*)\))?$", re.MULTILINE)  # nested per_step phrasing
_STEPS: dict[str, tuple[dict[str, Any], dict[tuple[str, str], tuple[str, str | None]]]] = {}  # step text -> call, rules
_FREE_LINK = re.compile(r"(\w+) gives \S+ for (\w+)'s (\w+) \(choose ([^)]*)\)")
_FOLLOWUPS: set[str] = set()  # texts that restate only what changed
_RETURNED = re.compile(r"^tool (\S+) returned: (.*)$", re.MULTILINE)
_CALLED = re.compile(r"^assistant called ([A-Za-z0-9_-]+)\((.*)\)$", re.MULTILINE)
QUESTIONS = (
    "Could you explain how a rainbow forms, in simple words for my niece?",
    "What is a good way to start learning to juggle three balls?",
    "Can you suggest a kind message for my grandmother's birthday card?",
    "Why do cats purr when they are content?",
    "How should I prepare for a job interview at a small design studio?",
    "What does the idiom 'break the ice' mean?",
    "How often should I water a snake plant in winter?",
    "Could you write a short poem about autumn leaves?",
    "What is the difference between affect and effect?",
    "How do I explain fractions to a seven year old?",
    "Which classic novel would you recommend to a curious teenager?",
    "How does a bowline knot stay so secure?",
)


_WHY = (
    "I am asking because my sister keeps bringing it up at dinner.",
    "My team at work argued about this all afternoon.",
    "It came up while I was planning the weekend with my flatmate.",
    "My grandfather asked me and I had no good answer.",
    "I need it before my evening class starts at seven.",
    "Our book club wants to settle the question once and for all.",
    "I promised my nephew Jonas I would find out today.",
    "It is for a short talk I am giving to the cycling group.",
    "A colleague mentioned it and now I am curious.",
    "I was reading about it on the train this morning.",
    "My landlady asked and I said I would check.",
    "The choir director brought it up during rehearsal.",
)


def _invent(name: str, seed: int, scenario: Scenario | None = None) -> dict[str, Any]:
    return fake.values_for(name, _TOOLS[name].to_tool().function.parameters, seed, scenario)


def _chain_request(names: list[str], seed: int, prompt: str = "") -> tuple[str, list[dict[str, Any]]]:
    """A free-mode nested request: values for every step from one scenario (a good teacher's chain
    is one situation, that of the user the prompt describes), linked inputs left to the results,
    and how to choose each item said as the prompt's links give it."""
    calls = []
    today = getattr(fake._REQUEST, "today", None) or "2026-03-01"
    scenario = Scenario(random.Random(seed), datetime.fromisoformat(f"{today}T09:00:00+00:00"), bundled_entities())
    described = [p for p in bundled_entities().get("persona") or [] if p.get("about") and p["about"] in prompt]
    scenario.persona = described[0] if described else scenario.persona  # the clinic the result names is near them
    rules = {(target, key): (words, source) for source, target, key, words in _FREE_LINK.findall(prompt)}
    for step, name in enumerate(names):
        arguments = _invent(name, seed + step, scenario)
        for target, key in rules:
            if target == name:
                arguments.pop(key, None)
        calls.append({"name": name, "arguments": arguments})
    text = fake._PHRASE_PREFIX + " then ".join(fake.phrase(call).removeprefix(fake._PHRASE_PREFIX) for call in calls)
    text += _said_choices(rules)
    _CHAINS[text] = calls
    _CHAIN_RULES[text] = rules
    return text, calls


def _said_choices(rules: dict[tuple[str, str], tuple[str, str]]) -> str:
    """How the request says its choices: " (take the cheapest one; the one named Front door)"."""
    said = list(dict.fromkeys(words for words, _ in rules.values() if words != "what it returns"))
    return f" (take {'; '.join(said)})" if said else ""


def _rule(words: str, link: Any) -> dict[str, Any]:
    """The selection rule a request's words state, with the field the seed link names for it."""
    declared = {parse_rule(text)["rule"]: parse_rule(text) for text in link.select}
    for kind, said in (
        ("cheapest", "the cheapest one"),
        ("highest_rated", "the best-rated one"),
        ("nearest", "the closest one"),
    ):
        if words == said and kind in declared:
            return declared[kind]
    where = re.fullmatch(r"the one whose (.+) is (.+)", words)
    if where:
        return {"rule": "where", "field": where.group(1).replace(" ", "_"), "value": where.group(2)}
    named = re.fullmatch(r"the one named (.+)", words)
    if named and "matching" in declared:
        return {**declared["matching"], "value": named.group(1)}
    return {"rule": "first"}


def _described_calls(text: str) -> list[dict[str, Any]]:
    """Calls from a describe_calls text: one block, or `Part N:` / `Step N:` blocks."""
    blocks = re.split(r"^(?:Part|Step) \d+:\n", text, flags=re.MULTILINE)
    blocks = [block for block in blocks if block.strip()]
    calls = []
    for block in blocks:
        kept = "\n".join(
            line
            for line in block.splitlines()
            if "from the result of step" not in line and not line.startswith("This is a follow-up")
        )
        calls.append(fake.parse_described_call(kept))
    return calls


def _registered(content: str) -> tuple[str, Any] | None:
    """The last text this teacher wrote that `content` quotes, with what it stands for."""
    best = None
    for registry in (fake._PHRASED, _CHAINS, _STEPS):
        for text, value in list(registry.items()):  # other request threads add to it meanwhile
            position = content.rfind(text)
            if position != -1 and (best is None or position + len(text) > best[0]):
                best = (position + len(text), text, value)
    return None if best is None else (best[1], best[2])


def _phrase(messages: list[dict[str, Any]], seed: int) -> str:
    system, content = messages[0]["content"], messages[-1]["content"]
    described = content.split("Next message:\n", 1)[-1]
    if described.startswith(("The user:", "Today is")):  # the situation line (pipeline.generate.common.situation)
        described = described.split("\n", 1)[-1]
    if described.strip().startswith("Write a question about"):  # no_call unrelated
        topic = re.search(r"asks about (.*?), which", system)
        return f"{QUESTIONS[seed % len(QUESTIONS)]} I was wondering about {topic.group(1) if topic else 'it'}."
    if "\n\nNext step:\n" in content:  # a later step of a chain phrased step by step
        described = content.split("\n\nNext step:\n", 1)[1]
        call = fake.parse_described_call(
            "\n".join(line for line in described.splitlines() if "not known yet" not in line)
        )
        rules = {
            (call["name"], key): (words or "what it returns", None) for key, words in _NOT_KNOWN.findall(described)
        }
        text = fake.phrase(call) + _said_choices(rules)
        _STEPS[text] = (call, rules)
        return text
    calls = _described_calls(described)
    if described.lstrip().startswith("Step 1:"):
        text = fake._PHRASE_PREFIX + " then ".join(
            fake.phrase(call).removeprefix(fake._PHRASE_PREFIX) for call in calls
        )
        blocks = [b for b in re.split(r"^Step \d+:\n", described, flags=re.MULTILINE) if b.strip()]
        rules = {
            (call["name"], key): (words, calls[int(step) - 1]["name"])
            for call, block in zip(calls, blocks)
            for key, step, words in _CHOICE.findall(block)
        }
        text += _said_choices(rules)
        _CHAINS[text] = calls
        _CHAIN_RULES[text] = rules
        return text
    if "This is a follow-up" in described:
        text = fake.phrase(calls[0]).replace(fake._PHRASE_PREFIX, fake._PHRASE_PREFIX + "same as before, but ")
        fake._PHRASED[text] = calls[0]
        _FOLLOWUPS.add(text)
        return text
    return " ".join(fake.phrase(call) for call in calls)


def _steps_done(content: str) -> int:
    """Chain steps made so far: calls, less those a transient error made the assistant retry."""
    retried = len(re.findall(r'^tool \S+ returned: \{"error": \{"code": "(?:rate_limited|unavailable)"', content, re.M))
    return content.count("assistant called ") - retried


def _pick(body: dict[str, Any], options: list[str]) -> str:
    content = body["messages"][-1]["content"]
    found = _registered(content)
    if found is None:
        return NONE_ACTION if NONE_ACTION in options else options[0]
    text, value = found
    name = (
        value[_steps_done(content)]["name"]
        if text in _CHAINS
        else _STEPS[text][0]["name"]
        if text in _STEPS
        else value["name"]
    )
    match = next(
        (o for o in options if fake.FakeOpenAI.action_to_name.get(o) == name or o.startswith(name + ":")), None
    )
    return match or (NONE_ACTION if NONE_ACTION in options else options[0])


def _linked(
    name: str, arguments: dict[str, Any], content: str, rules: dict[tuple[str, str], tuple[str, str]] | None = None
) -> dict[str, Any]:
    """Fill `name`'s linked inputs from the results the conversation shows: every input of a link
    from the one item the request chose (`rules`: its words per (tool, input); the first item when
    it says nothing)."""
    arguments = dict(arguments)
    results = {source: json.loads(text) for source, text in _RETURNED.findall(content)}
    for link in _LINKS:
        if link.target != name or link.source not in results:
            continue
        for key, path in link.inputs:
            words, source = (rules or {}).get((name, key), ("the first one", link.source))
            if key in arguments or source not in (None, link.source):  # the request says which result it reads
                continue
            items = values_at(results[link.source], link.items) if link.items else [results[link.source]]
            index, _ = pick(items, _rule(words, link))
            if index is None:
                continue
            found = [
                value
                for value in (values_at(items[index], path) if path else [items[index]])
                if fits_parameter(value, _TOOLS[name].parameters, key)
            ]
            if found:  # a good teacher takes the chosen item's value
                arguments[key] = found[0]
    return arguments


def _fill(body: dict[str, Any]) -> dict[str, Any]:
    messages = body["messages"]
    content = messages[-1]["content"]
    name = re.search(r"^Tool: ([A-Za-z0-9_-]+)\(", content, re.MULTILINE).group(1)
    found = _registered(content)
    if found is None:
        return {}
    text, value = found
    if text in _STEPS:  # the same text may be in fake._PHRASED too: the step's own entry says what it reads
        call, rules = _STEPS[text]
        arguments = _linked(name, call["arguments"], content, rules)
    elif text in _CHAINS:
        call = next(c for c in value if c["name"] == name)
        arguments = _linked(name, call["arguments"], content, _CHAIN_RULES.get(text))
    else:
        arguments = dict(value["arguments"])
        if (
            text in _FOLLOWUPS
        ):  # "same as before": replay this tool's requests in order, each follow-up changing a value
            asked = sorted(
                (content.rfind(t), t, c)
                for t, c in list(fake._PHRASED.items())
                if c.get("name") == name and t in content
            )
            stale = re.findall(r'"argument": "(\w+)"', content)  # a value the user corrected after an error
            fixes = [
                (m.start(), "fix", {"name": name, "arguments": {stale[-1]: m.group(1)}})
                for m in re.finditer(r"Sorry, I mistyped it\. It's (.+?)\.$", content, re.MULTILINE)
                if stale
            ]
            merged: dict[str, Any] = {}
            for _, said, call in sorted(asked + fixes, key=lambda event: event[0]):
                merged = (
                    {**merged, **call["arguments"]} if said in _FOLLOWUPS or said == "fix" else dict(call["arguments"])
                )
            arguments = merged
        given = re.search(
            r"^Request: (?:It is |It's |Use |Oh right, |The [\w ]+ is )?(.+?)(?:, please)?\.$", content, re.MULTILINE
        )
        missing = [key for key in _TOOLS[name].parameters.get("required") or [] if key not in arguments]
        fixed = re.search(r"^Request: Sorry, I mistyped it\. It's (.+?)\.$", content, re.MULTILINE)
        stale = re.findall(r'"argument": "(\w+)"', content)  # the error result names what it did not find
        if fixed and stale:
            arguments[stale[-1]] = fixed.group(1)
        elif given and missing:
            raw, kind = given.group(1), (_TOOLS[name].parameters["properties"].get(missing[0]) or {}).get("type")
            arguments[missing[0]] = re.split(r", | and ", raw) if kind == "array" else raw  # _resolve reads numbers
    today = re.search(r"Today is (\d{4}-\d{2}-\d{2})", messages[0]["content"])
    return fake._resolve({"name": name, "arguments": arguments}, today.group(1) if today else None)


_ASK_FIRST = (
    "Before I do anything: should I {actions}?",
    "Just to check, do you want me to {actions}?",
    "Shall I go ahead and {actions}?",
)


def _confirmation(system: str, seed: int) -> str:
    """A strong teacher's confirmation question: every listed action with its details, one question."""
    actions = [f"{action} ({details})" for action, details in re.findall(r"^- (.+?): (.+)$", system, re.MULTILINE)]
    joined = actions[0] if len(actions) == 1 else ", ".join(actions[:-1]) + " and " + actions[-1]
    return _ASK_FIRST[seed % len(_ASK_FIRST)].format(actions=joined)


_UNIT_KEYS = {"_c": " °C", "_f": " °F", "_km": " km", "_m": " m", "_minutes": " minutes", "_pct": "%"}
_WORDS_KEYS = ("status", "condition", "conditions", "summary", "state")


_TEMPERATURES = ("temperature", "feels_like", "high", "low")


def _spoken_key(key: str, imperial: bool = False) -> tuple[str, str]:
    """A result key as words and the unit its suffix names ("temperature_c" -> "temperature", " °C";
    a bare "temperature" is in °C, or °F with imperial units)."""
    if key in _TEMPERATURES:
        return key.replace("_", " "), " °F" if imperial else " °C"
    for suffix, unit in _UNIT_KEYS.items():
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)].replace("_", " "), unit
    return key.replace("_", " "), ""


def _shown(number: float) -> str:
    return format(number, ",") if abs(number) >= 10000 else str(number)  # 1997 is a year, not "1,997"


def _summary(context: str, seed: int) -> str:
    """What a strong teacher says after the results of the last call turn: a value or two in
    words and, every other time, one derived from them (a °C value in °F, the sum of two values
    returned under the same key, the number of items that came back)."""
    last_user = context.rfind("\nuser: ")
    found = [(name, decoded(text)) for name, text in _RETURNED.findall(context[max(0, last_user) :])]
    numbers: list[tuple[str, float]] = []
    words: list[tuple[str, str]] = []
    lists: list[int] = []

    def walk(value: Any, key: str) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, name)
        elif isinstance(value, list):
            lists.append(len(value))
            for item in value:
                walk(item, key)
        elif (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and re.fullmatch(r"[a-z_]+", key)
            and not key.endswith("id")
        ):
            numbers.append((key, value))
        elif isinstance(value, str) and key in _WORDS_KEYS and re.fullmatch(r"[A-Za-z_ -]{2,40}", value):
            words.append((key, value.replace("_", " ").lower()))

    for _, value in reversed(found):  # the latest result first
        walk(value, "")
    if not found:
        return "Done. Here is what I found in the results above."
    parts = [f"the {key} is {value}" for key, value in words[:1]]
    for key, value in numbers[:2]:
        spoken, unit = _spoken_key(key, '"imperial"' in context)
        text = f"the {spoken} is {_shown(value)}{unit}"
        if unit == " °C" and seed % 2 == 0:
            text += f" (about {round(value * 1.8 + 32)} °F)"
        parts.append(text)
    keys = [k for k, _ in numbers]
    twice = next((k for k in keys if keys.count(k) >= 2 and not _spoken_key(k)[1]), None)
    if seed % 2 == 1 and twice:
        pair = [v for k, v in numbers if k == twice][:2]
        decimals = max(len(str(v).partition(".")[2]) if isinstance(v, float) else 0 for v in pair)
        total = round(pair[0] + pair[1], decimals) if decimals else int(pair[0] + pair[1])
        parts.append(f"the first two {_spoken_key(twice)[0]} values add up to {_shown(total)}")
    if lists and lists[0] > 1 and seed % 3 == 0:
        parts.insert(0, f"{lists[0]} items came back")
    if not parts and lists:
        parts.append(f"{lists[0]} item{'s' if lists[0] != 1 else ''} came back")
    if not parts:
        return "Done: it went through, as the results above show."
    sentence = "; ".join(parts)
    return f"Here is what I found: {sentence}."


def _reply(system: str, context: str = "", seed: int = 0) -> str:
    if "first ask the user to confirm" in system:
        return _confirmation(system, seed)
    check = re.search(r"ask the user in one short question to check the (.+?)\.", system)
    if check:
        return f"I couldn't find anything for that {check.group(1)}. Could you double-check it?"
    if system.count("The tool failed ("):
        return (
            "Sorry, that didn't work: the service isn't responding right now, so nothing came back. "
            "Could you try again in a little while?"
        )
    if "Answer the user's request from the tool results" in system and "tool " in context:
        return _summary(context, seed)
    missing = re.search(r"missing (.+?) \(", system)
    if "ask ONE short, precise question" in system and missing:
        return f"Happy to help with that. Which {missing.group(1)} should I use?"
    forbidden = re.search(r"Your rules forbid you to (.+?) here, so do not", system)
    if forbidden:
        return (
            f"Sorry, I'm not able to {forbidden.group(1)} for you here; that's outside what I'm allowed to do. "
            "I'm happy to help with something else, though."
        )
    if "None of your tools can do this" in system:
        return "None of my tools can do that directly, but I can help with what they cover instead."
    if "Answer the user's question directly" in system:
        return "Good question! In short, it comes down to a few simple ideas, and I am glad to walk you through them."
    if "no tool is needed" in system:
        return "You're welcome, glad it helps!"
    if "The user said no" in system:
        return "Understood, I will leave it as it is."
    return "Done. Here is what I found in the results above."


def _reasoning(content: str) -> str:
    """A strong teacher's rationale: the call it explains, each value from the conversation."""
    calls = re.findall(r"^(\w+)\((\{.*\})\)$", content.split("The assistant now calls:", 1)[-1], re.MULTILINE)
    parts = []
    for name, arguments in calls:
        values = json.loads(arguments)
        said = ", ".join(
            f"{key.replace('_', ' ')} {('yes' if value else 'no') if isinstance(value, bool) else fake._spoken(value)}"
            for key, value in list(values.items())[:3]
        )
        parts.append(f"{name} does what the user asked; I pass the values the conversation gives ({said}).")
    return " ".join(parts) or "The user asked for this, so I make the call with the values they gave."


def _user(body: dict[str, Any]) -> str:
    messages = body["messages"]
    system, content = messages[0]["content"], messages[-1]["content"]
    seed = int(body.get("seed") or 0)
    corrected = re.search(r"give the right one, exactly this value: (.+)$", system, re.MULTILINE)
    if corrected:
        return f"Sorry, I mistyped it. It's {corrected.group(1).strip()}."
    if "say yes: the assistant may go ahead" in system:
        return ("Yes, please go ahead.", "Sure, do it.", "Yes, that's right.")[seed % 3]
    if "say no: you do not want that done" in system:
        return ("No, leave it for now.", "Actually, don't do that.", "Hold off on that, please.")[seed % 3]
    value = re.search(r"giving exactly this value: (.+)$", system, re.MULTILINE)
    if value:
        return f"It is {value.group(1).strip()}."
    goal = re.search(r"Your next message should: (.*)$", content, re.MULTILINE)
    if goal and goal.group(1).startswith("ask for something that needs this: "):
        name = fake.FakeOpenAI.describe_to_name[goal.group(1).removeprefix("ask for something that needs this: ")]
        return fake.phrase({"name": name, "arguments": _invent(name, seed)})
    if goal and goal.group(1).startswith("ask for the same as your last request"):
        found = _registered(content)
        if found and not isinstance(found[1], list):
            call = found[1]
            changed = re.search(r"but with a different (.+?);", goal.group(1))
            fresh = _invent(call["name"], seed + 1)
            keys = [k for k in fresh if changed and k.replace("_", " ") == changed.group(1)] or list(fresh)[:1]
            return fake.phrase(
                {"name": call["name"], "arguments": {**call["arguments"], **{k: fresh[k] for k in keys}}}
            )
    return (
        "Thanks, that is really helpful for my plans.",
        "Great, that sounds good to me.",
        "Perfect, thank you so much!",
    )[seed % 3]


_ADDRESS_KEY = re.compile(r"address|location")


def _near_home(result: Any, home: str, arguments: str, key: str = "") -> Any:
    """What a good simulator does with a place the call does not name: puts it where the user
    lives ("450 Sutter St, San Francisco" -> "Old town, Lisbon" for a Lisbon user)."""
    if isinstance(result, dict):
        return {k: _near_home(v, home, arguments, k) for k, v in result.items()}
    if isinstance(result, list):
        return [_near_home(v, home, arguments, key) for v in result]
    if isinstance(result, str) and _ADDRESS_KEY.search(key) and ", " in result:
        city = result.rsplit(", ", 1)[1]
        if city not in arguments and city != home:
            return relocated(result, home)  # a district of home: a street belongs to its own city
    return result


def _city_at(arguments: Any) -> str | None:
    """The city nearest the coordinates a call carries (a search around a point in Seoul finds
    places in Seoul, wherever the user lives), None without coordinates."""
    found = _coordinates(arguments)
    if found is None:
        return None
    lat, lon = found
    nearest = min(gazetteer().cities, key=lambda city: (city.lat - lat) ** 2 + (city.lon - lon) ** 2)
    return nearest.name


def _coordinates(value: Any) -> tuple[float, float] | None:
    """The first (latitude, longitude) pair in an arguments object, at any depth."""
    if isinstance(value, list):
        return next(filter(None, map(_coordinates, value)), None)
    if not isinstance(value, dict):
        return None
    lat = next((value[k] for k in ("latitude", "lat") if isinstance(value.get(k), (int, float))), None)
    lon = next((value[k] for k in ("longitude", "lon", "lng") if isinstance(value.get(k), (int, float))), None)
    if lat is not None and lon is not None:
        return float(lat), float(lon)
    return next(filter(None, map(_coordinates, value.values())), None)


def answer(body: dict[str, Any]) -> str | None:
    """The answer to a category prompt, or None when the prompt is single's (the caller's job)."""
    schema = fake.response_schema(body)
    props = set(schema.get("properties") or {})
    messages = body["messages"]
    system = messages[0]["content"]
    seed = int(body.get("seed") or 0)
    if system.startswith("You simulate the tool"):
        tool = re.search(r"^Tool: (\S+)$", messages[-1]["content"], re.MULTILINE).group(1)
        arguments = json.loads(re.search(r"^Arguments: (.*)$", messages[-1]["content"], re.MULTILINE).group(1))
        needed = re.search(r"^The result must include: (.*)$", messages[-1]["content"], re.MULTILINE)
        result = mock_result(_TOOLS[tool], arguments, seed, needed.group(1).split(", ") if needed else ())
        home = re.search(r"The user lives in (.+?): a place", system)
        city = _city_at(arguments) or (home.group(1) if home else None)  # coordinates name a place too
        return json.dumps(_near_home(result, city, json.dumps(arguments, ensure_ascii=False)) if city else result)
    if props in ({"request"}, {"request", "implausible"}):  # phrasing (implausible: strong teachers may refuse)
        return json.dumps({"request": _phrase(messages, seed)})
    if props == {"action"}:
        return json.dumps({"action": _pick(body, schema["properties"]["action"]["enum"])})
    if props == {"arguments"}:
        return json.dumps({"arguments": _fill(body)})
    if props == {"parts"}:
        content = messages[-1]["content"]
        return json.dumps(
            {
                "parts": [
                    fake._PHRASE_PREFIX + piece.strip() for piece in content.split(fake._PHRASE_PREFIX) if piece.strip()
                ]
            }
        )
    if props == {"reasoning"}:
        return json.dumps({"reasoning": _reasoning(messages[-1]["content"])})
    if props == {"reply"}:
        return json.dumps({"reply": _reply(system, str(messages[-1].get("content") or ""), seed)})
    if props == {"message"}:
        return json.dumps({"message": _user(body)})
    if props == {"request", "call"} and "Then write the FIRST call only" in system:  # nested free
        names = re.search(r"in this order: (.+?), where", system).group(1).split(" -> ")
        text, calls = _chain_request(names, seed, "\n".join(str(m.get("content") or "") for m in messages))
        return json.dumps({"request": text, "call": calls[0]})
    if props == {"call"}:
        name = schema["properties"]["call"]["properties"]["name"]["enum"][0]
        content = messages[-1]["content"]
        found = _registered(content)
        if found is None:
            arguments = _invent(name, seed)
        elif isinstance(found[1], list):  # a chain: this step's values and the linked ones from results
            arguments = _linked(
                name, next(c for c in found[1] if c["name"] == name)["arguments"], content, _CHAIN_RULES.get(found[0])
            )
        else:
            arguments = dict(found[1]["arguments"])
        return json.dumps({"call": {"name": name, "arguments": arguments}})
    if props == {"request", "calls"}:
        items = schema["properties"]["calls"]["items"]
        options = items.get("anyOf") or [items]
        calls = []
        for number in range(schema["properties"]["calls"]["minItems"]):
            option = options[number % len(options)]
            name = option["properties"]["name"]["enum"][0]
            calls.append({"name": name, "arguments": _invent(name, seed + number)})
        return json.dumps({"request": " ".join(fake.phrase(call) for call in calls), "calls": calls})
    if props == {"request", "reply", "value", "call"}:  # free no_call missing_value, continued
        name = schema["properties"]["call"]["properties"]["name"]["enum"][0]
        missing = re.search(r"leaves out the (.+?);", system).group(1).replace(" ", "_")
        arguments = _invent(name, seed)
        if missing not in arguments:
            return json.dumps({"request": "x", "reply": "x", "value": "x", "call": {}})
        stated = fake.phrase({"name": name, "arguments": {k: v for k, v in arguments.items() if k != missing}})
        return json.dumps(
            {
                "request": stated,
                "reply": f"Sure. Which {missing.replace('_', ' ')} should I use?",
                "value": f"It is {fake._spoken(arguments[missing])}.",
                "call": {"name": name, "arguments": arguments},
            }
        )
    if props == {"request", "reply"}:
        case = re.search(r"^Case: (.*)$", system, re.MULTILINE).group(1)
        detail = f" {_WHY[(seed // 7) % len(_WHY)]}"
        if case.startswith("the user asks about"):
            return json.dumps(
                {
                    "request": QUESTIONS[seed % len(QUESTIONS)] + detail,
                    "reply": _reply("Answer the user's question directly"),
                }
            )
        if "leaves out the" in case:
            missing = re.search(r"leaves out the (.+?);", case).group(1)
            return json.dumps(
                {
                    "request": "I would like some help with this, please: "
                    + case.split(": ", 1)[1].split(" but leaves")[0]
                    + detail,
                    "reply": f"Sure. Which {missing} should I use?",
                }
            )
        if "rules (its system prompt) forbid it" in case:
            wanted = case.split(": ", 1)[1].split(" The assistant's rules")[0]
            action = fake_action(wanted)
            return json.dumps(
                {
                    "request": f"Could you {_own_words(action)} for me?{detail}",
                    "reply": _reply(f"Your rules forbid you to {action} here, so do not"),
                }
            )
        wanted = case.split(": ", 1)[1].split(" None of the tools")[0]
        return json.dumps(
            {
                "request": f"Could you {_own_words(fake_action(wanted))} for me?{detail}",
                "reply": _reply("None of your tools can do this"),
            }
        )
    return None


def _own_words(action: str) -> str:
    """A strong teacher does not paste the tool's description: its first three words of the action
    ("mark a task as completed" -> "mark a task"), never four in a row (filters.quality leaked_description)."""
    return " ".join(action.split()[:3])


def fake_action(description: str) -> str:
    """What a strong teacher makes of a tool description: "Books a table ..." -> "book a table"."""
    from pipeline.policy import action_phrase

    return action_phrase(description)
