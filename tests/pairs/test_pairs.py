"""pipeline.pairs: every pair type's rejected turn fails the checks with exactly its code, the
chosen turn passes, and a run writes pairs.jsonl with the counts in its manifest."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from filters.base import run_checks
from filters.checks import default_checks
from filters.grounding import GroundingOptions
from pipeline.config import PairsConfig
from pipeline.pairs import PAIR_TYPES, Pair, build_pairs, cut, generated_pairs, is_semantic, pairs_for, verdict
from pipeline.pairs.build import chosen_cut
from pipeline.pairs.kinds import implausible
from pipeline.record import parse_record
from pipeline.seeds import alias_table, load_tools
from tests.fake_openai import FakeOpenAI
from tests.generate.helpers import run_category

CATALOG = load_tools()
CHECKS = default_checks(grounding=GroundingOptions(aliases=alias_table(CATALOG)))
DOMAINS = {tool.name: tool.domain for tool in CATALOG}


def _tool(name):
    return next(tool for tool in CATALOG if tool.name == name).to_tool().model_dump()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Accepted records and pairs of an `all` run in each mode against the fake teacher."""
    out = {}
    with FakeOpenAI() as fake:
        for mode in ("blueprint", "free"):
            folder = tmp_path_factory.mktemp(mode)
            result = run_category(fake, folder, "all", mode, n=40)
            pairs = [json.loads(line) for line in (folder / "pairs.jsonl").read_text().splitlines()]
            out[mode] = {
                "records": [parse_record(r) for r in result["accepted"]],
                "pairs": pairs,
                "manifest": result["manifest"],
            }
    return out


def _recheck(record, pair):
    """The chosen and rejected cuts of a pair's source record, checked again from scratch."""
    index = len(pair["prompt"])
    assert record.to_dict()["messages"][:index] == pair["prompt"]
    assert record.to_dict()["messages"][index] == pair["chosen"][0]
    chosen = run_checks(chosen_cut(record, index), CHECKS)  # a confirmation question: with the yes and the call
    rejected = run_checks(cut(record, index, pair["rejected"][0]), CHECKS)
    return chosen, rejected


def test_every_pair_of_a_run_fails_for_exactly_its_reason_and_its_chosen_passes(runs):
    seen = Counter()
    for mode, run in runs.items():
        by_id = {record.id: record for record in run["records"]}
        assert run["pairs"], mode
        for pair in run["pairs"]:
            if pair["source"] == "generated":  # a rejected candidate's own mistake: tested below
                continue
            chosen, rejected = _recheck(by_id[pair["record_id"]], pair)
            assert chosen == [], (pair["type"], chosen)
            assert verdict(PAIR_TYPES[pair["type"]], rejected) == {pair["code"]}, (pair["type"], rejected)
            assert pair["rejected"] != pair["chosen"] and pair["source"] == "perturbed"
            seen[pair["type"]] += 1
    # the fake teacher's records give every type but the ones handcrafted records cover (below, in
    # test_asking.py: a forbidden request or an exercised max_arg rule is rare in 40 records,
    # and the value mistakes (tests/pairs/test_values.py: 40 records rarely hold their situations)
    values = {"wrong_date", "unmeant_date", "wrong_year", "wrong_unit", "unmeant_unit", "wrong_alias"}
    values |= {"partial_parallel", "partial_parallel_repeat", "misread_result"}
    assert (
        set(seen) >= set(PAIR_TYPES) - {"wrong_order", "call_in_no_call", "ignored_result", "forbidden_call"} - values
    ), seen


def test_a_run_keeps_at_least_60_percent_semantic_pairs_and_counts_them(runs):
    for run in runs.values():
        summary = run["manifest"]["pairs"]
        assert summary["by_type"] == dict(sorted(Counter(p["type"] for p in run["pairs"]).items()))
        semantic = [p for p in run["pairs"] if is_semantic(Pair(**p))]
        assert summary["semantic_share"] == round(len(semantic) / len(run["pairs"]), 3) >= 0.6
        assert run["manifest"]["counts"]["pairs"] == len(run["pairs"]) == summary["total"]
        # schema-valid and grounded: only the reference (and a category's call count) tell it apart
        for pair in (p for p in semantic if p["source"] == "perturbed"):
            record = next(r for r in run["records"] if r.id == pair["record_id"])
            _, rejected = _recheck(record, pair)
            assert {issue.check for issue in rejected} <= {"reference", "category"}, rejected
            assert {issue.code for issue in rejected} == {pair["code"]}, rejected


