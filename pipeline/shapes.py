"""The plan shape of each category: which tools a task calls and, in blueprint mode, with which values.

Each function takes the Planner (its catalog, config, links and seeded drawing) and one task's
target, tool set, scenario (pipeline.scenario: `now`, persona, shared entities) and shape
stream, and returns `targets`, `blueprint` and the category's
own Task fields (links, turns, kind, missing, tools). pipeline.categories names each category's
shape; the planner calls it.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING, Any

from filters.match import canonical_calls
from filters.schema import fits_parameter
from filters.selection import parse_rule
from pipeline.seeds import SeedTool
from pipeline.seeds.links import item_field_schema

if TYPE_CHECKING:  # the planner imports the category registry, which imports these shapes
    from pipeline.plan import Planner
    from pipeline.scenario import Scenario


def single(planner: Planner, target: str, tools: list[str], scenario: Scenario, rng: random.Random) -> dict[str, Any]:
    """One call of the target."""
    blueprint = [planner.draw(target, scenario, rng)] if planner.mode == "blueprint" else None
    return {"targets": [target], "blueprint": blueprint}


def parallel(planner: Planner, target: str, tools: list[str], scenario: Scenario, rng: random.Random) -> dict[str, Any]:
    """2-3 independent calls in one turn about one situation: the same function for other entities
    (another city, another stock), or its domain's neighbours for the same ones."""
    blueprint_mode = planner.mode == "blueprint"
    low, high = planner.config.plan.parallel_calls
    count = rng.randint(low, low if planner.config.teacher.embedded else high)  # a 135M teacher: the fewest
    same = [
        n
        for n in tools
        if n != target
        and planner.domains[n] == planner.domains[target]
        and (not blueprint_mode or planner.drawable(n) and planner.sayable(n))
    ]
    if rng.random() < 0.5 or not same:  # the same function with other values ("Nvidia and Apple")
        targets = [target] * count
    else:
        targets = [target] + [rng.choice(same) for _ in range(count - 1)]
    if not blueprint_mode:
        return {"targets": targets, "blueprint": None}
    calls: dict[str, dict[str, Any]] = {}
    for name in targets:  # two equal calls are one: draw again, then fall back to another tool
        options = (
            [name] * 4
            + [n for n in same if n != name]
            + [
                n
                for n in tools
                if n not in targets and (not blueprint_mode or planner.drawable(n) and planner.sayable(n))
            ]
        )
        for option in options:
            variant = sum(1 for c in calls.values() if c["name"] == option)
            first = next((c for c in calls.values() if c["name"] == option), None)
            # a tool that changes data draws each call whole: two events at one hour is no request
            if first is None or not planner.catalog[option].read_only:
                call = planner.draw(option, scenario, rng, variant)
            else:
                call = _one_thing_changed(planner, first, scenario, rng, variant)
            if canonical_call(call, planner) not in calls:
                calls[canonical_call(call, planner)] = call
                break
    calls_list = list(calls.values())
    return {"targets": [c["name"] for c in calls_list], "blueprint": calls_list}


def _one_thing_changed(
    planner: Planner, first: dict[str, Any], scenario: Scenario, rng: random.Random, variant: int | str
) -> dict[str, Any]:
    """A further lookup of the same function in one request changes one thing and keeps the rest
    (flights from Boston to Bangkok and to Lisbon on one day, not BOS->DMK beside MCO->VLC in
    another month): one given value (not a flag), a required entity-bound one when there is one, else a required
    one, is drawn again for another entity, with what moves along with it (the rest of its entity,
    later dates; ArgumentSampler.redraw). `first` itself when that value comes back the same."""
    parameters = planner.catalog[first["name"]].parameters
    properties = parameters.get("properties") or {}
    given = [  # a flag both ways ("with and without archived") is no second request
        key for key, value in first["arguments"].items() if key in properties and not isinstance(value, bool | None)
    ]
    required = [key for key in parameters.get("required") or [] if key in given]
    bound = [key for key in required if "x-entity" in (properties.get(key) or {})]
    if not given:
        return first
    key = rng.choice(bound or required or given)
    arguments, changed = planner.sampler(scenario, rng, variant).redraw(parameters, first["arguments"], [key])
    return {"name": first["name"], "arguments": arguments} if key in changed else first


