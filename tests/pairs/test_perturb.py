"""pipeline.pairs.perturb and pipeline.pairs.kinds: negatives a model could plausibly produce.
wrong_function only moves values into parameters of their kind, wrong_value only swaps values of
one kind, invented arguments carry real names with fitting values, enum corruptions are near
misses before case changes, an extra call is no duplicate where a better one exists, and a pair
counts as semantic only when its rejected calls are schema-valid and type-plausible."""

from __future__ import annotations

import random
from collections import Counter

from filters.checks import default_checks
from filters.grounding import GroundingOptions
from pipeline.pairs import Pair, is_semantic, pairs_for, perturb
from pipeline.pairs.base import Decision
from pipeline.pairs.kinds import catalog, fits, implausible, parameter_kinds, value_shape
from pipeline.record import parse_record
from pipeline.seeds import alias_table, load_tools

CATALOG = load_tools()
CHECKS = default_checks(grounding=GroundingOptions(aliases=alias_table(CATALOG)))
DOMAINS = {tool.name: tool.domain for tool in CATALOG}


def _tool(name):
    return next(tool for tool in CATALOG if tool.name == name).to_tool().model_dump()


def _record(tools, text, calls, category="single", record_id="hand-perturb"):
    return parse_record(
        {
            "id": record_id,
            "category": category,
            "tools": [_tool(name) for name in tools],
            "messages": [
                {"role": "user", "content": text},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": f"call{n}abcd", "type": "function", "function": {"name": name, "arguments": arguments}}
                        for n, (name, arguments) in enumerate(calls)
                    ],
                },
            ],
            "meta": {"now": "2026-11-23T10:00:00Z"},
        }
    )


def _candidates(make, record, seed=0, limit=200):
    decision = Decision(record, 1, DOMAINS)
    out = []
    for turn in make(decision, random.Random(seed)):
        out.append([call["function"] for call in turn.get("tool_calls") or []])
        if len(out) >= limit:
            break
    return out


# --- kinds ---------------------------------------------------------------------------------------


def test_value_shapes_and_parameter_kinds_tell_a_dose_from_a_name_and_a_date_from_a_drug():
    assert value_shape("2026-08-05") == "date" and value_shape("RST-17756") == "code"
    assert value_shape("20 mg") == "quantity" and value_shape("Dr. Death") == "words"
    kinds = parameter_kinds("set_medication_reminder", _tool("set_medication_reminder")["function"]["parameters"])
    assert kinds["medication_name"] == "medication" and kinds["dosage"] == "dose"
    assert fits("20 mg", "dose") and not fits("20 mg", "medication") and not fits("2026-08-05", "medication")
    assert not fits("RST-17756", "city") and fits("Bangkok", "city")
    parameters = _tool("get_medication_info")["function"]["parameters"]
    assert implausible("get_medication_info", parameters, {"drug_name": "2026-08-05"}) == ["drug_name"]
    assert implausible("get_medication_info", parameters, {"drug_name": "ibuprofen"}) == []


# --- wrong_function ------------------------------------------------------------------------------


def test_wrong_function_never_puts_a_date_into_a_name_nor_a_city_into_a_food():
    sleep = _record(
        ["get_sleep_summary", "get_medication_info", "log_workout"],
        "How did I sleep on November 20, 2026?",
        [("get_sleep_summary", {"date": "2026-11-20"})],
    )
    restaurants = _record(
        ["search_restaurants", "get_nutrition_facts", "reserve_table"],
        "Find me restaurants in Bangkok please.",
        [("search_restaurants", {"city": "Bangkok"})],
    )
    for record in (sleep, restaurants):
        assert _candidates(perturb.wrong_function, record) == []


def test_wrong_function_calls_a_sibling_that_holds_every_value_saying_what_the_call_is_about():
    weather = _record(
        ["get_current_weather", "get_weather_forecast", "get_weather_alerts", "search_restaurants"],
        "What's the weather like in Lyon right now?",
        [("get_current_weather", {"location": "Lyon"})],
    )
    found = _candidates(perturb.wrong_function, weather)
    assert found == [[{"name": "get_weather_forecast", "arguments": {"location": "Lyon"}}]]
    travel = _record(
        ["get_travel_time", "geocode_address", "get_directions"],
        "How long from Fenway Park, Boston to Logan International Airport, Boston?",
        [("get_travel_time", {"origin": "Fenway Park, Boston", "destination": "Logan International Airport, Boston"})],
    )
    # geocoding one end drops the other: only the sibling that keeps both is a candidate
    assert [calls[0]["name"] for calls in _candidates(perturb.wrong_function, travel)] == ["get_directions"]
    pairs = pairs_for(weather, CHECKS, {"wrong_function": 1}, DOMAINS)
    assert [pair.type for pair in pairs] == ["wrong_function"] and is_semantic(pairs[0])