def test_a_wrong_function_pair_calls_a_same_domain_sibling_when_there_is_one(runs):
    pairs = [p for run in runs.values() for p in run["pairs"] if p["type"] == "wrong_function"]
    assert pairs
    same = 0
    for pair in pairs:
        chosen = pair["chosen"][0]["tool_calls"]
        rejected = pair["rejected"][0]["tool_calls"]
        changed = [
            (c["function"]["name"], r["function"]["name"])
            for c, r in zip(chosen, rejected)
            if c["function"]["name"] != r["function"]["name"]
        ]
        assert len(changed) == 1
        was, now = changed[0]
        same += DOMAINS.get(now) == DOMAINS.get(was)
    assert same >= len(pairs) // 2  # distractors come from the same domain first; most siblings fit


def _record(category, tools, messages, meta):
    return parse_record(
        {
            "id": f"hand-{category}",
            "category": category,
            "tools": [_tool(name) for name in tools],
            "messages": messages,
            "meta": {"now": "2026-11-23T10:00:00Z", **meta},
        }
    )


def test_wrong_order_swaps_the_dependent_calls_of_an_ordered_turn():
    calls = [
        {
            "id": "a1B2c3D4e",
            "type": "function",
            "function": {"name": "get_stock_price", "arguments": {"ticker": "NVDA"}},
        },
        {
            "id": "f5G6h7J8k",
            "type": "function",
            "function": {"name": "get_stock_price", "arguments": {"ticker": "AAPL"}},
        },
    ]
    record = _record(
        "nested",
        ["get_stock_price", "get_current_weather"],
        [
            {"role": "user", "content": "First get the NVDA price, and only then the AAPL price."},
            {"role": "assistant", "content": None, "tool_calls": calls},
        ],
        {"reference": [{"message": 1, "calls": [c["function"] for c in calls], "ordered": True}]},
    )
    pairs = pairs_for(record, CHECKS, {"wrong_order": 1}, DOMAINS)
    assert [p.type for p in pairs] == ["wrong_order"]
    assert [c["function"]["arguments"]["ticker"] for c in pairs[0].rejected[0]["tool_calls"]] == ["AAPL", "NVDA"]
    assert verdict(PAIR_TYPES["wrong_order"], run_checks(cut(record, 1, pairs[0].rejected[0]), CHECKS)) == {
        "wrong_order"
    }
    assert run_checks(cut(record, 1, pairs[0].chosen[0]), CHECKS) == []


def test_wrong_order_is_no_mistake_for_independent_calls():
    calls = [
        {
            "id": "a1B2c3D4e",
            "type": "function",
            "function": {"name": "get_stock_price", "arguments": {"ticker": "NVDA"}},
        },
        {
            "id": "f5G6h7J8k",
            "type": "function",
            "function": {"name": "get_stock_price", "arguments": {"ticker": "AAPL"}},
        },
    ]
    record = _record(
        "parallel",
        ["get_stock_price"],
        [
            {"role": "user", "content": "Prices of NVDA and AAPL please."},
            {"role": "assistant", "content": None, "tool_calls": calls},
        ],
        {},
    )
    assert pairs_for(record, CHECKS, {"wrong_order": 1}, DOMAINS) == []  # reversed parallel calls still pass: no pair


def test_call_in_no_call_calls_an_offered_tool_where_words_were_right():
    record = _record(
        "no_call",
        ["get_unread_count", "list_devices"],
        [
            {"role": "user", "content": "What is a good name for a grey kitten?"},
            {"role": "assistant", "content": "How about Ash, Smokey or Pebble?"},
        ],
        {"no_call": {"kind": "unrelated"}},
    )
    pairs = pairs_for(record, CHECKS, {"call_in_no_call": 1}, DOMAINS)
    assert [p.type for p in pairs] == ["call_in_no_call"]
    rejected = pairs[0].rejected[0]
    assert rejected["tool_calls"][0]["function"]["name"] in ("get_unread_count", "list_devices")
    assert verdict(PAIR_TYPES["call_in_no_call"], run_checks(cut(record, 1, rejected), CHECKS)) == {"call_in_no_call"}
    assert run_checks(cut(record, 1, pairs[0].chosen[0]), CHECKS) == []