def nested(planner: Planner, target: str, tools: list[str], scenario: Scenario, rng: random.Random) -> dict[str, Any]:
    """A chain of 2-4 calls (`plan.chain_length`) along the seeds' link groups: each later step
    takes all inputs of one group from one item of an earlier step's result, the item the
    group's selection rule picks (drawn from the rules the group allows; one rule per list, so
    the hotel booked is the hotel timed). Longer chains are preferred where the links allow them."""
    low, high = planner.config.resolved_chain_length
    chains = _chains(planner, [target], [], high)
    if planner.config.teacher.embedded:  # a small teacher phrases plain values; an object sinks the chain
        chains = [chain for chain in chains if len(chain[0]) > 1 and _plain_chain(planner, *chain)] or chains
    longest = max(len(steps) for steps, _ in chains)
    lengths = sorted({len(steps) for steps, _ in chains if len(steps) >= min(low, longest)})
    length = rng.choices(lengths, weights=[(n - 1) ** 3 for n in lengths])[0]  # 2: 1, 3: 8, 4: 27
    targets, groups = rng.choice([chain for chain in chains if len(chain[0]) == length])
    links: list[dict[str, Any]] = []
    chosen: dict[tuple[int, str], dict[str, Any]] = {}  # (source step, items) -> its rule
    for step, source, link in groups:
        rule = chosen.get((source, link.items))
        if rule is None or not any(_same_rule(parse_rule(text), rule) for text in link.select):
            rule = _draw_rule(planner, link, rng)
            chosen.setdefault((source, link.items), rule)
        for key, value in link.inputs:
            links.append(
                {
                    "step": step,
                    "input": key,
                    "from_step": source,
                    "output": link.output(value),
                    "items": link.items,
                    "value": value,
                    "select": rule,
                    "intent": link.intent,
                }
            )
    calls = None
    if planner.mode == "blueprint":
        calls = [planner.draw(name, scenario, rng) for name in targets]  # one scenario: the steps share entities
        _plan_echoed_inputs(calls, links, planner, rng)
        for link in links:  # a linked argument is always passed, whatever the optional rate drew
            calls[link["step"]]["arguments"].pop(link["input"], None)
        _carry_shared_values(calls, links, planner)
    recovery = _chain_recovery(planner, targets, random.Random(rng.random()))
    return {"targets": targets, "blueprint": calls, "links": links, **({"recovery": recovery} if recovery else {})}


def _chain_recovery(planner: Planner, targets: list[str], rng: random.Random) -> dict[str, Any] | None:
    """At `plan.recovery_rate`, a chain step whose tool errs (pipeline.generate.recovery):
    rate_limited at a lookup (retried, the chain goes on; a confirmed write is not retried unasked)
    or unavailable at the last step (nothing after it to feed; the answer says it did not work).
    Blueprint only."""
    config = planner.config.plan
    weights = {k: config.recovery_kinds.get(k, 0) for k in ("rate_limited", "unavailable")}
    weights = {k: w for k, w in weights.items() if w > 0}
    if planner.mode != "blueprint" or not weights or rng.random() >= config.recovery_rate:
        return None
    kind = rng.choices(list(weights), list(weights.values()))[0]
    lookups = [step for step, name in enumerate(targets) if planner.catalog[name].read_only]
    if kind == "rate_limited" and not lookups:
        if "unavailable" not in weights:  # nothing this chain may meet
            return None
        kind = "unavailable"
    return {"kind": kind, "step": rng.choice(lookups) if kind == "rate_limited" else len(targets) - 1}


