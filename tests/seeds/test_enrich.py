"""pipeline.enrich (`python -m pipeline.seeds enrich`) against the loopback fake OpenAI server."""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.sampler import ArgumentSampler
from pipeline.seeds import load_tools
from pipeline.seeds.enrich import main
from pipeline.seeds.sidecar import free_form
from tests.conftest import run_cli
from tests.fake_openai import FakeOpenAI, response_schema

SECRET = "sk-test-do-not-print-4242"
TOOLS = {
    "domain": "finance",
    "tools": [
        {
            "name": "get_stock_price",
            "description": "Latest price of a stock.",
            "parameters": {
                "type": "object",
                "properties": {
                    "ticker": {"type": "string", "pattern": "^[A-Z]{1,5}$", "description": "Ticker symbol, e.g. AAPL."},
                    "exchange": {"type": "string", "enum": ["NYSE", "NASDAQ"]},
                    "as_of": {"type": "string", "format": "date"},
                },
                "required": ["ticker"],
            },
        },
        {
            "name": "send_payment",
            "description": "Send money to someone.",
            "parameters": {
                "type": "object",
                "properties": {
                    "recipient": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}, "email": {"type": "string", "format": "email"}},
                        "required": ["name", "email"],
                    },
                    "memo": {"anyOf": [{"type": "string", "maxLength": 40}, {"type": "null"}]},
                    "amount": {"type": "number", "minimum": 1},
                },
                "required": ["recipient", "amount"],
            },
        },
    ],
}
KEYS = ["get_stock_price.ticker", "send_payment.recipient.name", "send_payment.recipient.email", "send_payment.memo"]
FIRST = ["Priya", "Tomasz", "Amara", "Kenji", "Lucia", "Oluwaseun", "Ingrid", "Mateo", "Hana", "Rafael", "Sofia"]
LAST = ["Raman", "Kowalski", "Okafor", "Tanaka", "Ferreira", "Adeyemi"]
GOOD = {
    "ticker": [
        "AAPL",
        "MSFT",
        "NVDA",
        "AMZN",
        "GOOGL",
        "META",
        "TSLA",
        "JPM",
        "V",
        "WMT",
        "XOM",
        "UNH",
        "JNJ",
        "PG",
        "MA",
        "HD",
        "CVX",
        "KO",
        "PEP",
        "COST",
        "ADBE",
        "NFLX",
    ],
    "recipient.name": [f"{first} {last}" for first in FIRST for last in LAST][:22],
    "recipient.email": [f"{first.lower()}.{last.lower()}@fastmail.com" for first in FIRST for last in LAST][:22],
    "memo": [
        f"Dinner in {city}"
        for city in [
            "Lisbon",
            "Oslo",
            "Lima",
            "Quito",
            "Hanoi",
            "Accra",
            "Tunis",
            "Porto",
            "Cusco",
            "Turku",
            "Bergen",
            "Cork",
            "Graz",
            "Leeds",
            "Malmo",
            "Nantes",
            "Poznan",
            "Riga",
            "Split",
            "Tartu",
            "Utrecht",
            "Varna",
        ]
    ],
}


def parameter(body) -> str:
    """Which parameter a request asks about (the prompt names it as `Parameter: key`)."""
    return re.search(r"^Parameter: (\S+)", body["messages"][-1]["content"], re.M).group(1)


def teacher(answers):
    """A responder: `answers(key, number)` gives the values for the number-th request about `key`."""
    asked: dict[str, int] = {}

    def respond(body):
        if "answer" in (response_schema(body).get("properties") or {}):
            return json.dumps({"answer": "yes"})  # the structured-output probe
        key = parameter(body)
        asked[key] = asked.get(key, 0) + 1
        return json.dumps({"values": answers(key, asked[key])})

    return respond


@pytest.fixture
def tools_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    (tmp_path / "finance.json").write_text(json.dumps(TOOLS), encoding="utf-8")
    return tmp_path / "finance.json"


def _enrich(fake, *extra):
    return main(["--tools", "finance.json", "--base-url", fake.base_url, "--model", "fake", *extra])


def _sidecar(path: Path):
    return json.loads(path.with_name("finance.values.json").read_text(encoding="utf-8"))