def test_a_record_whose_cut_fails_a_check_gives_no_pair():
    record = _record(
        "single",
        ["get_stock_price"],
        [
            {"role": "user", "content": "Price of NVDA?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "a1B2c3D4e",
                        "type": "function",
                        "function": {"name": "get_stock_price", "arguments": {"ticker": "TSLA"}},
                    }
                ],
            },
        ],
        {},
    )
    assert run_checks(cut(record, 1, record.to_dict()["messages"][1]), CHECKS)  # TSLA is nobody's word
    assert pairs_for(record, CHECKS, None, DOMAINS) == []


def test_the_mix_limits_the_types_and_the_semantic_share_drops_easy_pairs(runs):
    records = runs["blueprint"]["records"]
    only = build_pairs(records, CHECKS, {"missing_required": 1, "wrong_type": 1}, DOMAINS, semantic_share=0)
    assert only and {p.type for p in only} <= {"missing_required", "wrong_type"}
    assert (
        build_pairs(records, CHECKS, {"missing_required": 1}, DOMAINS, semantic_share=0.6) == []
    )  # no semantic pair to balance them
    assert build_pairs(records, CHECKS, None, DOMAINS, seed=3) == build_pairs(records, CHECKS, None, DOMAINS, seed=3)


def test_the_config_rejects_an_unknown_pair_type():
    with pytest.raises(ValueError, match="unknown pair type 'wrong_vibe'"):
        PairsConfig(mix={"wrong_vibe": 1})


def _stock_record(ticker, codes=None, content="Price of NVDA please, not TSLA."):
    calls = [
        {
            "id": "a1B2c3D4e",
            "type": "function",
            "function": {"name": "get_stock_price", "arguments": {"ticker": ticker}},
        }
    ]
    meta = {"reference": [{"message": 1, "calls": [{"name": "get_stock_price", "arguments": {"ticker": "NVDA"}}]}]}
    if codes is not None:
        meta["codes"] = codes
    return {
        "id": f"rej-{ticker}",
        "category": "single",
        "tools": [_tool("get_stock_price"), _tool("get_current_weather")],
        "messages": [{"role": "user", "content": content}, {"role": "assistant", "content": None, "tool_calls": calls}],
        "meta": {"now": "2026-11-23T10:00:00Z", **meta},
    }


def test_a_real_failure_pairs_the_solvers_turn_with_its_reference():
    pairs = generated_pairs([_stock_record("TSLA", ["wrong_value"])], CHECKS)
    assert [(p.type, p.source, p.code) for p in pairs] == [("wrong_value", "generated", "wrong_value")]
    pair = pairs[0]
    assert pair.rejected[0]["tool_calls"][0]["function"]["arguments"] == {"ticker": "TSLA"}
    assert pair.chosen[0]["tool_calls"][0]["function"]["arguments"] == {"ticker": "NVDA"}
    assert pair.prompt == [{"role": "user", "content": "Price of NVDA please, not TSLA."}]


@pytest.mark.parametrize(
    "entry",
    [
        _stock_record("TSLA", ["wrong_value", "too_short"]),  # the request itself is weak: no pair
        _stock_record("TSLA", ["duplicate"]),
        _stock_record("NVDA", ["wrong_value"]),  # nothing differs from the reference
        _stock_record(
            "TSLA", ["wrong_value"], content="Price of TSLA please."
        ),  # the reference is not grounded: chosen fails
        {
            **_stock_record("TSLA", ["ungrounded_value"]),
            "messages": [{"role": "user", "content": "Price please."}],
        },  # rejected before solving
    ],
)
def test_real_failures_need_a_sound_request_and_a_passing_reference(entry):
    assert generated_pairs([entry], CHECKS) == []


def test_ignored_result_replaces_a_linked_value_with_one_said_earlier():
    search = {
        "id": "q1W2e3R4t",
        "type": "function",
        "function": {"name": "get_stock_price", "arguments": {"ticker": "NVDA"}},
    }
    record = _record(
        "nested",
        ["get_stock_price"],
        [
            {"role": "user", "content": "Price NVDA, then the price of the ticker it names as its peer."},
            {"role": "assistant", "content": None, "tool_calls": [search]},
            {
                "role": "tool",
                "tool_call_id": "q1W2e3R4t",
                "name": "get_stock_price",
                "content": '{"ticker": "NVDA", "peer": "AMD"}',
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "y5U6i7O8p",
                        "type": "function",
                        "function": {"name": "get_stock_price", "arguments": {"ticker": "AMD"}},
                    }
                ],
            },
        ],
        {"links": [{"message": 3, "call": 0, "argument": "ticker", "from_message": 2, "output": "peer"}]},
    )
    pairs = pairs_for(record, CHECKS, {"ignored_result": 1}, DOMAINS)
    assert [(p.type, p.code) for p in pairs] == [("ignored_result", "unused_tool_result")]
    assert pairs[0].rejected[0]["tool_calls"][0]["function"]["arguments"] == {"ticker": "NVDA"}
    assert verdict(PAIR_TYPES["ignored_result"], run_checks(cut(record, 3, pairs[0].rejected[0]), CHECKS)) == {
        "unused_tool_result"
    }