def _chains(planner: Planner, steps: list[str], groups: list[Any], high: int) -> list[tuple[list[str], list[Any]]]:
    """Every chain that starts with `steps` and grows to at most `high` calls: a next step is a
    link group's target fed from any earlier step. From one step, no two lookups or two changes
    that take the same inputs: a reservation and a delivery from one restaurant, a move and a
    deletion of one event, travel time and directions to one address. A deletion ends a chain."""
    found = [(steps, groups)]
    if len(steps) >= high or any(name.startswith(("delete_", "cancel_")) for name in steps):
        return found  # nobody asks about a thing after removing it
    for source, name in enumerate(steps):
        fed = [link for _, from_step, link in groups if from_step == source]
        for link in planner.next_links(name):
            if link.target in steps:
                continue
            if any(
                {key for key, _ in other.inputs} == {key for key, _ in link.inputs}
                and planner.catalog[other.target].read_only == planner.catalog[link.target].read_only
                for other in fed
            ):
                continue
            found += _chains(planner, steps + [link.target], groups + [(len(steps), source, link)], high)
    return found


def _draw_rule(planner: Planner, link: Any, rng: random.Random) -> dict[str, Any]:
    """One of the link group's selection rules; `matching` draws the name the user says from
    the field's value pool."""
    rule = parse_rule(rng.choice(link.select))
    if rule["rule"] == "matching":
        schema = item_field_schema(planner.catalog[link.source], link.items, rule["field"])
        names = next(schema[key] for key in ("x-pool", "examples", "enum") if schema.get(key))
        rule["value"] = rng.choice(names)
    return rule


def _same_rule(allowed: dict[str, Any], rule: dict[str, Any]) -> bool:
    """Whether a group allows the rule another step drew for the same list: the same kind, field
    and (for `where`) value; a lock is not picked by "the one whose device type is lights"."""
    keys = ("rule", "field", "value") if allowed.get("rule") == "where" else ("rule", "field")
    return all(allowed.get(key) == rule.get(key) for key in keys)


def _plan_echoed_inputs(
    calls: list[dict[str, Any]], links: list[dict[str, Any]], planner: Planner, rng: random.Random
) -> None:
    """A linked input read from a result field the earlier call sets itself (a conversion's
    to_currency, which its result echoes) is planned on that call, with a value the later step
    accepts: convert to EUR, then send EUR (not a transfer in USD of an amount in rand)."""
    for link in links:
        source, target = calls[link["from_step"]], calls[link["step"]]
        field, key = link["value"], link["input"]
        known = planner.catalog[source["name"]].parameters
        wanted = planner.catalog[target["name"]].parameters
        if link["items"] or field not in (known.get("properties") or {}):
            continue
        if field in source["arguments"] and fits_parameter(source["arguments"][field], wanted, key):
            continue
        others = [value for name, value in source["arguments"].items() if name != field]
        options = [target["arguments"][key]] if key in target["arguments"] else []
        options += list(((wanted.get("properties") or {}).get(key) or {}).get("enum") or [])
        options = [v for v in options if v not in others and fits_parameter(v, known, field)]
        if options:  # the drawn value first (it fits the scenario), else any the later step accepts
            source["arguments"][field] = options[0] if key in target["arguments"] else rng.choice(options)


def _carry_shared_values(calls: list[dict[str, Any]], links: list[dict[str, Any]], planner: Planner) -> None:
    """A later step's argument named like an earlier step's takes that value where it fits: one
    situation has one party size, one stay, one city (search for 3 diners, then book for 3); an
    earlier count of what a later step lists becomes the list's length (2 passengers, 2 travellers)."""
    for step in range(1, len(calls)):
        linked = {link["input"] for link in links if link["step"] == step}
        later = calls[step]["arguments"]
        parameters = planner.catalog[calls[step]["name"]].parameters
        for earlier in calls[:step]:
            counted = planner.catalog[earlier["name"]].parameters
            for key, value in earlier["arguments"].items():
                if key not in later or key in linked:
                    continue
                if fits_parameter(value, parameters, key):
                    later[key] = value
                elif (
                    isinstance(value, int)
                    and isinstance(later[key], list)
                    and fits_parameter(len(later[key]), counted, key)
                ):
                    earlier["arguments"][key] = len(later[key])


