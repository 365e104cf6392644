"""pipeline.hf_dataset: records and pairs -> Parquet folder -> datasets.load_dataset -> the same objects."""

from __future__ import annotations

import copy

import datasets
import pyarrow.parquet as pq
import pytest

from pipeline.publish.hf_dataset import exact_json_decoding, group_key, split_of, write_dataset
from pipeline.record import parse_record


def _call(name, arguments, call_id):
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _tool(name, properties, required=()):
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} tool",
            "parameters": {"type": "object", "properties": properties, "required": list(required)},
        },
    }


RECORDS = [
    {
        "id": "r1",
        "category": "single",
        "tools": [_tool("get_stock_price", {"ticker": {"type": "string"}}, ["ticker"])],
        "messages": [
            {"role": "user", "content": "What is Nvidia at?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_call("get_stock_price", {"ticker": "NVDA"}, "a1B2c3D4e")],
            },
        ],
        "meta": {"teacher": {"model": "m", "temperature": 0.7}, "tool_results": []},
    },
    {
        "id": "r2",
        "category": "single",
        "tools": [_tool("get_forecast", {"n": {"type": "integer"}, "when": {"type": "string"}}, ["n"])],
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "3 days of forecast from tomorrow"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_call("get_forecast", {"n": 3, "when": "tomorrow"}, "f5G6h7J8k")],
            },
        ],
        "meta": {"policy": [{"rule": "confirm_before", "tool": "x"}]},
    },
    {
        "id": "r3",
        "category": "nested",
        "tools": [
            _tool("search", {"q": {"type": "string"}, "filters": {"type": "object"}}),
            _tool("get_stock_price", {"ticker": {"type": "string"}}, ["ticker"]),
        ],
        "messages": [
            {"role": "user", "content": "Find Apple and price it"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_call("search", {"q": "Apple", "filters": {"kind": ["stock"], "x": None}}, "q1W2e3R4t")],
            },
            {"role": "tool", "tool_call_id": "q1W2e3R4t", "name": "search", "content": '{"ticker": "AAPL"}'},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_call("get_stock_price", {"ticker": "AAPL"}, "y5U6i7O8p")],
            },
            {"role": "tool", "tool_call_id": "y5U6i7O8p", "name": "get_stock_price", "content": '{"price": 190.1}'},
            {"role": "assistant", "content": "Apple trades at $190.10."},
        ],
        "meta": {
            "tool_results": ["mocked", "executed"],
            "links": [{"message": 3, "call": 0, "argument": "ticker", "from_message": 2, "output": "ticker"}],
        },
    },
    {
        "id": "r4",
        "category": "no_call",
        "tools": [_tool("get_stock_price", {"ticker": {"type": "string"}}, ["ticker"])],
        "messages": [
            {"role": "user", "content": "Tell me a joke"},
            {"role": "assistant", "content": "Why did the chart cross the road?"},
        ],
        "meta": {"no_call": {"kind": "unrelated"}},
    },
]


@pytest.fixture(autouse=True)
def _exact_floats(monkeypatch):
    """datasets' own Json decoding reads some floats 1 ulp off (see test_floats_...)."""
    import datasets.features.features as features

    monkeypatch.setattr(features, "ujson_loads", features.ujson_loads)  # restored after the test
    exact_json_decoding()


PAIRS = [
    {
        "id": "p1",
        "record_id": "r1",
        "category": "single",
        "type": "wrong_value",
        "source": "perturbed",
        "code": "wrong_value",
        "prompt": RECORDS[0]["messages"][:1],
        "chosen": RECORDS[0]["messages"][1:],
        "rejected": [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_call("get_stock_price", {"ticker": "NVDA "}, "a1B2c3D4e")],
            }
        ],
        "tools": RECORDS[0]["tools"],
    }
]


def _records():
    return [parse_record(copy.deepcopy(r)) for r in RECORDS]


