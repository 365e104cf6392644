"""filters.unmet: options and parameters the request names that the call leaves out."""

from __future__ import annotations

import pytest

from filters.unmet import unmet_requests
from pipeline.record import Conversation

LIGHT = {
    "name": "set_light_state",
    "parameters": {
        "type": "object",
        "properties": {
            "device_id": {"type": "string"},
            "power": {"type": "string", "enum": ["on", "off"]},
            "brightness": {"type": "integer", "minimum": 0, "maximum": 100},
            "transition_seconds": {"type": "number", "default": 0},
            "scene": {"type": "string"},
        },
        "required": ["device_id"],
    },
}


def _record(request: str, arguments: dict) -> Conversation:
    return Conversation.model_validate(
        {
            "id": "t",
            "category": "single",
            "tools": [{"type": "function", "function": LIGHT}],
            "messages": [
                {"role": "user", "content": request},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "set_light_state", "arguments": arguments},
                        }
                    ],
                },
            ],
        }
    )


@pytest.mark.parametrize(
    "request_text, arguments, left_out",
    [
        (
            "Turn on the desk lamp and set the brightness to 60.",
            {"device_id": "desk lamp", "power": "on"},
            "brightness",
        ),
        ("Desk lamp on, brightness 60", {"device_id": "desk lamp", "brightness": 60}, None),  # carried
        ("Desk lamp on, any brightness is fine", {"device_id": "desk lamp"}, None),  # left open
        ("Desk lamp on, don't touch the brightness", {"device_id": "desk lamp"}, None),  # denied
        ("Desk lamp on with a slow transition seconds", {"device_id": "desk lamp"}, None),  # has a default
        ("Put the evening scenes on the desk lamp", {"device_id": "desk lamp"}, "scene"),  # a plural
        ("Switch the scene lamp on", {"device_id": "scene lamp"}, None),  # part of a value the call carries
    ],
)
def test_a_named_optional_parameter_the_call_leaves_out(request_text, arguments, left_out):
    issues = unmet_requests(_record(request_text, arguments))
    named = [issue.path.rsplit(".", 1)[-1] for issue in issues if "names" in issue.message]
    assert named == ([left_out] if left_out else [])