def test_a_second_solve_that_goes_wrong_pairs_with_the_accepted_turn(tmp_path):
    """Two solves of one phrased request: the one that round-tripped is accepted, the other,
    rejected by the checks, is its sibling in a generated pair."""
    from tests.fake_openai import asked_keys

    def second_solve_forgets(number, body, content):
        if body.get("temperature") == 0.9 and asked_keys(body) == {"arguments"}:
            return json.dumps({"arguments": {}})
        return content

    with FakeOpenAI() as fake:
        fake.corrupt = second_solve_forgets
        result = run_category(fake, tmp_path / "run", "single", "blueprint", n=6, pairs={"second_solve": 0.9})
    pairs = [json.loads(line) for line in (tmp_path / "run" / "pairs.jsonl").read_text().splitlines()]
    siblings = [
        p for p in pairs if p["source"] == "generated" and p["record_id"] in {r["id"] for r in result["accepted"]}
    ]
    assert siblings, pairs
    by_id = {r["id"]: r for r in result["accepted"]}
    for pair in siblings:
        record = by_id[pair["record_id"]]
        assert record["meta"]["alternatives"][0]["temperature"] == 0.9
        assert pair["chosen"] == [record["messages"][len(pair["prompt"])]]  # the accepted turn itself
        assert pair["rejected"][0]["tool_calls"][0]["function"]["arguments"] == {}
        tool = next(
            t["function"]
            for t in record["tools"]
            if t["function"]["name"] == pair["rejected"][0]["tool_calls"][0]["function"]["name"]
        )
        # empty arguments miss a required one, or (a tool whose parameters are all optional) the values asked for
        assert ("missing_required" if tool["parameters"].get("required") else "wrong_value") in pair["code"]


def test_invented_value_copies_the_schemas_example_or_shifts_a_number():
    calls = [
        {
            "id": "a1B2c3D4e",
            "type": "function",
            "function": {"name": "get_current_weather", "arguments": {"location": "Berlin"}},
        }
    ]
    record = _record(
        "single",
        ["get_current_weather"],
        [
            {"role": "user", "content": "Weather in Berlin?"},
            {"role": "assistant", "content": None, "tool_calls": calls},
        ],
        {},
    )
    pairs = pairs_for(record, CHECKS, {"invented_value": 1}, DOMAINS)
    assert [(p.type, p.code) for p in pairs] == [("invented_value", "ungrounded_value")]
    assert pairs[0].rejected[0]["tool_calls"][0]["function"]["arguments"] == {
        "location": "Boston, MA"
    }  # the schema's example


def test_enforcing_the_semantic_share_drops_non_semantic_pairs_evenly_across_types(runs):
    records = runs["blueprint"]["records"]
    every = build_pairs(records, CHECKS, None, DOMAINS, semantic_share=0)
    kept = build_pairs(records, CHECKS, None, DOMAINS, semantic_share=0.6)
    others = Counter(p.type for p in every if not is_semantic(p))
    left = Counter(p.type for p in kept if not is_semantic(p))
    assert sum(map(is_semantic, kept)) == sum(map(is_semantic, every)) and sum(left.values()) < sum(others.values())
    fair = sum(left.values()) // len(others)
    for name, count in others.items():  # each type keeps its turn: none dropped whole for coming late
        assert left[name] >= min(count, fair), (name, left, others)


def test_every_accepted_call_of_a_run_is_type_plausible(runs):
    """The kinds are no stricter than the data: a clean record's values all fit their parameters."""
    calls = 0
    for run in runs.values():
        for record in run["records"]:
            schemas = record.tool_schemas()
            for message in record.messages:
                for call in message.tool_calls or []:
                    calls += 1
                    function = call.function
                    assert implausible(function.name, schemas[function.name], function.arguments) == [], function
    assert calls >= 80