def multi_turn(
    planner: Planner, target: str, tools: list[str], scenario: Scenario, rng: random.Random
) -> dict[str, Any]:
    low, high = planner.config.resolved_turns
    count = rng.randint(low, high)
    usable = [n for n in tools if planner.mode == "free" or planner.drawable(n) and planner.sayable(n)]
    turns: list[dict[str, Any]] = [{"kind": "call", "call": 0, "changed": []}]
    targets = [target]
    chats = planner.config.resolved_chat_turns
    while len(turns) < count:
        roll = rng.random()
        if roll < 0.3 and sum(turn["kind"] == "chat" for turn in turns) < chats:
            turns.append({"kind": "chat", "call": None, "changed": []})
            continue
        previous = targets[-1]
        properties = list(planner.catalog[previous].parameters.get("properties") or {})
        # "and for Apple?": a lookup again, one value changed; never a write again ("cancel the
        # same order, this time because it was cheaper elsewhere"): a further write is a new call
        if roll < 0.65 and properties and planner.catalog[previous].read_only:
            turns.append({"kind": "followup", "call": len(targets), "changed": [rng.choice(properties)]})
            targets.append(previous)
        else:
            turns.append({"kind": "call", "call": len(targets), "changed": []})
            targets.append(rng.choice(usable))
    calls = None
    if planner.mode == "blueprint":
        calls = []
        for turn in turns:
            if turn["kind"] == "followup":
                call = _followup(planner, calls[-1], turn, scenario, rng)
                # nothing to ask for again, or the last call (moved off a repeat) is a write
                if not planner.catalog[calls[-1]["name"]].read_only or canonical_call(call, planner) == canonical_call(
                    calls[-1], planner
                ):
                    turn.update(kind="call", changed=[])
                    targets[turn["call"]] = rng.choice(usable)
            if turn["kind"] == "call":
                call = planner.draw(targets[turn["call"]], scenario, rng)
                if calls and canonical_call(call, planner) == canonical_call(
                    calls[-1], planner
                ):  # one scenario, one lookup
                    others = [n for n in usable if n != calls[-1]["name"]]
                    targets[turn["call"]] = rng.choice(others) if others else calls[-1]["name"]
                    variant = 0 if others else len(calls)  # the only tool: its call for another entity
                    call = planner.draw(targets[turn["call"]], scenario, rng, variant)
                    if canonical_call(call, planner) == canonical_call(calls[-1], planner):
                        # the same again (a tool without arguments): another tool the category starts
                        # with, which joins the task's tools (Planner._with_targets)
                        targets[turn["call"]] = rng.choice([n for n in planner.order if n != calls[-1]["name"]])
                        call = planner.draw(targets[turn["call"]], scenario, rng)
            if turn["kind"] != "chat":
                calls.append(call)
    _plan_recovery(planner, turns, targets, calls, scenario, random.Random(rng.random()))
    return {"targets": targets, "blueprint": calls, "turns": turns}


def _plan_recovery(
    planner: Planner,
    turns: list[dict[str, Any]],
    targets: list[str],
    calls: list[dict[str, Any]] | None,
    scenario: Scenario,
    rng: random.Random,
) -> None:
    """At `plan.recovery_rate`, one new lookup turn whose call gets an error (pipeline.generate.
    recovery): `turn["recovery"]` is the kind; for not_found / invalid_argument (blueprint only) the
    request states a stale value of an identifier the user knows (`turn["wrong"]`), the call is
    made with it, and the corrected call is the planned one."""
    config = planner.config.plan
    if rng.random() >= config.recovery_rate:
        return
    options = [t for t in turns if t["kind"] == "call" and planner.catalog[targets[t["call"]]].read_only]
    weights = {k: w for k, w in config.recovery_kinds.items() if w > 0}
    if not options or not weights:
        return
    kind = rng.choices(list(weights), list(weights.values()))[0]
    turn = rng.choice(options)
    if kind in ("not_found", "invalid_argument"):  # a turn whose request states an identifier
        stale = [(t, _stale_value(planner, calls[t["call"]], scenario, rng)) for t in options] if calls else []
        stale = [(t, wrong) for t, wrong in stale if wrong]
        if stale:
            turn, turn["wrong"] = stale[0][0], stale[0][1]
        else:
            transient = {k: w for k, w in weights.items() if k in ("rate_limited", "unavailable")}
            if not transient:
                return
            kind = rng.choices(list(transient), list(transient.values()))[0]
    turn["recovery"] = kind


