"""The scenario entity tables (seeds/entities/*.json) and the planner annotations on the bundled
tools (x-when, x-horizon, x-after, x-max-span, x-min-span, x-span, x-typical, x-entity, x-entity-key,
x-user-knows):
the data's own guard, so a row or an annotation that does not fit the real world or the schema
fails here before the planner draws it."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from functools import cache

import pytest

from filters.gazetteer import gazetteer
from filters.roles import ROLE_KEYS
from filters.schema import strip_extensions
from pipeline.resources import data_dir
from pipeline.schema_safety import Validator
from pipeline.seeds import load_tools

ENTITIES = data_dir("seeds") / "entities"
TOOLS = data_dir("seeds") / "tools"

# kind -> (fields every row has, fields a row may add, minimum rows)
KINDS = {
    "city": ({"name", "country_code"}, {"display"}, 150),
    "person": ({"name", "first_name", "last_name", "email", "phone", "city", "country_code"}, set(), 150),
    "persona": (
        {"id", "name", "first_name", "last_name", "email", "phone", "home_city", "country_code", "about", "domains"},
        set(),
        80,
    ),
    "address": ({"name", "full", "street", "city", "postal_code", "state", "country_code"}, {"lists"}, 120),
    "place": ({"name", "city", "country_code", "lat", "lon"}, set(), 100),
    "device": ({"id", "name", "type", "room"}, set(), 40),
    "device_action": ({"id", "name", "command"}, {"brightness"}, 60),
    "thermostat_setting": ({"mode", "target_celsius"}, set(), 4),
    "routine_trigger": ({"trigger"}, {"at"}, 7),
    "product": ({"sku", "name", "query", "category", "price"}, set(), 100),
    "company": ({"ticker", "name", "exchange", "currency", "country_code"}, set(), 100),
    "email_topic": ({"subject", "body", "importance", "attachment"}, set(), 100),
    "event": ({"title", "minutes", "location"}, set(), 100),
    "task": ({"title", "project", "subtasks"}, set(), 100),
    "workout": ({"activity_type", "minutes", "distance_km", "note"}, set(), 100),
    "medication": ({"name", "dosage", "times_per_day"}, set(), 100),
    "recipe_query": ({"ingredients", "cuisine", "diet"}, set(), 100),
    "message": ({"relation", "text"}, set(), 100),
    "visit": ({"specialty", "reason"}, set(), 100),
    "music_query": ({"query", "search_type"}, set(), 100),
    "playlist": ({"name", "description"}, set(), 100),
}
# fields the planner joins from the gazetteer (city) rather than storing in the row
JOINED = {
    "city": {"airport", "state", "timezone", "currency", "lat", "lon"},
    "place": {"full"},
}  # pipeline.seeds.entities joins
# tables of real-world things (a city, a ticker) whose rows may equal a schema's example
WORLD_TABLES = {"city", "address", "company", "person", "persona"}
CONTINENTS = {"America", "Europe", "Asia", "Africa", "Australia", "Pacific"}


@cache
def rows(kind: str) -> list[dict]:
    data = json.loads((ENTITIES / f"{kind}.json").read_text(encoding="utf-8"))
    assert data["kind"] == kind
    return data["rows"]


@cache
def tools() -> dict:
    return {tool.name: tool for tool in load_tools()}


def param(tool: str, *path: str) -> dict:
    """The schema of a parameter by its path of property names ("[]" steps into items), $refs resolved."""
    parameters = tools()[tool].parameters
    schema = parameters
    for step in path:
        schema = schema["items"] if step == "[]" else schema["properties"][step]
        while "$ref" in schema:
            schema = parameters["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def fold(text: str) -> str:
    return re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())


def city_of(name: str, country: str):
    return next((c for c in gazetteer().cities_named(name) if c.country == country), None)


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


def fits(value, schema: dict) -> bool:
    return Validator(strip_extensions(schema), format_checker=Validator.FORMAT_CHECKER).is_valid(value)


def test_every_table_is_a_known_kind_with_its_fields_and_enough_rows():
    assert sorted(path.stem for path in ENTITIES.glob("*.json")) == sorted(KINDS)
    for kind, (required, optional, minimum) in KINDS.items():
        table = rows(kind)
        assert len(table) >= minimum, kind
        for row in table:
            assert required <= set(row) <= required | optional, (kind, row)


def test_cities_resolve_in_the_gazetteer_across_countries_and_continents():
    table = rows("city")
    missing = [row for row in table if city_of(row["name"], row["country_code"]) is None]
    assert not missing
    assert len({(row["name"], row["country_code"]) for row in table}) == len(table)
    assert len({row["country_code"] for row in table}) >= 15
    zones = {city_of(row["name"], row["country_code"]).timezone.split("/")[0] for row in table}
    assert zones >= CONTINENTS
    for row in table:
        if "display" in row:  # "Austin, TX": the name and the state the gazetteer knows
            city = city_of(row["name"], row["country_code"])
            assert row["display"] == f"{row['name']}, {city.state}", row


def _city_rows() -> set[tuple[str, str]]:
    return {(row["name"], row["country_code"]) for row in rows("city")}


def _phone_fits(phone: str, country: str) -> bool:
    code = gazetteer().countries[country].phone
    return bool(re.fullmatch(r"\+[1-9][0-9]{7,14}", phone)) and phone.startswith("+" + code)


@pytest.mark.parametrize("kind", ["person", "persona"])
def test_people_have_their_own_name_in_their_email_and_a_phone_of_their_country(kind):
    table = rows(kind)
    city_field = "home_city" if kind == "persona" else "city"
    for row in table:
        local = fold(row["email"].split("@")[0])
        assert fold(row["last_name"]) in local or fold(row["first_name"]) in local, row
        assert row["name"] in (f"{row['first_name']} {row['last_name']}", f"{row['last_name']} {row['first_name']}")
        assert _phone_fits(row["phone"], row["country_code"]), row
        assert (row[city_field], row["country_code"]) in _city_rows(), row
    assert len({row["email"] for row in table}) == len(table)
    assert len({row["country_code"] for row in table}) >= (15 if kind == "person" else 10)


def test_personas_name_tool_domains_and_say_who_they_are():
    domains = {path.stem for path in TOOLS.glob("*.json")}
    for row in rows("persona"):
        assert row["domains"] and set(row["domains"]) <= domains, row
        assert row["about"].endswith(".") and len(row["about"]) < 160, row
    assert len({row["id"] for row in rows("persona")}) == len(rows("persona"))


NO_POSTAL_CODES = {"AE"}  # the UAE has no postal codes (P.O. boxes): its cities have no address row


def test_personas_spread_over_many_countries_and_each_home_city_has_an_address_and_places():
    """Persona-bound values (the user's country, currency, time zone, home address) repeat no more
    than the personas do: many countries, none dominant, and every home has rows to draw from."""
    table = rows("persona")
    per_country = Counter(row["country_code"] for row in table)
    assert len(table) >= 80
    assert len(per_country) >= 35, len(per_country)
    assert max(per_country.values()) <= 6, per_country.most_common(3)
    homes = {(row["home_city"], row["country_code"]) for row in table}
    addressed = {(row["city"], row["country_code"]) for row in rows("address")}
    placed = {(row["city"], row["country_code"]) for row in rows("place")}
    assert not {home for home in homes if home[1] not in NO_POSTAL_CODES} - addressed
    assert not homes - placed


def test_addresses_have_a_postal_code_of_their_country_in_a_known_city():
    for row in rows("address"):
        country = gazetteer().countries[row["country_code"]]
        assert re.match(country.postal.strip(), row["postal_code"]), row
        city = city_of(row["city"], row["country_code"])
        assert city is not None and (row["city"], row["country_code"]) in _city_rows(), row
        assert row["state"] == (city.state if row["country_code"] in ("US", "CA", "AU") else None), row
        assert row["street"] in row["full"] and row["postal_code"] in row["full"], row
        assert fits(row["postal_code"], param("place_order", "shipping_address", "postal_code")), row
        assert fits(row["street"], param("place_order", "shipping_address", "street")), row


def test_places_lie_in_their_city_and_every_city_has_two_ends_for_a_route():
    per_city: dict[tuple, int] = {}
    for row in rows("place"):
        city = city_of(row["city"], row["country_code"])
        assert city is not None and (row["city"], row["country_code"]) in _city_rows(), row
        assert km(row["lat"], row["lon"], city.lat, city.lon) < 40, row
        per_city[(row["city"], row["country_code"])] = per_city.get((row["city"], row["country_code"]), 0) + 1
    assert min(per_city.values()) >= 4
    assert len({row["name"] for row in rows("place")}) == len(rows("place"))


def test_device_ids_are_the_snake_case_of_the_name_people_use():
    kinds = set(param("list_devices", "device_type")["enum"]) - {"all"}
    for row in rows("device"):
        assert row["id"] == re.sub(r"[^a-z0-9]+", "_", row["name"].lower()).strip("_"), row
        assert row["type"] in kinds, row
        assert fits(row["id"], param("get_device_status", "device_id")), row
        assert fits(row["room"], param("list_devices", "room")), row
    assert len({row["id"] for row in rows("device")}) == len(rows("device"))
    assert {"thermostat", "lock", "lights"} <= {row["type"] for row in rows("device")}


def test_products_fit_the_catalogue_schema():
    for row in rows("product"):
        assert fits(row["sku"], param("get_product_details", "sku")), row
        assert fits(row["query"], param("search_products", "query")), row
        assert row["category"] in param("search_products", "category")["enum"], row
        low, high = row["price"]
        assert 0 < low <= high <= 5 * low, row
    assert len({row["sku"] for row in rows("product")}) == len(rows("product"))


def test_companies_are_listed_with_a_ticker_the_tools_accept():
    for row in rows("company"):
        assert fits(row["ticker"], param("get_stock_price", "ticker")), row
        assert re.fullmatch(r"[A-Z]{3}", row["currency"]) and row["country_code"] in gazetteer().countries, row
    assert len({row["ticker"] for row in rows("company")}) == len(rows("company"))


def test_activity_tables_use_the_tools_enums_and_ranges():
    for row in rows("workout"):
        assert row["activity_type"] in param("log_workout", "activity_type")["enum"], row
        assert 1 <= row["minutes"][0] <= row["minutes"][1] <= 600, row
        assert row["distance_km"] is None or 0.1 <= row["distance_km"][0] <= row["distance_km"][1] <= 500, row
    for row in rows("recipe_query"):
        assert row["cuisine"] in param("search_recipes", "cuisine")["enum"], row
        assert row["diet"] in param("search_recipes", "diet")["enum"], row
    for row in rows("visit"):
        assert row["specialty"] in param("book_doctor_appointment", "specialty")["enum"], row
    for row in rows("music_query"):
        assert row["search_type"] in param("search_music", "search_type")["enum"], row
    for row in rows("email_topic"):
        assert row["importance"] in param("send_email", "importance")["enum"], row
        assert row["attachment"] is None or fits(
            row["attachment"], param("send_email", "attachments", "[]", "filename")
        )
    for row in rows("event"):
        assert 15 <= row["minutes"] <= 480, row


# ---- annotations on the bundled tools ----

VOCABULARY = {
    "x-pool",
    "x-aliases",
    "x-user-knows",
    "x-step",
    "x-swap",
    *ROLE_KEYS,
}  # every annotation the seeds may carry
SMALL_RANGE = 10  # a number whose schema range is this narrow needs no x-typical


def _variants(schema: dict) -> list[dict]:
    """The schema and its non-null anyOf/oneOf branches (a nullable parameter's real type)."""
    return [schema] + [s for key in ("anyOf", "oneOf") for s in schema.get(key, []) if s.get("type") != "null"]


def _get(schema: dict, key: str):
    return next((s[key] for s in _variants(schema) if key in s), None)


def _resolve(schema: dict, defs: dict) -> dict:
    while "$ref" in schema:
        schema = {**defs[schema["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _visit(tool: str, schema: dict, defs: dict, where: str, bound: bool, found: list) -> None:
    schema = _resolve(schema, defs)
    for name, sub in (schema.get("properties") or {}).items():
        sub = _resolve(sub, defs)
        found.append((tool, f"{where}{name}", sub, schema["properties"], bound))
        _visit(tool, sub, defs, f"{where}{name}.", bound or "x-entity" in sub, found)
    if isinstance(schema.get("items"), dict):
        item = _resolve(schema["items"], defs)
        found.append((tool, f"{where}[]", item, {}, bound))
        _visit(tool, item, defs, f"{where}[].", bound or "x-entity" in item, found)


@cache
def parameters() -> list[tuple[str, str, dict, dict, bool]]:
    """(tool, path, schema, sibling properties, inside an entity-bound array) for every parameter."""
    found: list = []
    for path in sorted(TOOLS.glob("*.json")):
        for tool in json.loads(path.read_text(encoding="utf-8"))["tools"]:
            _visit(tool["name"], tool["parameters"], tool["parameters"].get("$defs", {}), "", False, found)
    return found


def _is_date(schema: dict) -> bool:
    return _get(schema, "format") in ("date", "date-time")


def _is_number(schema: dict) -> bool:
    return _get(schema, "type") in ("number", "integer")


def test_annotations_use_only_the_vocabulary():
    for tool, path, schema, _, _ in parameters():
        unknown = {key for key in schema if key.startswith("x-")} - VOCABULARY
        assert not unknown, (tool, path, unknown)


def test_every_date_and_only_dates_say_when_relative_to_now():
    for tool, path, schema, _, _ in parameters():
        assert ("x-when" in schema) == _is_date(schema), (tool, path)
        if "x-when" in schema:
            when, (low, high) = schema["x-when"], schema["x-horizon"]
            assert when in ("future", "past", "any") and low <= high, (tool, path)
            assert when != "future" or low >= 0, (tool, path)
            assert when != "past" or high <= 0, (tool, path)


def test_x_after_names_a_sibling_of_the_same_kind_and_the_span_fits_it():
    for tool, path, schema, siblings, _ in parameters():
        if "x-after" not in schema:
            assert "x-max-span" not in schema, (tool, path)
            continue
        other = siblings.get(schema["x-after"])
        assert other is not None and other is not schema, (tool, path)
        span = schema.get("x-max-span")
        if _is_date(schema):
            assert _get(other, "format") == _get(schema, "format"), (tool, path)
            assert _get(other, "x-when") is None or other["x-horizon"][0] <= schema["x-horizon"][1], (tool, path)
            assert isinstance(span, str) and re.fullmatch(r"[1-9][0-9]*[dhm]", span), (tool, path)
        elif _is_number(schema):
            assert _is_number(other) and isinstance(span, (int, float)) and span > 0, (tool, path)
        else:  # times of day as HH:MM strings
            assert _get(other, "pattern") == _get(schema, "pattern"), (tool, path)
            assert span is None or re.fullmatch(r"[1-9][0-9]*[dhm]", span), (tool, path)


def test_numbers_have_a_typical_range_inside_their_schema_bounds():
    for tool, path, schema, _, _ in parameters():
        if not _is_number(schema):
            assert "x-typical" not in schema, (tool, path)
            continue
        low_bound, high_bound = _get(schema, "minimum"), _get(schema, "maximum")
        if "x-typical" not in schema and "x-entity" not in schema:
            if tool == "convert_currency" and path == "amount":
                continue  # its scale depends on the currency (1,500,000 yen is a normal amount): its pool only
            assert low_bound is not None and high_bound is not None, (tool, path)
            assert high_bound - low_bound <= SMALL_RANGE, (tool, path)
            continue
        if "x-typical" not in schema:
            continue
        low, high = schema["x-typical"]
        assert low <= high, (tool, path)
        assert low_bound is None or low >= low_bound, (tool, path)
        assert high_bound is None or high <= high_bound, (tool, path)


def _fields(kind: str) -> set[str]:
    required, optional, _ = KINDS[kind]
    return required | optional | JOINED.get(kind, set())


def _bound_values(schema: dict) -> list:
    """Every value the table gives a parameter (list fields give their elements to a non-array)."""
    kind, field = schema["x-entity"].split(".")
    values = []
    for row in rows(kind):
        value = row.get(field)
        if value is None:
            continue
        if isinstance(value, list) and _get(schema, "type") != "array":
            values.extend(value)
        else:
            values.append(value)
    return values


def test_x_entity_names_a_field_of_a_table_and_its_values_fit_the_parameter():
    for tool, path, schema, _, _ in parameters():
        if "x-entity" not in schema:
            assert "x-entity-key" not in schema, (tool, path)
            continue
        kind, _, field = schema["x-entity"].partition(".")
        assert kind in KINDS and field in _fields(kind), (tool, path, schema["x-entity"])
        assert isinstance(schema.get("x-entity-key", ""), str), (tool, path)
        if field in JOINED.get(kind, set()):
            continue
        plain = {k: v for k, v in schema.items() if k not in ("examples", "x-pool", "default")}
        examples = schema.get("examples", [])
        for value in _bound_values(schema):
            assert fits(value, plain), (tool, path, value)
            if kind not in WORLD_TABLES:  # a drawn free text never copies a few-shot example
                assert value not in examples, (tool, path, value)


def test_free_text_is_entity_bound_or_has_a_large_pool():
    for tool, path, schema, _, bound in parameters():
        if _get(schema, "type") != "string" or any(_get(schema, key) for key in ("enum", "const", "format", "pattern")):
            continue
        if "x-entity" in schema or bound:
            continue
        assert len(schema.get("x-pool", [])) >= 100, (tool, path, len(schema.get("x-pool", [])))


def test_ids_a_user_cannot_know_are_marked():
    for tool, path, schema, _, _ in parameters():
        if "x-user-knows" in schema:
            assert schema["x-user-knows"] is False and _get(schema, "pattern"), (tool, path)
    marked = {(tool, path) for tool, path, schema, _, _ in parameters() if schema.get("x-user-knows") is False}
    assert {("get_event_details", "event_id"), ("book_hotel", "hotel_id"), ("reserve_table", "restaurant_id")} <= marked


# words that name a device's kind, not which one it is
DEVICE_KIND_WORDS = {"thermostat", "lights", "light", "lamp", "lock", "door"}
# other ways to say an id's words (an alias may use these; "downstairs" is not "hallway")
SYNONYMS = {"lounge": {"living"}, "fairy": {"string"}, "babys": {"nursery"}, "roomba": {"robot", "vacuum"}}


def test_device_ids_and_their_aliases_say_the_device_name():
    devices = {row["id"] for row in rows("device")}
    for tool, path, schema, _, _ in parameters():
        if schema.get("x-entity") != "device.id":
            continue
        assert set(schema.get("x-pool", [])) <= devices, (tool, path, set(schema["x-pool"]) - devices)
        for device, names in schema.get("x-aliases", {}).items():
            assert device in devices, (tool, path, device)
            which = set(device.split("_")) - DEVICE_KIND_WORDS
            for name in names:
                words = set(re.sub(r"[^a-z ]", "", name.lower()).split())
                words |= {same for word in words for same in SYNONYMS.get(word, ())}
                assert which & words, (tool, path, device, name)


def test_old_incoherent_aliases_are_gone():
    aliases = {}
    for _, _, schema, _, _ in parameters():
        for value, names in schema.get("x-aliases", {}).items():
            aliases.setdefault(value, set()).update(names)
    assert not aliases.get("hallway_thermostat", set()) & {"downstairs thermostat", "main floor"}


def _bound_schemas(kind_field: str) -> list[dict]:
    found, stack = [], [tool.parameters for tool in tools().values()]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("x-entity") == kind_field:
                found.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def test_a_sku_is_said_as_it_is_and_a_device_by_its_name():
    """No one derives PHN-60215 from "Google Pixel 8a": a SKU has no spoken name (a call made
    from the product's name would be a guess), while a device id is said as the device."""
    skus, devices = _bound_schemas("product.sku"), _bound_schemas("device.id")
    assert len(skus) >= 3 and all("x-aliases" not in schema for schema in skus)
    assert devices and all(schema.get("x-aliases") for schema in devices)