def _asks(fake):
    return [parameter(body) for body in fake.requests if "values" in (response_schema(body).get("properties") or {})]


def test_values_are_written_and_read_back_as_pools(tools_file, capsys):
    with FakeOpenAI(teacher(lambda key, n: GOOD[key])) as fake:
        assert _enrich(fake) == 0
    assert sorted(_asks(fake)) == sorted(key.split(".", 1)[1] for key in KEYS)  # one request per parameter
    body = next(body for body in fake.requests if "values" in json.dumps(response_schema(body)))
    assert response_schema(body)["properties"]["values"] == {
        "type": "array",
        "items": {"type": "string"},
        "minItems": 20,
    }
    sidecar = _sidecar(tools_file)
    assert sidecar == {
        "get_stock_price": {"ticker": GOOD["ticker"]},
        "send_payment": {key: GOOD[key] for key in ("recipient.name", "recipient.email", "memo")},
    }
    assert (
        tools_file.with_name("finance.values.json")
        .read_text()
        .startswith('{\n  "get_stock_price": {\n    "ticker": [\n')
    )
    tools = {tool.name: tool for tool in load_tools(["finance.json"])}
    assert tools["get_stock_price"].parameters["properties"]["ticker"]["x-pool"] == GOOD["ticker"]
    recipient = tools["send_payment"].parameters["properties"]["recipient"]["properties"]
    assert recipient["email"]["x-pool"] == GOOD["recipient.email"]
    assert tools["send_payment"].parameters["properties"]["memo"]["x-pool"] == GOOD["memo"]
    assert "x-pool" not in json.dumps(tools["send_payment"].to_tool().model_dump())  # seed-only: never in a record
    sampler = ArgumentSampler(random.Random(1), datetime(2026, 1, 1, tzinfo=timezone.utc), optional_rate=1.0)
    for tool in tools.values():  # blueprint mode can now draw every argument
        sampler.arguments(tool.parameters)
    out, err = capsys.readouterr()
    assert "4 of 4 parameter(s) have 20+ values" in out
    assert SECRET not in out + err


def test_placeholders_invalid_and_duplicate_values_are_dropped(tools_file, capsys):
    answers = {
        "ticker": ["AAPL", "aapl", "AAPL", " MSFT ", "TBD", "XXX", "toolong", "NVDA"],
        "recipient.name": ["John Doe", "Priya Raman", "priya  raman", "N/A", "Kenji Tanaka", "Lucia Ferreira"],
        "recipient.email": [
            "jane@example.com",
            "not-an-email",
            "amara.okafor@fastmail.com",
            "hana@proton.me",
            "k@tanaka.jp",
        ],
        "memo": ["<memo>", "Rent for March", "x" * 41, "Lorem ipsum", "Split the taxi", "Concert tickets"],
    }
    with FakeOpenAI(teacher(lambda key, n: answers[key])) as fake:
        assert _enrich(fake, "--min-values", "3", "--max-attempts", "1") == 0
    assert _sidecar(tools_file) == {
        "get_stock_price": {"ticker": ["AAPL", "MSFT", "NVDA"]},
        "send_payment": {
            "recipient.name": ["Priya Raman", "Kenji Tanaka", "Lucia Ferreira"],
            "recipient.email": ["amara.okafor@fastmail.com", "hana@proton.me", "k@tanaka.jp"],
            "memo": ["Rent for March", "Split the taxi", "Concert tickets"],
        },
    }
    out = capsys.readouterr().out
    assert (
        "get_stock_price.ticker: 3 values (+3 new, 1 request(s)); dropped 2 duplicate, 1 invalid, 2 placeholder" in out
    )  # aapl: a case variant


def test_a_short_answer_is_retried_with_another_seed_and_merged(tools_file, capsys):
    def answers(key, number):
        values = GOOD[key]
        return values[:3] if number == 1 else values[2:6]  # the retry repeats one value, adds three

    with FakeOpenAI(teacher(answers)) as fake:
        assert _enrich(fake, "--min-values", "5") == 0
    assert _asks(fake).count("ticker") == 2
    ticker = [
        body for body in fake.requests if "values" in json.dumps(response_schema(body)) and parameter(body) == "ticker"
    ]
    assert ticker[0]["seed"] != ticker[1]["seed"]
    assert '"AAPL", "MSFT", "NVDA"' in ticker[1]["messages"][-1]["content"]  # the retry knows what it has
    assert _sidecar(tools_file)["get_stock_price"]["ticker"] == GOOD["ticker"][:6]


