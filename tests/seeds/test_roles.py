"""pipeline.seeds.roles: a tool without annotations gets the roles its names make safe, the loader
refuses malformed ones, and the planner then draws by them."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timezone

import pytest

from pipeline.errors import InputError
from pipeline.sampler import ArgumentSampler
from pipeline.seeds import load_tools

NOW = datetime(2026, 12, 3, 10, tzinfo=timezone.utc)
HOTEL = {
    "name": "reserve_room",
    "description": "Book a hotel room.",
    "parameters": {
        "type": "object",
        "properties": {
            "hotel": {"type": "string", "x-pool": ["Hotel Lisboa Plaza"]},
            "check_in": {"type": "string", "format": "date"},
            "check_out": {"type": "string", "format": "date"},
        },
        "required": ["hotel", "check_in", "check_out"],
    },
}


def test_undeclared_roles_are_inferred_written_and_drawn_by(tmp_path):
    path = tmp_path / "tools.json"
    path.write_text(json.dumps([HOTEL]))
    tool = load_tools([str(path)])[0]
    assert tool.extras["inferred_roles"]["check_out"]["x-after"] == "check_in"
    assert tool.extras["inferred_roles"]["check_in"]["x-when"] == "future"
    for seed in range(50):
        arguments = ArgumentSampler(random.Random(seed), NOW, 1.0).arguments(tool.parameters)
        check_in, check_out = (date.fromisoformat(arguments[k]) for k in ("check_in", "check_out"))
        assert NOW.date() <= check_in < check_out and (check_out - check_in).days <= 30


def test_a_declared_role_is_never_overwritten(tmp_path):
    tool = json.loads(json.dumps(HOTEL))
    tool["parameters"]["properties"]["check_in"]["x-when"] = "any"
    path = tmp_path / "tools.json"
    path.write_text(json.dumps([tool]))
    loaded = load_tools([str(path)])[0]
    assert loaded.parameters["properties"]["check_in"]["x-when"] == "any"
    assert (
        "check_in" not in loaded.extras["inferred_roles"] or "x-when" not in loaded.extras["inferred_roles"]["check_in"]
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("x-when", "tomorrow", "must be one of future, past, any"),
        ("x-after", "nope", "not a sibling parameter"),
        ("x-entity", "city", '"<kind>.<field>"'),
    ],
)
def test_a_malformed_annotation_is_a_one_line_error(tmp_path, key, value, message):
    tool = json.loads(json.dumps(HOTEL))
    tool["parameters"]["properties"]["check_out"][key] = value
    path = tmp_path / "tools.json"
    path.write_text(json.dumps([tool]))
    with pytest.raises(InputError, match=message) as error:
        load_tools([str(path)])
    assert str(error.value).startswith(f"{path}: [0].parameters.properties.check_out.{key}: ")
