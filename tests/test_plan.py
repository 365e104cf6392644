"""pipeline.plan: deterministic tasks from (seed, category, index)."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest
from pydantic import ValidationError

from filters.match import canonical_calls
from filters.schema import fits_parameter, strip_extensions, validator_for
from pipeline.config import RunConfig, TeacherConfig
from pipeline.plan import STYLES, Planner, nearest_examples, stable_int
from pipeline.seeds import SeedTool, load_examples, load_tools
from pipeline.seeds.entities import bundled_entities
from pipeline.seeds.links import load_links

PROMPTS = ["You are a helpful assistant.", "You are terse.", "Answer in English."]
REMOTE = TeacherConfig(base_url="http://x", model="m")
EXAMPLE_TOOLS = [example["call"]["name"] for example in load_examples("single")]


@pytest.fixture(scope="module")
def catalog():
    return load_tools()


def _planner(catalog, **config):
    return Planner(RunConfig(**config), catalog, EXAMPLE_TOOLS, PROMPTS)


def _tasks(planner, count):
    return [dataclasses.asdict(planner.task(i)) for i in range(count)]


# -- config ---------------------------------------------------------------------------------------


def test_mode_defaults():
    embedded = RunConfig()
    remote = RunConfig(teacher=REMOTE)
    assert embedded.teacher.embedded is True and remote.teacher.embedded is False
    assert embedded.resolved_mode == "blueprint"
    assert remote.resolved_mode == "free"
    assert RunConfig(mode="free").resolved_mode == "free"
    assert RunConfig(teacher=REMOTE, mode="blueprint").resolved_mode == "blueprint"


def test_config_derived_values():
    assert RunConfig().resolved_optional_rate == 0.2
    assert RunConfig(teacher=REMOTE).resolved_optional_rate == 0.4
    assert RunConfig(optional_rate=0.9).resolved_optional_rate == 0.9
    # the embedded teacher: a cell 8 per record, the category 3 times that (other tools take a short cell's quota)
    assert RunConfig(n=7).candidate_limit_for("single", 7) == 168
    assert RunConfig(n=7).candidates_per_record("single") == 8 and RunConfig().candidates_per_record("nested") == 10
    assert RunConfig(n=7, teacher=REMOTE).candidate_limit_for("single", 7) == 70
    assert RunConfig(n=7, max_candidates=9).candidate_limit_for("single", 7) == 9
    assert RunConfig(distractors=(2, 10)).distractor_range == (2, 2)
    assert RunConfig(distractors=(6, 10)).distractor_range == (2, 2)
    assert RunConfig(distractors=(2, 10), teacher=REMOTE).distractor_range == (2, 10)


@pytest.mark.parametrize("bad", [{"nope": 1}, {"n": 0}, {"mode": "fast"}, {"optional_rate": 1.5}])
def test_config_rejects_bad_values(bad):
    with pytest.raises(ValidationError):
        RunConfig(**bad)


@pytest.mark.parametrize("temperatures", [[], [2.5], [-0.1]])
def test_teacher_rejects_bad_temperatures(temperatures):
    with pytest.raises(ValidationError):
        TeacherConfig(temperatures=temperatures)


# -- determinism ---------------------------------------------------------------------------------


def test_stable_int_is_stable():
    assert stable_int(0, "single", 1) == stable_int(0, "single", 1)
    assert stable_int(0, "single", 1) != stable_int(0, "single", 2)
    # sha256("0:single:1")[:8] big-endian: fixed across processes and Python versions
    import hashlib

    assert stable_int(0, "single", 1) == int.from_bytes(hashlib.sha256(b"0:single:1").digest()[:8], "big")


def test_same_config_gives_identical_tasks(catalog):
    assert _tasks(_planner(catalog, seed=3), 200) == _tasks(_planner(catalog, seed=3), 200)


def test_tasks_do_not_depend_on_n(catalog):
    small = _planner(catalog, n=1000)
    large = _planner(catalog, n=2000)
    assert _tasks(small, 1000) == _tasks(large, 1000)


def test_task_does_not_depend_on_call_order(catalog):
    planner = _planner(catalog)
    forward = [dataclasses.asdict(planner.task(i)) for i in range(50)]
    backward = [dataclasses.asdict(planner.task(i)) for i in reversed(range(50))][::-1]
    assert forward == backward


def test_different_seeds_give_different_tasks(catalog):
    a, b = _tasks(_planner(catalog, seed=0), 100), _tasks(_planner(catalog, seed=1), 100)
    assert a != b
    assert sum(x["target"] != y["target"] for x, y in zip(a, b)) > 50
    assert sum(x["blueprint"] != y["blueprint"] for x, y in zip(a, b)) > 50


def test_order_covers_every_tool_once_per_block(catalog):
    planner = _planner(catalog)
    block = [planner.task(i).target for i in range(len(planner.order))]
    assert sorted(block) == sorted(t.name for t in catalog if planner.sayable(t.name))  # blueprint: askable ones
    assert planner.task(len(planner.order)).target == planner.task(0).target


# -- task content -------------------------------------------------------------------------------


def _check_tool_set(planner, catalog, tasks, low, high):
    domains = {t.name: t.domain for t in catalog}
    counts = set()
    for task in tasks:
        assert task.target in task.tools
        assert len(task.tools) == len(set(task.tools))
        others = [name for name in task.tools if name != task.target]
        assert low <= len(others) <= high, task
        counts.add(len(others))
        same_domain = sorted(n for n in domains if domains[n] == domains[task.target] and n != task.target)
        expected_same = min(len(others), len(same_domain))
        assert sum(domains[n] == domains[task.target] for n in others) == expected_same, task
    return counts


def test_embedded_tool_set_caps_distractors_at_two(catalog):
    planner = _planner(catalog)
    counts = _check_tool_set(planner, catalog, [planner.task(i) for i in range(300)], 1, 2)
    assert counts == {1, 2}


def test_remote_tool_set_uses_full_range(catalog):
    planner = Planner(RunConfig(distractors=(1, 8), teacher=REMOTE), catalog, EXAMPLE_TOOLS, PROMPTS)
    counts = _check_tool_set(planner, catalog, [planner.task(i) for i in range(400)], 1, 8)
    assert max(counts) == 8 and min(counts) == 1


def test_blueprint_tasks(catalog):
    planner = _planner(catalog)
    parameters = {t.name: strip_extensions(t.parameters) for t in catalog}
    for i in range(300):
        task = planner.task(i)
        assert task.mode == "blueprint" and task.category == "single"
        assert task.id == f"single-blueprint-0-{i}" and task.index == i
        assert task.cell == ("single", task.target, "blueprint")
        assert len(task.blueprint) == 1 and task.blueprint[0]["name"] == task.target
        assert validator_for(parameters[task.target]).errors(task.blueprint[0]["arguments"]) == [], task
        assert len(task.call_ids) == 4
        for call_id in task.call_ids:
            assert re.fullmatch(r"[A-Za-z0-9]{9}", call_id)
        assert task.temperature in (0.2, 0.5, 0.8)  # the embedded default schedule
        assert task.style in STYLES
        drawn = (task.system_prompt or "").split("\n")[0]  # a careful task's prompt gains a line
        assert task.system_prompt is None or drawn in PROMPTS or task.system_style == "complex" or task.careful
        assert not task.careful or task.system_prompt.count("\n") + (drawn not in PROMPTS) >= 1
        assert len(task.fewshot) == 3 and len(set(task.fewshot)) == 3
        assert all(0 <= k < len(EXAMPLE_TOOLS) for k in task.fewshot)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", task.now)
        assert "2025-11-23T" <= task.now <= "2026-11-23T10:00:00Z"


def test_free_mode_has_no_blueprint(catalog):
    planner = Planner(RunConfig(teacher=REMOTE), catalog, EXAMPLE_TOOLS, PROMPTS)
    task = planner.task(0)
    assert task.mode == "free" and task.blueprint is None
    assert task.id == "single-free-0-0"


def test_system_prompt_rate_extremes(catalog):
    never = _planner(catalog, system_prompt_rate=0.0)
    always = _planner(catalog, system_prompt_rate=1.0, complex_prompt_rate=0.0)
    assert all(never.task(i).system_prompt is None for i in range(50))
    assert all(always.task(i).system_prompt.split("\n")[0] in PROMPTS for i in range(50))  # + a careful line
    rules = _planner(catalog, system_prompt_rate=1.0, complex_prompt_rate=1.0)
    styles = {rules.task(i).system_style for i in range(50)}
    assert styles <= {"complex", "simple"} and "complex" in styles  # "simple" only where no rule fits the tools
    no_prompts = Planner(RunConfig(system_prompt_rate=1.0), catalog, EXAMPLE_TOOLS, [])
    assert all(no_prompts.task(i).system_prompt is None for i in range(20))


def test_few_examples(catalog):
    assert Planner(RunConfig(), catalog, [], PROMPTS).task(0).fewshot == []
    assert sorted(Planner(RunConfig(), catalog, EXAMPLE_TOOLS[:2], PROMPTS).task(0).fewshot) == [0, 1]


def test_blueprint_skips_undrawable_tools(catalog):
    free_text = SeedTool(
        "write_note",
        "Write a note.",
        {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
        domain="notes",
    )
    planner = Planner(RunConfig(), catalog + [free_text], EXAMPLE_TOOLS, PROMPTS)
    assert "write_note" not in planner.order
    assert set(planner.undrawable) == {"write_note"}
    assert "text" in planner.undrawable["write_note"]
    assert len(planner.order) == sum(planner.sayable(t.name) for t in catalog)
    remote = Planner(RunConfig(teacher=REMOTE), catalog + [free_text], EXAMPLE_TOOLS, PROMPTS)
    assert "write_note" in remote.order


def test_temperature_schedule_defaults_per_teacher_and_explicit_wins():
    assert TeacherConfig().schedule == [0.2, 0.5, 0.8]
    assert TeacherConfig(base_url="http://x/v1", model="m").schedule == [0.2, 0.7, 1.0]
    assert TeacherConfig(temperatures=[0.9]).schedule == [0.9]


def test_nearest_examples_own_tool_then_domain_then_any_nearest_last():
    example_tools = ["a1", "b1", "a2", "a1", "c1", "b2"]
    domains = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C"}
    for seed in range(20):
        picked = nearest_examples(example_tools, domains, "a1", 4, random.Random(seed))
        assert len(picked) == 4 and len(set(picked)) == 4
        assert sorted(picked[-2:]) == [0, 3]  # a1's own examples, right before the question
        assert picked[-3] == 2  # then a2, the same domain
        assert example_tools[picked[0]] in ("b1", "c1", "b2")
    assert nearest_examples(example_tools, {}, "zz", 2, random.Random(0)) != []  # unknown tool: any examples
    assert nearest_examples([], domains, "a1", 3, random.Random(0)) == []


def test_tasks_show_the_targets_own_examples(catalog):
    planner = _planner(catalog)
    for index in range(40):
        task = planner.task(index)
        own = [k for k, name in enumerate(EXAMPLE_TOOLS) if name == task.target]
        assert set(own) <= set(task.fewshot), task.target


def test_a_call_nobody_could_ask_for_is_never_a_blueprint_target(catalog):
    """An internal id the user cannot know (`x-user-knows: false`, no names for it) is never the
    value a request must state; a tool needing one is reached only as a later chain step."""
    hidden = SeedTool(
        "open_ticket",
        "Open an internal ticket by its id.",
        {
            "type": "object",
            "properties": {"ticket_id": {"type": "string", "x-pool": ["tk_81f3a9"], "x-user-knows": False}},
            "required": ["ticket_id"],
        },
        domain="support",
    )
    named = dataclasses.replace(
        hidden,
        name="open_named_ticket",
        parameters={
            "type": "object",
            "properties": {
                "ticket_id": {
                    "type": "string",
                    "x-pool": ["tk_81f3a9"],
                    "x-user-knows": False,
                    "x-aliases": {"tk_81f3a9": ["the printer ticket"]},
                }
            },
            "required": ["ticket_id"],
        },
    )
    planner = Planner(RunConfig(mode="blueprint", teacher=REMOTE), [*catalog, hidden, named], EXAMPLE_TOOLS, PROMPTS)
    assert "open_ticket" not in planner.order and "open_named_ticket" in planner.order
    assert not planner.sayable("open_ticket") and planner.sayable("open_named_ticket")


def test_a_nested_step_takes_every_input_its_source_links_from_one_result(catalog):
    """search_nearby_places -> save_place links both name and address: a chain that linked only
    the name planned the address of another place (the reference then failed or, worse, passed)."""
    config = RunConfig(category="nested", n=400, mode="blueprint", seed=1, teacher=REMOTE)
    planner = Planner(config, catalog, EXAMPLE_TOOLS, PROMPTS, links=load_links(None, catalog))
    saved = [
        task
        for task in (planner.task(i) for i in range(400))
        if "save_place" in task.targets and task.targets[task.targets.index("save_place") - 1] == "search_nearby_places"
    ]
    assert saved
    for task in saved:
        step = task.targets.index("save_place")
        linked = {link["input"] for link in task.links if link["step"] == step}
        assert linked == {"name", "address"}, task.links
        assert not {"name", "address"} & set(task.blueprint[step]["arguments"])  # the result gives them, not the plan


def test_a_conversion_is_planned_to_the_currency_the_transfer_then_sends(catalog):
    """convert_currency -> transfer_money links the amount and the currency: the result echoes the
    call's to_currency, so the conversion asks for one the transfer takes (all 11 chains of a
    1000-record run sent the converted amount in another currency before: 97.2 'USD' from rand)."""
    config = RunConfig(category="nested", n=600, mode="blueprint", seed=4, teacher=REMOTE)
    planner = Planner(config, catalog, EXAMPLE_TOOLS, PROMPTS, links=load_links(None, catalog))
    enum = next(tool for tool in catalog if tool.name == "transfer_money").parameters["properties"]["currency"]["enum"]
    chains = 0
    for task in (planner.task(i) for i in range(600)):
        for link in task.links:
            if link["input"] == "currency" and task.targets[link["from_step"]] == "convert_currency":
                chains += 1
                conversion = task.blueprint[link["from_step"]]["arguments"]
                assert conversion["to_currency"] in enum and conversion["to_currency"] != conversion["from_currency"]
                assert "currency" not in task.blueprint[link["step"]]["arguments"]  # the result gives it
    assert chains >= 3


def test_the_embedded_teacher_plans_two_step_chains_and_short_conversations(catalog):
    """Its defaults (SMALL_TEACHER): chains of 2 calls, 2-3 user turns and no chat turn; set
    either in the job file and it holds."""
    links = load_links(None, catalog)
    nested = Planner(RunConfig(category="nested", n=40), catalog, EXAMPLE_TOOLS, PROMPTS, links=links)
    assert {len(nested.task(i).targets) for i in range(40)} == {2}
    tools = {tool.name: tool for tool in catalog}
    for task in (nested.task(i) for i in range(40)):  # every required value the user says is plain (no patient)
        for call in task.blueprint:
            required = tools[call["name"]].parameters.get("required") or []
            said = [v for k, v in call["arguments"].items() if k in required]
            assert not any(isinstance(v, dict) or (isinstance(v, list) and v and isinstance(v[0], dict)) for v in said)
    talk = Planner(RunConfig(category="multi_turn", n=40), catalog, EXAMPLE_TOOLS, PROMPTS, links=links)
    turns = [talk.task(i).turns for i in range(40)]
    assert {len(t) for t in turns} <= {2, 3} and not any(turn["kind"] == "chat" for t in turns for turn in t)
    longer = RunConfig(category="nested", n=40, plan={"chain_length": [3, 3]})  # 3 where the links go that far
    assert {len(Planner(longer, catalog, EXAMPLE_TOOLS, PROMPTS, links=links).task(i).targets) for i in range(40)} == {
        2,
        3,
    }


def test_nested_chains_are_often_long_and_each_list_is_chosen_from_once(catalog):
    """Issue 16: 94% of chains had two steps. The planner prefers longer chains where the links
    allow them; every input of a group comes from one item chosen by one rule, and two steps that
    read one list read the same item (the hotel booked is the hotel timed)."""
    config = RunConfig(category="nested", n=300, mode="blueprint", seed=3, teacher=REMOTE)
    planner = Planner(config, catalog, EXAMPLE_TOOLS, PROMPTS, links=load_links(None, catalog))
    tasks = [planner.task(i) for i in range(300)]
    assert sum(len(task.targets) >= 3 for task in tasks) / len(tasks) >= 0.3
    assert all(2 <= len(task.targets) <= 4 and len(set(task.targets)) == len(task.targets) for task in tasks)
    rules = set()
    for task in tasks:
        chosen = {}
        for link in task.links:
            assert link["intent"] and link["select"]["rule"] in (
                "first",
                "cheapest",
                "highest_rated",
                "nearest",
                "where",
                "matching",
            )
            rules.add(link["select"]["rule"])
            if link["select"]["rule"] in ("cheapest", "highest_rated", "nearest", "first"):
                key = (link["from_step"], link["items"])
                assert chosen.setdefault(key, link["select"]) == link["select"], task.links
        assert not any(name.startswith(("delete_", "cancel_")) for name in task.targets[:-1])  # a deletion ends it
    assert rules == {"first", "cheapest", "highest_rated", "nearest", "where", "matching"}


def test_a_nested_chain_keeps_one_value_for_a_parameter_its_steps_share(catalog):
    """search_restaurants(party_size=3) -> reserve_table(party_size=3): one situation, one party."""
    config = RunConfig(category="nested", n=600, mode="blueprint", seed=2, teacher=REMOTE)
    planner = Planner(config, catalog, EXAMPLE_TOOLS, PROMPTS, links=load_links(None, catalog))
    catalog_by_name = {tool.name: tool for tool in catalog}
    shared = 0
    for task in (planner.task(i) for i in range(600)):
        linked = {(link["step"], link["input"]) for link in task.links}
        for step, call in enumerate(task.blueprint[1:], start=1):
            for earlier in task.blueprint[:step]:
                for key in set(call["arguments"]) & set(earlier["arguments"]) - {k for s, k in linked if s == step}:
                    if isinstance(call["arguments"][key], list) and isinstance(earlier["arguments"][key], int):
                        assert earlier["arguments"][key] == len(call["arguments"][key])  # 2 passengers, 2 travellers
                        continue
                    if not fits_parameter(earlier["arguments"][key], catalog_by_name[call["name"]].parameters, key):
                        continue
                    shared += 1
                    assert call["arguments"][key] == earlier["arguments"][key], (task.targets, key)
    assert shared >= 20


def test_a_routine_commands_each_device_with_what_it_takes(catalog):
    """A lock locks, a vacuum starts, a light dims to a brightness; a time trigger has a time and
    no other trigger has one (create_automation's actions and trigger come from entity rows)."""
    takes = {
        "lights": {"turn_on", "turn_off", "set_brightness"},
        "lock": {"lock", "unlock"},
        "vacuum": {"start", "stop"},
    }
    types = {row["id"]: row["type"] for row in bundled_entities()["device"]}
    planner = _planner(catalog, category="single", n=1500, mode="blueprint", seed=4)
    routines = [
        t.blueprint[0]["arguments"] for t in (planner.task(i) for i in range(1500)) if t.target == "create_automation"
    ]
    assert len(routines) >= 10
    for arguments in routines:
        trigger = arguments["trigger"]
        assert ("at" in trigger) <= (trigger["type"] == "time"), trigger
        for action in arguments["actions"]:
            assert action["command"] in takes.get(types[action["device_id"]], {"turn_on", "turn_off"}), action
            assert (action.get("value") is not None) <= (action["command"] == "set_brightness"), action


def test_a_parallel_lookup_of_the_same_function_changes_one_thing(catalog):
    """Flights from Boston to Bangkok and to Lisbon on one day, not a second trip from Orlando in
    another month: a further call of the same function keeps every value of the first but one
    group (an entity row's fields, else one required value, with the values ordered after it),
    and that group is given in both (not list_tasks() beside list_tasks(status="all"))."""
    planner = _planner(catalog, category="parallel", n=800, mode="blueprint", seed=3)
    tools = {tool.name: tool for tool in catalog}
    pairs = 0
    for task in (planner.task(i) for i in range(800)):
        first: dict = {}
        for call in task.blueprint:
            if call["name"] not in first or not tools[call["name"]].read_only:  # writes are drawn whole
                first[call["name"]] = call["arguments"]
                continue
            pairs += 1
            properties = tools[call["name"]].parameters.get("properties") or {}

            def group(key, properties=properties):
                return (properties.get(key) or {}).get("x-entity-key") or key

            before = first[call["name"]]
            changed = {
                key for key in set(before) | set(call["arguments"]) if before.get(key) != call["arguments"].get(key)
            }
            anchors = {(properties.get(key) or {}).get("x-after") for key in changed}
            roots = {group(key) for key in changed if (properties.get(key) or {}).get("x-after") not in changed}
            assert len(roots) == 1, (call["name"], before, call["arguments"], anchors)
            assert any(key in before and key in call["arguments"] for key in changed), (before, call["arguments"])
            assert not any(isinstance(before.get(key), bool) for key in changed), (before, call["arguments"])
    assert pairs >= 100


def test_a_follow_up_changes_a_value(catalog):
    """ "Same as before, but ..." asks for something new: a follow-up call is never the previous
    call again (an e-mail bound to the persona redraws to itself; another value must change)."""
    planner = _planner(catalog, category="multi_turn", n=600, mode="blueprint", seed=5)
    followups = 0
    for task in (planner.task(i) for i in range(600)):
        for turn in task.turns or []:
            if turn["kind"] == "followup":
                followups += 1
                now, before = task.blueprint[turn["call"]], task.blueprint[turn["call"] - 1]
                assert now["arguments"] != before["arguments"], (now, turn)
                assert all(now["arguments"].get(k) != before["arguments"].get(k) for k in turn["changed"][:1]), (
                    now,
                    before,
                    turn,
                )
    assert followups >= 100


def test_a_new_call_turn_is_not_the_last_call_again(catalog):
    """A new call turn that drew the previous call again (one scenario gives one weather lookup)
    would be a repeated_call, defaults filled in (get_company_profile(NESN) after the same call with
    include_financials false): another tool is drawn instead."""
    planner = _planner(catalog, category="multi_turn", n=600, mode="blueprint", seed=5)
    tools = {tool.name: tool for tool in catalog}
    for task in (planner.task(i) for i in range(600)):
        for turn in task.turns or []:
            if turn["kind"] == "call" and turn["call"] > 0:
                now, before = task.blueprint[turn["call"]], task.blueprint[turn["call"] - 1]
                schemas = {c["name"]: tools[c["name"]].parameters for c in (now, before)}
                assert canonical_calls([now], schemas) != canonical_calls([before], schemas), (task.targets, now)


def test_multi_turn_moves_forward(catalog):
    """At most one turn of plain chat (plan.chat_turns), so every conversation has two or more
    call turns; a follow-up repeats a lookup, never a write ("cancel the same order again")."""
    tools = {tool.name: tool for tool in catalog}
    for mode in ("blueprint", "free"):
        planner = _planner(catalog, category="multi_turn", n=300, mode=mode, seed=3, teacher=REMOTE)
        kinds = set()
        for task in (planner.task(i) for i in range(300)):
            chats = sum(turn["kind"] == "chat" for turn in task.turns)
            assert chats <= 1 and len(task.turns) - chats >= 2, task.turns
            kinds |= {turn["kind"] for turn in task.turns}
            for turn in task.turns:
                if turn["kind"] == "followup":
                    assert tools[task.targets[turn["call"] - 1]].read_only, (task.targets, turn)
        assert kinds == {"chat", "call", "followup"}
    planner = _planner(
        catalog, category="multi_turn", n=50, mode="blueprint", seed=3, teacher=REMOTE, plan={"chat_turns": 0}
    )
    assert not any(turn["kind"] == "chat" for i in range(50) for turn in planner.task(i).turns)


def test_a_missing_value_is_one_a_user_knows(catalog):
    """no_call missing_value never asks for an internal id (media_id, event_id): people know a
    date, a name, an amount; a tool whose request would have to state an id is not used for it."""
    planner = _planner(
        catalog,
        category="no_call",
        n=400,
        mode="blueprint",
        seed=3,
        teacher=REMOTE,
        plan={"no_call_kinds": {"missing_value": 1}},
    )
    missing = [planner.task(i) for i in range(400)]
    missing = [task for task in missing if task.kind == "missing_value"]
    assert len(missing) >= 100
    for task in missing:
        schema = tools_schema = next(t for t in catalog if t.name == task.target).parameters["properties"][task.missing]
        assert not re.search(r"(?:^|_)ids?$", task.missing) or tools_schema.get("x-aliases"), (
            task.target,
            task.missing,
        )
        assert planner.sayable(task.target), task.target
        assert schema
