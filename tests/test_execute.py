"""pipeline.execute: sandboxed executors, schema-driven mocks and result validation."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipeline import sandbox
from pipeline.execute import Execution, execute, validate_result
from pipeline.mock import mock_result
from pipeline.sampler import ArgumentSampler, NotDrawable
from pipeline.seeds import SeedTool, load_tools

TOOLS = {tool.name: tool for tool in load_tools(executors=[])}
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)


def _tool(tmp_path: Path, source: str, function: str = "run", result_schema=None, name: str = "probe") -> SeedTool:
    """A SeedTool whose executor is `source` written to a file in tmp_path."""
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    return SeedTool(
        name,
        "test executor",
        {"type": "object", "properties": {}},
        True,
        result_schema=result_schema,
        executor=f"{path}:{function}",
    )


def _sampled(tool: SeedTool, seed: int) -> dict:
    try:
        return ArgumentSampler(random.Random(seed), NOW, optional_rate=0.5).arguments(tool.parameters)
    except NotDrawable:
        return {}


def _gone(pid: int) -> bool:
    """True when the process no longer runs (exited or a zombie waiting for its parent)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return True


# -- the bundled executors -----------------------------------------------------------------------


def test_bundled_read_only_executors():
    executors = [tool for tool in TOOLS.values() if tool.executor]
    assert len(executors) >= 8
    assert all(tool.read_only for tool in executors)
    for tool in executors:
        path, _, function = tool.executor.rpartition(":")
        assert Path(path).is_absolute() and Path(path).is_file() and function == tool.name


@pytest.mark.parametrize(
    "name, arguments, expect",
    [
        (
            "convert_currency",
            {"amount": 100, "from_currency": "EUR", "to_currency": "USD"},
            {"converted_amount": 108.5, "rate": 1.085},
        ),
        ("get_stock_price", {"ticker": "NVDA"}, {"ticker": "NVDA", "currency": "USD"}),
        ("geocode_address", {"address": "Eiffel Tower, Paris"}, {"city": "Paris", "country_code": "FR"}),
        (
            "get_nutrition_facts",
            {"food_item": "banana", "serving_grams": 200},
            {"calories": 178.0, "serving_grams": 200},
        ),
        ("get_current_weather", {"location": "Oslo", "units": "imperial"}, {"location": "Oslo", "units": "imperial"}),
        (
            "get_travel_time",
            {"origin": "Union Station, Chicago", "destination": "Union Station, Chicago"},
            {"duration_minutes": 0},
        ),
        (  # 262 km as the crow flies (filters/data/gazetteer.json) x the road factor 1.25
            "get_travel_time",
            {"origin": "London", "destination": "Manchester", "mode": "driving"},
            {"distance_km": 327.2},
        ),
        ("geocode_address", {"address": "12 Rue de Rivoli, Paris"}, {"city": "Paris", "country_code": "FR"}),
        ("get_current_weather", {"location": "Bergen"}, {"location": "Bergen"}),  # a city outside the table
    ],
)
def test_real_executor_runs_in_the_sandbox(name, arguments, expect):
    run = execute(TOOLS[name], arguments)
    assert run.error is None, run.error
    assert validate_result(TOOLS[name], run.result) is None
    assert {key: run.result[key] for key in expect} == expect


@pytest.mark.parametrize(
    "name, arguments, error",
    [
        ("get_travel_time", {"origin": "London", "destination": "New York", "mode": "walking"}, "the sea lies between"),
        ("get_travel_time", {"origin": "Tokyo", "destination": "Seoul", "mode": "driving"}, "the sea lies between"),
        ("get_travel_time", {"origin": "Paris", "destination": "Berlin", "mode": "walking"}, "km apart"),
        ("geocode_address", {"address": "Nowhere Lane 5"}, "no match"),
        ("get_nutrition_facts", {"food_item": "dragon fruit"}, "no nutrition data"),
        ("get_current_weather", {"location": "Atlantis"}, "location not found"),
        ("search_flights", {"origin": "ZZZ", "destination": "JFK", "departure_date": "2026-07-01"}, "unknown airport"),
    ],
)
def test_executors_refuse_what_the_world_does_not_allow(name, arguments, error):
    """No ground route across a sea, no walk across a country, no made-up coordinates or facts."""
    run = execute(TOOLS[name], arguments)
    assert run.result is None and error in run.error