def test_records_read_back_identical_key_by_key_per_config(tmp_path):
    records = _records()
    written = write_dataset(tmp_path / "ds", records, PAIRS, test_share=0.0)
    names = [c["config_name"] for c in written["configs"]]
    assert names == ["all", "nested", "no_call", "single", "pairs", "portable", "portable-pairs"]
    for category in ("single", "nested", "no_call"):
        loaded = datasets.load_dataset("parquet", data_files=_files(tmp_path / "ds", written, category))
        rows = list(loaded["train"])
        expected = [r.to_dict() for r in records if r.category == category]
        assert [row["id"] for row in rows] == [r["id"] for r in expected]
        for row, record in zip(rows, expected):
            for key in ("tools", "messages", "meta", "category"):
                assert row[key] == record[key], (category, key)  # no null keys merged in from other rows
    first = datasets.load_dataset("parquet", data_files=_files(tmp_path / "ds", written, "single"))["train"][0]
    assert first["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"ticker": "NVDA"}
    assert "n" not in first["messages"][1]["tool_calls"][0]["function"]["arguments"]


def _files(folder, written, name):
    config = next(c for c in written["configs"] if c["config_name"] == name)
    return {entry["split"]: str(folder / entry["path"]) for entry in config["data_files"]}


def test_the_folder_loads_by_config_name_through_its_readme(tmp_path):
    from pipeline.publish.card import render_card  # the README's YAML header is what load_dataset reads

    records = _records()
    written = write_dataset(tmp_path / "ds", records, PAIRS, test_share=0.0)
    (tmp_path / "ds" / "README.md").write_text(render_card(written, manifest=None, license="apache-2.0"))
    nested = datasets.load_dataset(str(tmp_path / "ds"), "nested")
    assert nested["train"][0]["messages"] == records[2].to_dict()["messages"]
    everything = datasets.load_dataset(str(tmp_path / "ds"))  # `all` is the default config
    assert sorted(everything["train"]["id"]) == ["r1", "r2", "r3", "r4"]
    pairs = datasets.load_dataset(str(tmp_path / "ds"), "pairs")["train"]
    assert pairs[0]["rejected"] == PAIRS[0]["rejected"] and pairs[0]["tools"] == PAIRS[0]["tools"]


def test_the_columns_are_json_not_inferred_structs(tmp_path):
    write_dataset(tmp_path / "ds", _records(), [], test_share=0.0)
    schema = pq.read_schema(tmp_path / "ds" / "data" / "single" / "train-00000-of-00001.parquet")
    for column in ("tools", "messages", "meta"):
        assert "struct" not in str(schema.field(column).type)


def test_the_split_is_stable_by_group_and_holds_out_tools():
    records = _records()
    reworded = parse_record(
        {
            **copy.deepcopy(RECORDS[0]),
            "id": "r1b",
            "messages": [{"role": "user", "content": "Nvidia price please"}, RECORDS[0]["messages"][1]],
        }
    )
    assert group_key(reworded) == group_key(records[0])  # only the wording differs: one group
    assert split_of(reworded, 0.5) == split_of(records[0], 0.5)
    assert [split_of(r, 0.0) for r in records] == ["train"] * 4 and [split_of(r, 1.0) for r in records] == ["test"] * 4
    assert split_of(records[2], 0.0, holdout_tools=["search"]) == "test"
    shares = [
        split_of(
            parse_record(
                {
                    **copy.deepcopy(RECORDS[0]),
                    "id": f"x{i}",
                    "messages": [
                        RECORDS[0]["messages"][0],
                        {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [_call("get_stock_price", {"ticker": f"T{i}"}, "a1B2c3D4e")],
                        },
                    ],
                }
            ),
            0.2,
        )
        for i in range(400)
    ]
    assert 0.12 < shares.count("test") / 400 < 0.28


def test_pairs_follow_their_records_split(tmp_path):
    records = _records()
    written = write_dataset(tmp_path / "ds", records, PAIRS, test_share=0.0, holdout_tools=["get_stock_price"])
    assert written["counts"]["pairs"] == {"train": 0, "test": 1}
    assert written["counts"]["single"] == {"train": 1, "test": 1}


def test_the_trap_is_real_without_json_features():
    """Why the Json feature: an inferred struct merges the argument keys of different rows."""
    rows = [{"arguments": r["messages"][-1]["tool_calls"][0]["function"]["arguments"]} for r in RECORDS[:2]]
    merged = datasets.Dataset.from_list(rows)
    assert merged[0]["arguments"] == {"ticker": "NVDA", "n": None, "when": None}


def test_floats_are_stored_exactly_and_read_exactly_with_exact_json_decoding(tmp_path):
    record = parse_record({**copy.deepcopy(RECORDS[0]), "id": "f1", "meta": {"amounts": [0.7, 0.57, 1.41, 19.99, 0.3]}})
    write_dataset(tmp_path / "ds", [record], [], test_share=0.0)
    path = tmp_path / "ds" / "data" / "single" / "train-00000-of-00001.parquet"
    stored = pq.read_table(path).column("meta")[0].as_py()
    assert '"amounts":[0.7,0.57,1.41,19.99,0.3]' in stored.replace(" ", "")  # the file holds the exact text
    loaded = datasets.load_dataset("parquet", data_files=str(path))["train"][0]
    assert loaded["meta"]["amounts"] == [0.7, 0.57, 1.41, 19.99, 0.3]


def test_the_group_key_ignores_argument_and_call_order():
    two = {
        "id": "o1",
        "category": "parallel",
        "tools": [_tool("get_forecast", {"n": {"type": "integer"}, "when": {"type": "string"}})],
        "messages": [
            {"role": "user", "content": "3 days from tomorrow, and 5 from today"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    _call("get_forecast", {"n": 3, "when": "tomorrow"}, "a1B2c3D4e"),
                    _call("get_forecast", {"n": 5, "when": "today"}, "f5G6h7J8k"),
                ],
            },
        ],
    }
    swapped = copy.deepcopy(two)
    calls = swapped["messages"][1]["tool_calls"]
    calls.reverse()
    for call in calls:
        call["function"]["arguments"] = dict(reversed(list(call["function"]["arguments"].items())))
    assert group_key(parse_record(two)) == group_key(parse_record(swapped))
    changed = copy.deepcopy(two)
    changed["messages"][1]["tool_calls"][0]["function"]["arguments"]["n"] = 4
    assert group_key(parse_record(two)) != group_key(parse_record(changed))


def test_an_empty_run_writes_an_empty_folder(tmp_path):
    written = write_dataset(tmp_path / "ds", [], [])
    assert written == {"configs": [], "counts": {}} and (tmp_path / "ds").is_dir()
