"""pipeline.seeds.openapi and YAML tool files, through load_tools: three real specs
(tests/fixtures/openapi/SOURCE.md), a hand-written OpenAPI 3.1 document for each rule, MCP's
outputSchema and title, and the errors, each one line naming the file and the JSON path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipeline.errors import InputError
from pipeline.seeds import load_tools
from tests.conftest import run_cli
from tests.fake_openai import FakeOpenAI, add_tools
from tests.generate.helpers import run_category

SPECS = Path(__file__).parent.parent / "fixtures" / "openapi"


def _tools(path) -> dict:
    return {tool.name: tool for tool in load_tools([str(path)], sidecars=False)}


def _error(path) -> str:
    with pytest.raises(InputError) as info:
        load_tools([str(path)], sidecars=False)
    text = str(info.value)
    assert "\n" not in text, text
    return text


def test_petstore_gives_one_tool_per_operation():
    tools = _tools(SPECS / "petstore3.yaml")
    assert len(tools) == 19 and sum(tool.read_only for tool in tools.values()) == 8  # the GETs
    pet = tools["getPetById"]
    assert pet.parameters["required"] == ["petId"] and pet.parameters["properties"]["petId"]["type"] == "integer"
    assert pet.result_schema["properties"]["name"]["type"] == "string"  # the 200 response, $ref inlined
    status = tools["findPetsByStatus"].parameters["properties"]["status"]
    assert status["enum"] == ["available", "pending", "sold"] and status["description"]
    add = tools["addPet"]
    assert not add.read_only and set(add.parameters["required"]) == {"name", "photoUrls"}  # the body's
    assert add.parameters["properties"]["category"]["properties"]["name"]["examples"] == ["Dogs"]  # example
    phone = tools["createUser"].parameters["properties"]["phone"]
    assert "examples" not in phone  # Petstore's "12345": what the placeholder check rejects in a call
    for tool in tools.values():
        text = json.dumps([tool.parameters, tool.result_schema])
        assert "$ref" not in text and '"xml"' not in text and '"example"' not in text


def test_twilio_verify_reads_form_bodies_and_nullable_fields():
    tools = _tools(SPECS / "twilio_verify_v2.yaml")
    assert len(tools) == 57
    create = tools["CreateVerification"]
    assert {"ServiceSid", "To", "Channel"} <= set(create.parameters["required"])  # path + required form fields
    assert create.parameters["properties"]["ServiceSid"]["pattern"] == "^VA[0-9a-fA-F]{32}$"
    assert create.parameters["properties"]["Channel"]["examples"][:2] == ["sms", "whatsapp"]  # the body's examples
    assert "examples" not in create.parameters["properties"]["TemplateSid"]  # "HJaaaa...aa": a stand-in, not a value
    assert "examples" not in create.parameters["properties"]["CustomCode"]  # "custom_code": its own name
    assert create.result_schema["properties"]["sid"]["type"] == ["string", "null"]  # nullable: true
    assert not [key for tool in tools.values() for key in _keys(tool.parameters) if key.startswith("x-twilio")]


def _keys(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _keys(value)


def test_twilio_sync_takes_a_path_description_where_operations_have_none():
    tools = _tools(SPECS / "twilio_sync_v1.yaml")
    assert len(tools) == 48
    assert tools["FetchDocument"].description == "Sync Document objects (GET /v1/Services/{ServiceSid}/Documents/{Sid})"


SPEC_31 = {
    "openapi": "3.1.0",
    "info": {"title": "Inventory", "version": "1"},
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
        "schemas": {
            "Node": {
                "type": "object",
                "description": "a tree node",
                "properties": {
                    "label": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                },
            },
            "Base": {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "created": {"type": "string", "readOnly": True}},
            },
        },
        "parameters": {
            "limit": {"name": "limit", "in": "query", "schema": {"type": ["integer", "null"], "maximum": 50}}
        },
    },
    "paths": {
        "/items/{itemId}": {
            "parameters": [{"name": "itemId", "in": "path", "schema": {"type": "string"}, "description": "the item"}],
            "get": {
                "summary": "Read an item",
                "parameters": [
                    {"$ref": "#/components/parameters/limit"},
                    {"name": "X-Request-Id", "in": "header", "schema": {"type": "string"}},
                    {"name": "Authorization", "in": "header", "schema": {"type": "string"}},
                    {"name": "X-Api-Key", "in": "header", "schema": {"type": "string"}},
                    {"name": "session", "in": "cookie", "schema": {"type": "string"}},
                    {"name": "id", "in": "query", "schema": {"type": "integer", "exclusiveMinimum": 0}},
                ],
                "responses": {
                    "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}
                },
            },
            "put": {
                "operationId": "replace item!",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "allOf": [
                                    {"$ref": "#/components/schemas/Base"},
                                    {
                                        "type": "object",
                                        "properties": {"name": {"type": "string"}},
                                        "required": ["name"],
                                    },
                                ]
                            }
                        }
                    },
                },
                "responses": {"204": {"description": "done"}},
            },
        }
    },
}


def test_each_rule_on_a_31_document(tmp_path):
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(SPEC_31))
    tools = _tools(path)
    assert set(tools) == {"get_items_itemId", "replace_item_"}  # no operationId: method and path
    read = tools["get_items_itemId"]
    assert read.description == "Read an item" and read.read_only
    properties = read.parameters["properties"]
    assert set(properties) == {"itemId", "limit", "X-Request-Id", "id"}  # no auth, api-key or cookie
    assert properties["itemId"]["description"] == "the item" and read.parameters["required"] == ["itemId"]
    assert properties["limit"]["type"] == ["integer", "null"]
    node = read.result_schema
    assert node["properties"]["children"]["items"] == {"type": "object", "description": "a nested Node"}
    # a schema that contains itself stops where it would repeat
    replace = tools["replace_item_"]
    assert not replace.read_only and replace.original_name == "replace item!"
    body = replace.parameters["properties"]
    assert set(body) == {"itemId", "id", "name"}  # allOf merged; readOnly `created` left out
    assert set(replace.parameters["required"]) == {"itemId", "name"}


def test_a_30_boolean_exclusive_minimum_becomes_a_number(tmp_path):
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/n": {
                "get": {
                    "operationId": "get_n",
                    "parameters": [
                        {
                            "name": "n",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "nullable": True},
                        }
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    path = tmp_path / "n.yaml"
    path.write_text(yaml.safe_dump(spec))
    n = _tools(path)["get_n"].parameters["properties"]["n"]
    assert n == {"type": ["integer", "null"], "exclusiveMinimum": 0}


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda s: {"swagger": "2.0", "paths": s["paths"]}, "spec.json: swagger: Swagger 2.0 is not read"),
        (
            lambda s: _set(s, ["paths", "/items/{itemId}", "get", "parameters", 0], {"$ref": "common.yaml#/limit"}),
            "spec.json: paths['/items/{itemId}'].get.parameters[0]: $ref 'common.yaml#/limit' points outside this file",
        ),
        (
            lambda s: _set(
                s, ["paths", "/items/{itemId}", "get", "parameters", 0], {"$ref": "#/components/parameters/nope"}
            ),
            "points to nothing",
        ),
        (lambda s: {**s, "paths": {}}, "spec.json: paths: no operations under paths"),
        (lambda s: {**s, "openapi": "4.0"}, "spec.json: openapi: OpenAPI '4.0' is not read"),
    ],
)
def test_bad_documents_are_one_line_naming_the_file_and_path(tmp_path, change, expected):
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(change(json.loads(json.dumps(SPEC_31)))))
    assert expected in _error(path)


def _set(spec, keys, value):
    node = spec
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return spec


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tools: [\n  {name: a\n", "tools.yaml: invalid YAML"),
        ("tools: []\ntools: []\n", "tools.yaml: line 2: duplicate key 'tools'"),
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"{k}: &{k} [{', '.join(['*' + p] * 10)}]\n" for p, k in zip("abcdefg", "bcdefgh")),
            "aliases expand to more than",
        ),
        (
            "name: f\nparameters: {type: object, properties: {when: {type: string, default: !!binary aGk=}}}\n",
            "is not JSON",
        ),
    ],
)
def test_bad_yaml_is_one_line_naming_the_file(tmp_path, text, expected):
    path = tmp_path / "tools.yaml"
    path.write_text(text)
    assert expected in _error(path)


def test_every_tool_format_reads_from_yaml(tmp_path):
    seed = {
        "domain": "shop",
        "tools": [
            {
                "name": "get_order",
                "description": "Get an order.",
                "read_only": True,
                "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}},
            }
        ],
    }
    openai = [{"type": "function", "function": {**seed["tools"][0], "name": "get_invoice"}}]
    (tmp_path / "seed.yml").write_text(yaml.safe_dump(seed))
    (tmp_path / "openai.yaml").write_text(yaml.safe_dump(openai))
    (tmp_path / "bare.yaml").write_text(
        "name: ping\ndescription: Check it answers.\nparameters: {type: object, properties: {}}\n"
    )
    tools = {tool.name for tool in load_tools([str(tmp_path)], sidecars=False)}
    assert tools == {"get_order", "get_invoice", "ping"}  # the folder's YAML files, each format


def test_mcp_output_schema_and_title_and_no_schema_keys(tmp_path):
    listing = {
        "tools": [
            {
                "name": "get_weather",
                "annotations": {"title": "Current weather", "readOnlyHint": True},
                "inputSchema": {
                    "$schema": "http://json-schema.org/draft-07/schema#",
                    "type": "object",
                    "properties": {"city": {"type": "string", "$id": "city"}},
                    "required": ["city"],
                },
                "outputSchema": {
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "type": "object",
                    "properties": {"temperature": {"type": "number"}},
                },
            }
        ]
    }
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps(listing))
    tool = _tools(path)["get_weather"]
    assert tool.description == "Current weather" and tool.read_only
    assert tool.result_schema == {"type": "object", "properties": {"temperature": {"type": "number"}}}
    assert "$schema" not in json.dumps(tool.parameters) and "$id" not in json.dumps(tool.parameters)
    assert "$schema" not in json.dumps(tool.to_tool().model_dump())


@pytest.mark.parametrize(
    "spec, mode",
    [("petstore3.yaml", "blueprint"), ("twilio_verify_v2.yaml", "blueprint"), ("twilio_sync_v1.yaml", "free")],
)
def test_a_real_spec_runs_and_its_records_validate(tmp_path, spec, mode):
    """`--tools SPEC --category single --n 10` on the fake teacher (it learns the spec's tools),
    then `pipeline.validate` on what it accepted. Twilio Sync's ids have no pattern or examples:
    blueprint mode has nothing to draw them from, so it runs free."""
    add_tools([str(SPECS / spec)])
    with FakeOpenAI() as fake:
        result = run_category(fake, tmp_path / "run", "single", mode, n=10, tools=[str(SPECS / spec)])
    assert result["code"] == 0 and len(result["accepted"]) == 10
    names = {tool.name for tool in load_tools([str(SPECS / spec)], sidecars=False)}
    called = {
        m["tool_calls"][0]["function"]["name"] for r in result["accepted"] for m in r["messages"] if m.get("tool_calls")
    }
    assert called <= names and len(called) > 1
    check = run_cli([str(tmp_path / "run" / "accepted.jsonl")], module="pipeline.validate")
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr


def test_properties_named_like_schema_words_are_properties(tmp_path):
    spec = json.loads(json.dumps(SPEC_31))
    spec["components"]["schemas"]["Settings"] = {
        "type": "object",
        "properties": {
            "default": {"$ref": "#/components/schemas/Base"},
            "example": {"type": "string"},
            "nullable": {"type": "boolean"},
        },
    }
    put = spec["paths"]["/items/{itemId}"]["put"]
    put["requestBody"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Settings"}
    put["responses"] = {
        "204": {"description": "done"},
        "default": {
            "content": {"application/json": {"schema": {"type": "object", "properties": {"error": {"type": "string"}}}}}
        },
    }
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(spec))
    tool = _tools(path)["replace_item_"]
    properties = tool.parameters["properties"]
    assert set(properties) == {"itemId", "default", "example", "nullable"}
    assert properties["default"]["properties"]["id"] == {"type": "integer"}  # its $ref resolved
    assert tool.result_schema is None  # 204 has no body; `default` is the error, not the result


def test_a_spec_whose_refs_repeat_exponentially_is_refused(tmp_path):
    schemas = {
        f"S{i}": {
            "type": "object",
            "properties": {
                "a": {"$ref": f"#/components/schemas/S{i + 1}"},
                "b": {"$ref": f"#/components/schemas/S{i + 1}"},
            },
        }
        for i in range(30)
    }
    schemas["S30"] = {"type": "string"}
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}}}
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "components": {"schemas": schemas},
        "paths": {"/x": {"post": {"operationId": "x", "requestBody": body, "responses": {}}}},
    }
    path = tmp_path / "bomb.json"
    path.write_text(json.dumps(spec))
    assert "inline to more than" in _error(path)
