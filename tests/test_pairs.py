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
from pipeline.pairs import PAIR_TYPES, build_pairs, cut, pair_counts, pairs_for, verdict
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
            out[mode] = {"records": [parse_record(r) for r in result["accepted"]], "pairs": pairs, "manifest": result["manifest"]}
    return out


def _recheck(record, pair):
    """The chosen and rejected cuts of a pair's source record, checked again from scratch."""
    index = len(pair["prompt"])
    assert record.to_dict()["messages"][:index] == pair["prompt"]
    chosen = run_checks(cut(record, index, pair["chosen"][0]), CHECKS)
    rejected = run_checks(cut(record, index, pair["rejected"][0]), CHECKS)
    return chosen, rejected


def test_every_pair_of_a_run_fails_for_exactly_its_reason_and_its_chosen_passes(runs):
    seen = Counter()
    for mode, run in runs.items():
        by_id = {record.id: record for record in run["records"]}
        assert run["pairs"], mode
        for pair in run["pairs"]:
            chosen, rejected = _recheck(by_id[pair["record_id"]], pair)
            assert chosen == [], (pair["type"], chosen)
            assert verdict(PAIR_TYPES[pair["type"]], rejected) == {pair["code"]}, (pair["type"], rejected)
            assert pair["rejected"] != pair["chosen"] and pair["source"] == "perturbed"
            seen[pair["type"]] += 1
    # the fake teacher's records give every type but the two the handcrafted records below cover
    assert set(seen) >= set(PAIR_TYPES) - {"wrong_order", "call_in_no_call"}, seen


def test_a_run_keeps_at_least_60_percent_semantic_pairs_and_counts_them(runs):
    for run in runs.values():
        summary = run["manifest"]["pairs"]
        assert summary == pair_counts_of(run["pairs"])
        assert summary["semantic_share"] >= 0.6
        assert run["manifest"]["counts"]["pairs"] == len(run["pairs"]) == summary["total"]
        semantic = [p for p in run["pairs"] if PAIR_TYPES[p["type"]].semantic]
        for pair in semantic:  # schema-valid and grounded: only the reference tells it apart
            record = next(r for r in run["records"] if r.id == pair["record_id"])
            _, rejected = _recheck(record, pair)
            assert {issue.check for issue in rejected} == {"reference"}


def pair_counts_of(rows):
    class Row:
        def __init__(self, row):
            self.__dict__.update(row)
    return pair_counts([Row(row) for row in rows])


def test_a_wrong_function_pair_calls_a_same_domain_sibling_when_there_is_one(runs):
    pairs = [p for run in runs.values() for p in run["pairs"] if p["type"] == "wrong_function"]
    assert pairs
    same = 0
    for pair in pairs:
        chosen = pair["chosen"][0]["tool_calls"]
        rejected = pair["rejected"][0]["tool_calls"]
        changed = [(c["function"]["name"], r["function"]["name"]) for c, r in zip(chosen, rejected) if c["function"]["name"] != r["function"]["name"]]
        assert len(changed) == 1
        was, now = changed[0]
        same += DOMAINS.get(now) == DOMAINS.get(was)
    assert same >= len(pairs) // 2  # distractors come from the same domain first; most siblings fit


def _record(category, tools, messages, meta):
    return parse_record({"id": f"hand-{category}", "category": category, "tools": [_tool(name) for name in tools],
                         "messages": messages, "meta": {"now": "2026-11-23T10:00:00Z", **meta}})