def test_search_flights_offers_feed_book_flight():
    run = execute(
        TOOLS["search_flights"], {"origin": "SFO", "destination": "NRT", "departure_date": "2026-07-01", "max_stops": 0}
    )
    assert run.error is None, run.error
    offer_pattern = TOOLS["book_flight"].parameters["properties"]["offer_id"]["pattern"]
    flight_pattern = TOOLS["get_flight_status"].parameters["properties"]["flight_number"]["pattern"]
    assert len(run.result["offers"]) == 3 and all(offer["stops"] == 0 for offer in run.result["offers"])
    for offer in run.result["offers"]:
        assert re.search(offer_pattern, offer["offer_id"])
        assert all(re.search(flight_pattern, segment["flight_number"]) for segment in offer["segments"])
    assert (
        execute(
            TOOLS["search_flights"],
            {"origin": "SFO", "destination": "NRT", "departure_date": "2026-07-01", "max_stops": 0},
        )
        == run
    )


def _module(path: str):
    spec = importlib.util.spec_from_file_location(Path(path).stem + "_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_executor_results_fit_their_schemas_over_sampled_arguments():
    """In-process (fast): every bundled executor over many drawn arguments gives a valid result
    or refuses with a plain error (an unknown ticker, the same airport twice)."""
    modules = {}
    for tool in (tool for tool in TOOLS.values() if tool.executor):
        path, _, function = tool.executor.rpartition(":")
        module = modules.setdefault(path, _module(path))
        ok = 0
        for seed in range(25):
            arguments = _sampled(tool, seed)
            try:
                result = getattr(module, function)(**arguments)
            except (ValueError, LookupError):
                continue
            json.dumps(result, allow_nan=False)
            assert validate_result(tool, result) is None, (tool.name, arguments, validate_result(tool, result))
            assert getattr(module, function)(**arguments) == result  # deterministic
            ok += 1
        # random draws are often impossible and refused: a sea between two pool places (Paris ->
        # Tokyo), a landmark with another country's code (Alexanderplatz, Berlin in GB)
        assert ok >= {"get_travel_time": 5, "geocode_address": 10}.get(tool.name, 15), tool.name


def test_executor_error_is_the_last_stderr_line():
    run = execute(TOOLS["convert_currency"], {"amount": 5, "from_currency": "EUR", "to_currency": "XXX"})
    assert run == Execution(None, "ValueError: unsupported currency 'XXX'")


def test_tool_without_executor():
    assert execute(TOOLS["book_flight"], {}).error == "book_flight has no executor"


# -- the sandbox -----------------------------------------------------------------------------------


def test_arguments_bind_by_keyword(tmp_path):
    tool = _tool(tmp_path, "def run(a, b=2, *, c='x'):\n    return {'a': a, 'b': b, 'c': c}\n")
    assert execute(tool, {"c": "z", "a": [1, {"k": None}]}).result == {"a": [1, {"k": None}], "b": 2, "c": "z"}
    error = execute(tool, {"a": 1, "nope": 3}).error
    assert error.startswith("TypeError: ") and "nope" in error


def test_timeout_ends_a_confined_executor(tmp_path):
    tool = _tool(tmp_path, "import time\ndef run():\n    time.sleep(60)\n")
    started = time.monotonic()
    assert execute(tool, {}, timeout=1.0) == Execution(None, "timed out after 1s")
    assert time.monotonic() - started < 10


def test_timeout_kills_the_process_group_when_unconfined(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "unavailable", lambda: "no user namespaces here (test)")
    marker = tmp_path / "pids"
    tool = _tool(
        tmp_path,
        "import os, time\n"
        "def run(marker):\n"
        "    child = os.fork()\n"
        "    if child == 0:\n"
        "        time.sleep(60)\n"
        "        os._exit(0)\n"
        "    open(marker, 'w').write(f'{os.getpid()} {child}')\n"
        "    time.sleep(60)\n",
    )
    started = time.monotonic()
    run = execute(tool, {"marker": str(marker)}, timeout=1.0)
    assert run == Execution(None, "timed out after 1s")
    assert time.monotonic() - started < 10
    pids = [int(pid) for pid in marker.read_text().split()]
    deadline = time.monotonic() + 5
    while not all(map(_gone, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(map(_gone, pids)), pids


def test_cpu_and_memory_limits_are_set(tmp_path):
    tool = _tool(
        tmp_path,
        "import resource\n"
        "def run():\n"
        "    return [resource.getrlimit(resource.RLIMIT_AS)[0], resource.getrlimit(resource.RLIMIT_CPU)[0]]\n",
    )
    assert execute(tool, {}, timeout=2.5, memory_mb=300).result == [300 * 1024 * 1024, 3]


def test_memory_limit_stops_a_hog(tmp_path):
    tool = _tool(tmp_path, "def run():\n    block = bytearray(2 * 1024 ** 3)\n    return len(block)\n")
    run = execute(tool, {}, memory_mb=256)
    assert run.result is None and "MemoryError" in run.error


def test_cpu_limit_stops_a_busy_loop(tmp_path):
    tool = _tool(tmp_path, "def run():\n    while True:\n        pass\n")
    run = execute(tool, {}, timeout=1.0)
    assert run.result is None and run.error in ("timed out after 1s", "killed by SIGXCPU", "killed by SIGKILL")


def test_child_sees_no_secrets_and_a_fresh_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-for-children")
    monkeypatch.setenv("HF_TOKEN", "hf_test_not_for_children")
    tool = _tool(
        tmp_path,
        "import os\ndef run():\n    return {'env': dict(os.environ), 'cwd': os.getcwd(), 'files': os.listdir('.')}\n",
    )
    run = execute(tool, {})
    assert run.error is None, run.error
    assert "OPENAI_API_KEY" not in run.result["env"] and "HF_TOKEN" not in run.result["env"]
    assert "not_for_children" not in json.dumps(run.result) and "not-for-children" not in json.dumps(run.result)
    assert run.result["files"] == [] and run.result["cwd"] != os.getcwd()
    assert not Path(run.result["cwd"]).exists()  # removed afterwards


def test_arguments_are_never_evaluated(tmp_path):
    target = tmp_path / "pwned"
    attack = f"__import__('os').system('touch {target}')"
    tool = _tool(tmp_path, "def run(text):\n    return {'text': text, 'type': type(text).__name__}\n")
    assert execute(tool, {"text": attack}).result == {"text": attack, "type": "str"}
    evil = SeedTool("evil", "", {"type": "object"}, True, executor=f"{tmp_path / 'probe.py'}:{attack}")
    assert execute(evil, {}).error.startswith("AttributeError")
    assert not target.exists()


def test_executor_prints_do_not_break_the_result(tmp_path):
    tool = _tool(tmp_path, "print('loading')\ndef run():\n    print('noise')\n    return {'ok': True}\n")
    assert execute(tool, {}).result == {"ok": True}


@pytest.mark.parametrize(
    "body, expected",
    [
        ("return {'price': 'cheap'}", "result.price: 'cheap' is not of type 'number'"),
        ("return {'when': '2026-02-30', 'price': 1}", "result.when: '2026-02-30' is not a 'date'"),
        ("return {}", "result: 'price' is a required property"),
        ("return {1, 2}", "TypeError: Object of type set is not JSON serializable"),
        ("return {'price': float('nan')}", "ValueError: Out of range float values are not JSON compliant"),
    ],
)
def test_bad_output_is_an_error(tmp_path, body, expected):
    schema = {
        "type": "object",
        "properties": {"price": {"type": "number"}, "when": {"type": "string", "format": "date"}},
        "required": ["price"],
    }
    tool = _tool(tmp_path, f"def run():\n    {body}\n", result_schema=schema)
    outcome = execute(tool, {})
    # Python 3.12 adds the value to json's message: "...not JSON compliant: nan"
    assert outcome.result is None and outcome.error.removesuffix(": nan") == expected


def test_validate_result_without_schema():
    assert validate_result(SeedTool("f", "", {"type": "object"}), {"anything": 1}) is None


# -- mocks ---------------------------------------------------------------------------------------


def test_mock_results_fit_and_repeat_for_every_bundled_tool():
    assert len(TOOLS) == 69 and all(tool.result_schema for tool in TOOLS.values())
    for tool in TOOLS.values():
        seen = set()
        for seed in range(6):
            arguments = _sampled(tool, seed)
            result = mock_result(tool, arguments, seed)
            assert validate_result(tool, result) is None, (tool.name, seed, validate_result(tool, result))
            assert mock_result(tool, json.loads(json.dumps(arguments)), seed) == result
            seen.add(json.dumps(result, sort_keys=True))
        assert len(seen) > 1, tool.name


def test_mock_echoes_arguments_and_fills_links():
    arguments = {"origin": "JFK", "destination": "FCO", "departure_date": "2026-05-12", "cabin_class": "business"}
    result = mock_result(TOOLS["search_flights"], arguments, 7)
    assert (result["origin"], result["destination"], result["departure_date"]) == ("JFK", "FCO", "2026-05-12")
    assert 1 <= len(result["offers"]) <= 3
    pattern = TOOLS["book_flight"].parameters["properties"]["offer_id"]["pattern"]
    assert all(
        re.search(pattern, offer["offer_id"]) and offer.get("cabin_class", "business") == "business"
        for offer in result["offers"]
    )


def test_mock_without_result_schema():
    assert mock_result(SeedTool("f", "", {"type": "object"}), {"a": 1}, 3) == {"status": "ok"}


def test_mock_handles_schemas_without_hints():
    schema = {
        "type": "object",
        "$defs": {"code": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{3,5}$"}},
        "properties": {
            "code": {"$ref": "#/$defs/code"},
            "note": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]},
            "count": {"type": "integer", "exclusiveMinimum": 0, "maximum": 3},
            "ratio": {"type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.25},
            "tags": {
                "type": "array",
                "items": {"type": "string", "enum": ["a", "b"]},
                "minItems": 2,
                "uniqueItems": True,
            },
            "id": {"type": "string", "format": "uuid"},
            "at": {"type": "string", "format": "date-time"},
        },
        "required": ["code", "note", "count", "ratio", "tags", "id", "at"],
    }
    tool = SeedTool("f", "", {"type": "object"}, result_schema=schema)
    for seed in range(30):
        result = mock_result(tool, {}, seed)
        assert validate_result(tool, result) is None, (result, validate_result(tool, result))
    assert mock_result(
        SeedTool("g", "", {"type": "object"}, result_schema={"type": "array", "items": {"type": "integer"}}), {}, 1
    )


def test_mock_results_match_patterns_in_linear_time():
    """The mock checks an argument against the result schema's pattern; `(a+)+$` on "aaaa...!"
    took Python's re 2^40 steps. A child with a timeout: a regression never hangs the suite."""
    code = (
        "from pipeline.execute import validate_result\nfrom pipeline.mock import mock_result\n"
        "from pipeline.seeds import SeedTool\n"
        "q = {'type': 'string', 'pattern': '^(a+)+$'}\n"
        "schema = {'type': 'object', 'properties': {'q': q}, 'required': ['q']}\n"
        "tool = SeedTool('f', '', {'type': 'object'}, result_schema=schema)\n"
        "result = mock_result(tool, {'q': 'a' * 40 + '!'}, 1)\n"
        "bad = {'q': 'a' * 40 + '!'}\n"
        "print(result['q'] != bad['q'], validate_result(tool, result), validate_result(tool, bad))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert (
        result.stdout.strip()
        == "True None result.q: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' does not match '^(a+)+$'"
    ), result.stderr


def _drawable(schema: dict, entities: dict) -> list:
    """Every value the planner can draw for a parameter from a list: its enum, pool and entity
    field (a row's list of strings offers each)."""
    values = list(schema.get("enum") or []) + list(schema.get("x-pool") or [])
    kind, _, field = str(schema.get("x-entity") or "").partition(".")
    for row in entities.get(kind) or []:
        value = row.get(field)
        values.extend(value if isinstance(value, list) and schema.get("type") != "array" else [value])
    return list(dict.fromkeys(v for v in values if isinstance(v, (str, int, float))))


def test_every_value_the_seeds_can_draw_is_accepted_by_its_executor():
    """A drawn currency, ticker, city or mode the bundled executor refuses is a tool_error the
    planner causes (ARS, VND and MAD from a city row; IBM and COST from the company table)."""
    from pipeline.seeds.entities import bundled_entities

    entities, modules, refused = bundled_entities(), {}, []
    for tool in (tool for tool in TOOLS.values() if tool.executor):
        path, _, function = tool.executor.rpartition(":")
        module = modules.setdefault(path, _module(path))
        base = next(a for a in (_sampled(tool, seed) for seed in range(50)) if a)
        if tool.name == "get_travel_time":  # a trip across one town, so that every mode has a route
            base = {**base, "origin": "Union Station, Chicago", "destination": "Chicago"}
        for name, schema in (tool.parameters.get("properties") or {}).items():
            for value in _drawable(schema, entities):
                arguments = {**base, name: value}
                if tool.name == "get_travel_time" and name in ("origin", "destination"):
                    # the other end in the same city: a drawn route's two ends come from one scenario
                    # (two ends with a sea between are refused, and the planner draws none)
                    found = module.places.city(value)
                    other = "destination" if name == "origin" else "origin"
                    arguments[other] = found["name"] if found else arguments[other]
                if tool.name == "geocode_address" and name == "country_code":  # an address in that country
                    cities = module.places._table()["cities"].values()
                    inside = next((c["name"] for named in cities for c in named if c["country"] == value), None)
                    arguments["address"] = inside or arguments["address"]
                if any(v == value for k, v in arguments.items() if k != name):
                    continue  # the same airport at both ends is a request nobody makes
                try:
                    result = getattr(module, function)(**arguments)
                except (ValueError, LookupError) as error:
                    refused.append(f"{tool.name}.{name}={value!r}: {error}")
                    continue
                assert validate_result(tool, result) is None, (tool.name, arguments, validate_result(tool, result))
    assert not refused, f"{len(refused)} refused, e.g. {refused[:8]}"