def _stale_value(
    planner: Planner, call: dict[str, Any], scenario: Scenario, rng: random.Random
) -> dict[str, Any] | None:
    """{key: another value} for an identifier of `call` a user types and can get wrong (an order id,
    a flight number, a booking reference: a string with a pattern), else None."""
    parameters = planner.catalog[call["name"]].parameters
    properties = parameters.get("properties") or {}
    keys = [
        key
        for key in parameters.get("required") or []
        if isinstance(call["arguments"].get(key), str)
        and (properties.get(key) or {}).get("pattern")
        and not {"enum", "const", "x-aliases"} & set(properties.get(key) or {})
        and (properties.get(key) or {}).get("x-user-knows") is not False
    ]
    for key in rng.sample(keys, len(keys)):
        redrawn, _ = planner.sampler(scenario, rng, variant="stale").redraw(parameters, dict(call["arguments"]), [key])
        if redrawn.get(key) not in (None, call["arguments"][key]):
            return {key: redrawn[key]}
    return None


def _followup(
    planner: Planner, previous: dict[str, Any], turn: dict[str, Any], scenario: Scenario, rng: random.Random
) -> dict[str, Any]:
    """The previous call with its `changed` argument drawn again, and with it what must move to
    stay coherent (a later date that follows it, the rest of the same entity): `turn["changed"]`
    then lists all of them. An argument the previous call left out is drawn as an addition. When
    the draw gives the same value again (an e-mail bound to the persona), another argument
    changes instead: a follow-up asks for something new."""
    parameters = planner.catalog[previous["name"]].parameters
    others = [k for k in parameters.get("properties") or {} if k != turn["changed"][0]]
    for key in [turn["changed"][0], *rng.sample(others, len(others))]:  # the first that really changes
        arguments = _changed(planner, previous, key, scenario, rng)
        arguments = {k: v for k, v in arguments.items() if v is not None or k in previous["arguments"]}
        changed = [k for k in arguments if arguments[k] != previous["arguments"].get(k, _ABSENT)]
        if changed and canonical_call({**previous, "arguments": arguments}, planner) != canonical_call(
            previous, planner
        ):
            turn["changed"] = sorted(changed, key=lambda k: k != key)  # what was asked for first
            return {"name": previous["name"], "arguments": arguments}
    return {"name": previous["name"], "arguments": dict(previous["arguments"])}


def _changed(
    planner: Planner, previous: dict[str, Any], key: str, scenario: Scenario, rng: random.Random
) -> dict[str, Any]:
    """The previous call's arguments with `key` drawn again (added when it was left out)."""
    parameters = planner.catalog[previous["name"]].parameters
    arguments = dict(previous["arguments"])
    if key not in arguments:  # "and make it refundable": a value the first call did not have
        fresh = planner.sampler(scenario, rng, variant="followup")
        fresh.optional_rate = 1.0
        value = fresh.arguments(parameters).get(key)
        if value is None:
            return arguments
        arguments[key] = value
    return planner.sampler(scenario, rng, variant="followup").redraw(parameters, arguments, [key])[0]


_ABSENT = object()