def test_wrong_order_swaps_the_dependent_calls_of_an_ordered_turn():
    calls = [{"id": "a1B2c3D4e", "type": "function", "function": {"name": "get_stock_price", "arguments": {"ticker": "NVDA"}}},
             {"id": "f5G6h7J8k", "type": "function", "function": {"name": "get_stock_price", "arguments": {"ticker": "AAPL"}}}]
    record = _record("nested", ["get_stock_price", "get_current_weather"],
                     [{"role": "user", "content": "First get the NVDA price, and only then the AAPL price."},
                      {"role": "assistant", "content": None, "tool_calls": calls}],
                     {"reference": [{"message": 1, "calls": [c["function"] for c in calls], "ordered": True}]})
    pairs = pairs_for(record, CHECKS, {"wrong_order": 1}, DOMAINS)
    assert [p.type for p in pairs] == ["wrong_order"]
    assert [c["function"]["arguments"]["ticker"] for c in pairs[0].rejected[0]["tool_calls"]] == ["AAPL", "NVDA"]
    assert verdict(PAIR_TYPES["wrong_order"], run_checks(cut(record, 1, pairs[0].rejected[0]), CHECKS)) == {"wrong_order"}
    assert run_checks(cut(record, 1, pairs[0].chosen[0]), CHECKS) == []


def test_wrong_order_is_no_mistake_for_independent_calls():
    calls = [{"id": "a1B2c3D4e", "type": "function", "function": {"name": "get_stock_price", "arguments": {"ticker": "NVDA"}}},
             {"id": "f5G6h7J8k", "type": "function", "function": {"name": "get_stock_price", "arguments": {"ticker": "AAPL"}}}]
    record = _record("parallel", ["get_stock_price"], [{"role": "user", "content": "Prices of NVDA and AAPL please."},
                                                       {"role": "assistant", "content": None, "tool_calls": calls}], {})
    assert pairs_for(record, CHECKS, {"wrong_order": 1}, DOMAINS) == []  # reversed parallel calls still pass: no pair


def test_call_in_no_call_calls_an_offered_tool_where_words_were_right():
    record = _record("no_call", ["get_unread_count", "list_devices"],
                     [{"role": "user", "content": "What is a good name for a grey kitten?"},
                      {"role": "assistant", "content": "How about Ash, Smokey or Pebble?"}],
                     {"no_call": {"kind": "unrelated"}})
    pairs = pairs_for(record, CHECKS, {"call_in_no_call": 1}, DOMAINS)
    assert [p.type for p in pairs] == ["call_in_no_call"]
    rejected = pairs[0].rejected[0]
    assert rejected["tool_calls"][0]["function"]["name"] in ("get_unread_count", "list_devices")
    assert verdict(PAIR_TYPES["call_in_no_call"], run_checks(cut(record, 1, rejected), CHECKS)) == {"call_in_no_call"}
    assert run_checks(cut(record, 1, pairs[0].chosen[0]), CHECKS) == []


def test_a_record_whose_cut_fails_a_check_gives_no_pair():
    record = _record("single", ["get_stock_price"], [{"role": "user", "content": "Price of NVDA?"},
                                                     {"role": "assistant", "content": None, "tool_calls": [
                                                         {"id": "a1B2c3D4e", "type": "function",
                                                          "function": {"name": "get_stock_price", "arguments": {"ticker": "TSLA"}}}]}], {})
    assert run_checks(cut(record, 1, record.to_dict()["messages"][1]), CHECKS)  # TSLA is nobody's word
    assert pairs_for(record, CHECKS, None, DOMAINS) == []


def test_the_mix_limits_the_types_and_the_semantic_share_drops_easy_pairs(runs):
    records = runs["blueprint"]["records"]
    only = build_pairs(records, CHECKS, {"missing_required": 1, "wrong_type": 1}, DOMAINS, semantic_share=0)
    assert only and {p.type for p in only} <= {"missing_required", "wrong_type"}
    assert build_pairs(records, CHECKS, {"missing_required": 1}, DOMAINS, semantic_share=0.6) == []  # no semantic pair to balance them
    assert build_pairs(records, CHECKS, None, DOMAINS, seed=3) == build_pairs(records, CHECKS, None, DOMAINS, seed=3)


def test_the_config_rejects_an_unknown_pair_type():
    with pytest.raises(ValueError, match="unknown pair type 'wrong_vibe'"):
        PairsConfig(mix={"wrong_vibe": 1})