# --- wrong_value ---------------------------------------------------------------------------------


def test_wrong_value_never_swaps_a_dose_with_a_medication_name():
    record = _record(
        ["set_medication_reminder"],
        "Remind me to take ibuprofen 400 mg at 08:00 from November 24, 2026.",
        [
            (
                "set_medication_reminder",
                {"medication_name": "ibuprofen", "dosage": "400 mg", "times": ["08:00"], "start_date": "2026-11-24"},
            )
        ],
    )
    for calls in _candidates(perturb.wrong_value, record):
        arguments = calls[0]["arguments"]
        assert arguments["medication_name"] == "ibuprofen" and arguments["dosage"] == "400 mg"


def test_wrong_value_swaps_two_values_of_one_kind():
    record = _record(
        ["get_directions"],
        "Directions from Place Bellecour, Lyon to Parc de la Tête d'Or, Lyon please.",
        [("get_directions", {"origin": "Place Bellecour, Lyon", "destination": "Parc de la Tête d'Or, Lyon"})],
    )
    swapped = {"origin": "Parc de la Tête d'Or, Lyon", "destination": "Place Bellecour, Lyon"}
    assert [{"name": "get_directions", "arguments": swapped}] in _candidates(perturb.wrong_value, record)


# --- hallucinated_argument -----------------------------------------------------------------------


def _catalog_names():
    return {name for entry in catalog().values() for name in (entry["parameters"].get("properties") or {})}


def test_invented_arguments_are_real_names_with_values_that_fit_them():
    record = _record(
        ["get_current_weather", "get_weather_forecast"],
        "What's the weather in Paris right now? Use metric units.",
        [("get_current_weather", {"location": "Paris", "units": "metric"})],
    )
    known = _catalog_names() | set(perturb.COMMON_FLAGS + perturb.COMMON_PAGING + perturb.COMMON_LOCALE)
    known |= {name for group in perturb.RENAMES for name in group}
    invented = Counter()
    for calls in _candidates(perturb.hallucinated_argument, record):
        arguments = calls[0]["arguments"]
        added = set(arguments) - {"location", "units"}
        assert len(added) == 1
        (name,) = added
        assert name in known and name not in ("location",)
        value = arguments[name]
        invented[name] += 1
        if name in ("timezone", "tz"):
            assert value == "Europe/Paris"
        elif name in ("currency", "currency_code"):
            assert value == "EUR"
        elif name in ("country", "country_code"):
            assert value == "FR"
        elif name in perturb.COMMON_FLAGS or name.startswith("include_"):
            assert value is True
        elif name in ("unit_system", "unit"):
            assert value == "metric"  # a rename keeps the value
    assert {"timezone", "include_hourly"} <= set(invented)
    assert "verbose" in invented and len(invented) >= 10


def test_the_invented_name_varies_between_records():
    chosen = Counter()
    for seed in range(30):
        record = _record(
            ["get_current_weather"],
            "What's the weather in Paris right now?",
            [("get_current_weather", {"location": "Paris"})],
        )
        pairs = pairs_for(record, CHECKS, {"hallucinated_argument": 1}, DOMAINS, seed=seed)
        assert [pair.code for pair in pairs] == ["unexpected_argument"]
        (name,) = set(pairs[0].rejected[0]["tool_calls"][0]["function"]["arguments"]) - {"location"}
        chosen[name] += 1
    assert len(chosen) >= 6 and chosen.most_common(1)[0][1] <= 12, chosen  # one record: a few names lead


# --- enum_violation ------------------------------------------------------------------------------