def no_call(planner: Planner, target: str, tools: list[str], scenario: Scenario, rng: random.Random) -> dict[str, Any]:
    weights = planner.config.plan.no_call_kinds
    kinds = [k for k in ("unrelated", "missing_value", "unavailable_tool", "forbidden") if weights.get(k, 0) > 0]
    kind = rng.choices(kinds, [weights[k] for k in kinds])[0]
    if kind == "forbidden" and planner.catalog[target].read_only:  # a never_call rule forbids a write
        kind = "unavailable_tool" if weights.get("unavailable_tool", 0) > 0 else "unrelated"
    call = planner.draw(target, scenario, rng) if planner.mode == "blueprint" else None
    shape: dict[str, Any] = {"kind": kind, "targets": [target], "blueprint": [call] if call else None}
    if kind == "missing_value":
        properties = planner.catalog[target].parameters.get("properties") or {}
        # a value a request can leave out and a user can then give in a few words: not an enum or a
        # flag (grounding reads those as implied by the request), not an object (an address is a form)
        # and never an internal id (a media_id, an event_id: people know a date, a name, an amount), nor
        # for a tool whose request would have to state one (planner.sayable)
        required = [
            k
            for k in planner.catalog[target].parameters.get("required") or []
            if not {"enum", "const"} & set(properties.get(k) or {})
            and _said_in_words(properties.get(k) or {})
            and not (re.search(r"(?:^|_)ids?$", k) and not (properties.get(k) or {}).get("x-aliases"))
        ]
        if not required or (planner.mode == "blueprint" and not planner.sayable(target)):
            # nothing can be missing: the request is about something else
            shape["kind"] = "unrelated"
        else:
            shape["missing"] = rng.choice(required)
    if shape["kind"] == "unavailable_tool":  # the tool it needs is not offered; its neighbours are
        shape["tools"] = [name for name in tools if name != target] or planner.tool_set(target, rng, exclude=target)
    return shape


def nested_starts(planner: Planner, names: list[str]) -> list[str]:
    """A chain starts at a tool whose result feeds another; on the embedded teacher, one with a
    chain of plain values (_plain_chain) where there are such (else every one)."""
    starts = [name for name in names if planner.next_links(name)]
    if not planner.config.teacher.embedded:
        return starts
    high = planner.config.resolved_chain_length[1]
    plain = [
        name
        for name in starts
        if any(
            len(steps) > 1 and _plain_chain(planner, steps, groups)
            for steps, groups in _chains(planner, [name], [], high)
        )
    ]
    return plain or starts


def _plain_chain(planner: Planner, steps: list[str], groups: list[Any]) -> bool:
    """Whether every required argument the chain's user must say is a plain value or a list of
    them (an object such as a patient or a list of recipients is not): linked ones are read."""
    linked = {(step, key) for step, _, link in groups for key, _ in link.inputs}
    for step, name in enumerate(steps):
        parameters = planner.catalog[name].parameters
        properties = parameters.get("properties") or {}
        for key in parameters.get("required") or []:
            if (step, key) not in linked and not _plain(properties.get(key) or {}):
                return False
    return True


def _plain(schema: dict[str, Any]) -> bool:
    """A string, number, integer or flag, or a list of them (no object, no $ref)."""
    if schema.get("type") == "array":
        schema = schema.get("items") or {}
    return "$ref" not in schema and schema.get("type") in ("string", "number", "integer", "boolean")


def short_starts(planner: Planner, names: list[str]) -> list[str]:
    """On the embedded teacher, short read-only calls (a small teacher phrases and solves two of
    those at times, never two long ones); else every tool. (Tried for multi_turn: 3 of 50 kept
    against 3 of 20 from every tool, docs/measurements.md.)"""
    if not planner.config.teacher.embedded:
        return names
    return [name for name in names if short_call(planner.catalog[name])] or names


def _said_in_words(schema: dict[str, Any]) -> bool:
    """A string, a number, or a list of plain strings or numbers: what a user can say in one message."""
    if schema.get("type") == "array":
        items = schema.get("items") or {}
        return items.get("type") in ("string", "number", "integer") and "enum" not in items
    return schema.get("type") in ("string", "number", "integer")


def short_call(tool: SeedTool) -> bool:
    """A read-only tool whose required arguments are at most two plain values (no objects or lists)."""
    properties = tool.parameters.get("properties") or {}
    required = tool.parameters.get("required") or []
    plain = all((properties.get(key) or {}).get("type") in ("string", "number", "integer") for key in required)
    return tool.read_only and len(required) <= 2 and plain


def canonical_call(call: dict[str, Any], planner: Planner) -> str:
    """A canonical text of a call, for spotting two equal planned calls: defaults filled in, so a
    call with `include_financials: false` equals one without it (filters.match.canonical_calls,
    as the repeated_call check reads them)."""
    return canonical_calls([call], {call["name"]: planner.catalog[call["name"]].parameters})