def test_an_unreadable_answer_is_an_attempt_and_prompt_copies_are_dropped(tools_file, capsys):
    def respond(body):
        if "answer" in (response_schema(body).get("properties") or {}):
            return json.dumps({"answer": "yes"})
        key = parameter(body)
        return "I cannot help with that." if key == "ticker" else json.dumps({"values": [key, *GOOD[key][:3]]})

    with FakeOpenAI(respond) as fake:
        assert _enrich(fake, "--min-values", "3", "--max-attempts", "2") == 1
    out = capsys.readouterr().out
    assert (
        "short finance.json get_stock_price.ticker: 0 values (+0 new, 2 request(s)); dropped 2 unreadable answer" in out
    )
    assert "ok finance.json send_payment.memo: 3 values (+3 new, 1 request(s)); dropped 1 copied from the prompt" in out


def test_parameters_left_short_exit_1_and_keep_what_they_got(tools_file, capsys):
    with FakeOpenAI(teacher(lambda key, n: [GOOD[key][n]])) as fake:
        assert _enrich(fake, "--min-values", "5", "--max-attempts", "2") == 1
    assert len(_asks(fake)) == 8  # 4 parameters x 2 attempts
    assert _sidecar(tools_file)["get_stock_price"]["ticker"] == GOOD["ticker"][1:3]
    out = capsys.readouterr().out
    assert "short finance.json get_stock_price.ticker: 2 values (+2 new, 2 request(s))" in out
    assert "0 of 4 parameter(s) have 5+ values; 4 short" in out


def test_merge_keeps_existing_sidecar_values_and_skips_full_parameters(tools_file):
    existing = {
        "get_stock_price": {"ticker": ["IBM", "ORCL"], "exchange": ["NYSE"]},
        "send_payment": {"memo": GOOD["memo"][:5]},
    }
    tools_file.with_name("finance.values.json").write_text(json.dumps(existing), encoding="utf-8")
    with FakeOpenAI(teacher(lambda key, n: GOOD[key][:5])) as fake:
        assert _enrich(fake, "--min-values", "5") == 0
    assert "memo" not in _asks(fake)  # already had 5
    sidecar = _sidecar(tools_file)
    assert sidecar["get_stock_price"] == {"ticker": ["IBM", "ORCL"] + GOOD["ticker"][:5], "exchange": ["NYSE"]}
    assert sidecar["send_payment"]["memo"] == GOOD["memo"][:5]
    assert load_tools(["finance.json"])[0].parameters["properties"]["exchange"]["x-pool"] == ["NYSE"]


@pytest.mark.parametrize(
    "sidecar, message",
    [
        (
            {"get_stock_price": {"ticker": ["AAPL", "aapl"]}},
            "finance.values.json: get_stock_price.ticker[1]: value 'aapl': 'aapl' does not match '^[A-Z]{1,5}$'",
        ),
        (
            {"send_payment": {"recipient.email": ["ana"]}},
            "finance.values.json: send_payment.recipient.email[0]: value 'ana': 'ana' is not a 'email'",
        ),
        (
            {"get_stock_price": {"ticker": "AAPL"}},
            "finance.values.json: get_stock_price.ticker: expected a list of values",
        ),
        (
            {"get_stock_price": {"symbol": ["AAPL"]}},
            "finance.values.json: get_stock_price.symbol: get_stock_price has no parameter 'symbol'",
        ),
        (
            {"get_price": {"ticker": ["AAPL"]}},
            "finance.values.json: get_price: no tool 'get_price' in the tools file beside it",
        ),
        (["AAPL"], 'finance.values.json: expected {"tool": {"parameter": [values]}}'),
    ],
)
def test_a_bad_sidecar_is_an_input_error_naming_file_and_path(tools_file, capsys, sidecar, message):
    tools_file.with_name("finance.values.json").write_text(json.dumps(sidecar), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_tools(["finance.json"])
    assert str(info.value) == message
    with FakeOpenAI(teacher(lambda key, n: [])) as fake:
        assert _enrich(fake) == 2
    assert fake.requests == []
    assert capsys.readouterr().err == f"error: {message}\n"


def test_dry_run_sends_nothing(tools_file, capsys):
    with FakeOpenAI(teacher(lambda key, n: [])) as fake:
        assert _enrich(fake, "--dry-run") == 0
    assert fake.requests == []
    out = capsys.readouterr().out
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("would ask")] == [
        f"would ask finance.json {key}" for key in KEYS
    ]
    assert "4 parameter(s), at most 12 request(s)" in out and '"minItems": 20' in out