def test_enum_corruptions_are_near_misses_before_case_changes():
    record = _record(
        ["book_doctor_appointment"],
        "Book a pediatrics appointment for Ryan Reynolds, born July 13, 1990, on November 26, 2026, in person.",
        [
            (
                "book_doctor_appointment",
                {
                    "patient": {"full_name": "Ryan Reynolds", "date_of_birth": "1990-07-13"},
                    "specialty": "pediatrics",
                    "preferred_date": "2026-11-26",
                    "visit_type": "in_person",
                },
            )
        ],
    )
    values = [
        (calls[0]["arguments"]["specialty"], calls[0]["arguments"]["visit_type"])
        for calls in _candidates(perturb.enum_violation, record, seed=1)
    ]
    changed = [s if s != "pediatrics" else v for s, v in values]
    assert "paediatrics" in changed and "in-person" in changed
    near = [value for value in changed if value.casefold() not in ("pediatrics", "in_person")]
    cases = [value for value in changed if value.casefold() in ("pediatrics", "in_person")]
    assert near and changed[: len(near)] == near  # every case change comes after every near miss
    assert cases  # still there, last


def test_enum_corruption_pairs_over_many_records_are_mostly_not_case_changes():
    kinds = Counter()
    for seed in range(40):
        record = _record(
            ["search_recipes"],
            "Find a vegetarian thai recipe with tofu and basil, gluten free please.",
            [("search_recipes", {"ingredients": ["tofu", "basil"], "cuisine": "thai", "diet": "gluten_free"})],
        )
        for pair in pairs_for(record, CHECKS, {"enum_violation": 1}, DOMAINS, seed=seed):
            diet = pair.rejected[0]["tool_calls"][0]["function"]["arguments"]["diet"]
            cuisine = pair.rejected[0]["tool_calls"][0]["function"]["arguments"]["cuisine"]
            kinds["case" if diet.casefold() == "gluten_free" and cuisine.casefold() == "thai" else "near"] += 1
    assert kinds["near"] > kinds["case"] and kinds["near"] >= 20, kinds


# --- extra_call ----------------------------------------------------------------------------------


def test_an_extra_call_is_a_plausible_other_call_not_a_duplicate_where_one_exists():
    record = _record(
        ["get_current_weather", "get_weather_forecast"],
        "What's the weather in Kyoto right now?",
        [("get_current_weather", {"location": "Kyoto"})],
    )
    found = _candidates(perturb.extra_call, record)
    assert found[0] == [
        {"name": "get_current_weather", "arguments": {"location": "Kyoto"}},
        {"name": "get_weather_forecast", "arguments": {"location": "Kyoto"}},
    ]
    assert found[-1] == [{"name": "get_current_weather", "arguments": {"location": "Kyoto"}}] * 2  # the last resort
    (pair,) = pairs_for(record, CHECKS, {"extra_call": 1}, DOMAINS)
    assert len(pair.rejected[0]["tool_calls"]) == 2 and is_semantic(pair)
    alone = _record(["track_order"], "Where is my order ORD-10000001?", [("track_order", {"order_id": "ORD-10000001"})])
    (duplicate,) = pairs_for(alone, CHECKS, {"extra_call": 1}, DOMAINS)  # nothing better: the same call twice
    assert not is_semantic(duplicate)


# --- is_semantic ---------------------------------------------------------------------------------


def _pair(record, code, type_, calls):
    rejected = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": f"rej{n}abcde", "type": "function", "function": {"name": name, "arguments": arguments}}
            for n, (name, arguments) in enumerate(calls)
        ],
    }
    data = record.to_dict()
    return Pair(
        "p",
        record.id,
        record.category,
        type_,
        "perturbed",
        code,
        data["messages"][:1],
        [data["messages"][1]],
        [rejected],
        data["tools"],
    )


def test_a_pair_is_semantic_only_when_its_rejected_calls_fit_their_parameters():
    record = _record(
        ["get_sleep_summary", "get_medication_info"],
        "How did I sleep on November 20, 2026?",
        [("get_sleep_summary", {"date": "2026-11-20"})],
    )
    assert is_semantic(
        _pair(record, "wrong_function", "wrong_function", [("get_sleep_summary", {"date": "2026-11-19"})])
    )
    absurd = _pair(record, "wrong_function", "wrong_function", [("get_medication_info", {"drug_name": "2026-11-20"})])
    assert not is_semantic(absurd)
    invalid = _pair(record, "wrong_value", "wrong_value", [("get_sleep_summary", {"date": "yesterday"})])
    assert not is_semantic(invalid)  # not schema-valid (format date)
    schema_mistake = _pair(
        record,
        "unexpected_argument",
        "hallucinated_argument",
        [("get_sleep_summary", {"date": "2026-11-20", "verbose": True})],
    )
    assert not is_semantic(schema_mistake)