def test_free_form_is_what_the_sampler_cannot_draw():
    defs = {"$defs": {"Code": {"type": "string"}, "Day": {"type": "string", "format": "date"}}}
    assert free_form({"type": "string"}, {})
    assert free_form({"type": ["string", "null"], "format": "email"}, {})
    assert free_form({"anyOf": [{"type": "string"}, {"type": "null"}]}, {})
    assert free_form({"$ref": "#/$defs/Code"}, defs)
    assert not free_form({"$ref": "#/$defs/Day"}, defs)
    for schema in (
        {"type": "string", "enum": ["a"]},
        {"type": "string", "const": "a"},
        {"type": "string", "x-pool": ["a"]},
        {"type": "string", "format": "date-time"},
        {"type": "integer"},
        {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    ):
        assert not free_form(schema, {}), schema


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path):
    result = run_cli(
        ["enrich", "--tools", "missing.json", "--base-url", "http://127.0.0.1:9/v1", "--model", "m"],
        cwd=tmp_path,
        module="pipeline.seeds",
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (2, "error: missing.json: no such file or folder\n")
    result = run_cli(
        ["enrich", "--base-url", "http://127.0.0.1:9/v1"], cwd=tmp_path, module="pipeline.seeds", timeout=120
    )
    assert (result.returncode, result.stderr) == (2, "error: --model: --model is required with --base-url\n")
    result = run_cli([], cwd=tmp_path, module="pipeline.seeds", timeout=120)
    assert result.returncode == 2 and result.stderr.startswith("usage: python -m pipeline.seeds COMMAND")
    assert "\n  enrich  " in result.stderr  # the commands, listed


def test_cli_refuses_a_key_in_the_base_url_without_repeating_it(tmp_path):
    secret = "sk-in-the-url-3Jd8Wq"
    result = run_cli(
        ["enrich", "--base-url", f"http://u:{secret}@127.0.0.1:9/v1", "--model", "m"],
        cwd=tmp_path,
        module="pipeline.seeds",
        timeout=120,
    )
    assert result.returncode == 2 and result.stderr.startswith("error: --base-url: credentials")
    assert len(result.stderr.splitlines()) == 1 and secret not in result.stderr


def test_imported_xlam_tools_get_pools_disjoint_from_their_examples(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "xlam.json").write_text((Path(__file__).parent.parent / "fixtures" / "xlam_tools.json").read_text())
    cities = ["Seattle", "Karlsruhe", "Lyon", "Osaka", "Recife"]  # Seattle is the city parameter's example
    with FakeOpenAI(teacher(lambda key, n: cities)) as fake:
        assert main(["--tools", "xlam.json", "--base-url", fake.base_url, "--model", "fake", "--min-values", "3"]) == 0
    assert "city" in _asks(fake) and "sentences[]" in _asks(fake)
    sidecar = json.loads((tmp_path / "xlam.values.json").read_text())
    assert sidecar["v1_geocoding"]["city"] == cities[1:]
    assert sidecar["v1_geocoding"]["country"] == cities
    tools = {tool.name: tool for tool in load_tools(["xlam.json"])}
    assert tools["v1_geocoding"].parameters["properties"]["city"]["x-pool"] == cities[1:]
    assert tools["get_word_frequencies"].parameters["properties"]["sentences"]["items"]["x-pool"] == cities
