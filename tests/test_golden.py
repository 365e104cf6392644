"""Byte identity: the same command and seed write the same accepted, rejected and pairs files.

Restructuring the code must not change what a run writes. Three runs on the fake teacher cover
every category in both modes and the small-teacher defaults (per-call parallel phrasing,
templated no_call turns, mocked tool results, a second solve); a deterministic flaw in about
one answer in five (a wrong tool picked, a value changed) gives every run rejected candidates
and real-failure pairs. The files' SHA-256 are pinned in tests/fixtures/golden.json, and so is
every request body the teacher received (a short digest each): a run may send fewer requests than
when the pins were written (less waste), never one that was not sent then, since the messages,
schemas and sampling settings are part of the response cache key.

After an intended change of the output, rewrite the pins with
`FC_GOLDEN_UPDATE=1 python -m pytest tests/test_golden.py` and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.fake_openai import FakeOpenAI, echo_teacher

PINS = ROOT / "tests" / "fixtures" / "golden.json"
FILES = ("accepted.jsonl", "rejected.jsonl", "pairs.jsonl")
RUNS = {
    "free": (["--mode", "free", "--n", "20", "--judge"], None),
    "blueprint": (["--mode", "blueprint", "--n", "20"], None),
    "small_teacher": (
        ["--mode", "blueprint", "--n", "15", "--seed", "7"],
        {
            "parallel_phrasing": "per_call",
            "templated_turns": True,
            "tool_results": "mock",
            "alias_rate": 0.2,
            "optional_rate": 0.2,
            "distractors": [1, 2],
            "pairs": {"second_solve": 0.9},
        },
    ),
}


def _mutate(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + " extra"
    return value


def flawed_teacher(body: dict) -> str:
    """The echo teacher, but about one answer in four picks another tool or changes a value
    (drawn from the request body alone, so every run sees the same flaws)."""
    try:
        text = echo_teacher(body)
    except Exception:  # a later step of a task whose earlier answer was flawed: the fake lost track of it
        return "I cannot help with that."
    if zlib.crc32(json.dumps(body, sort_keys=True).encode()) % 4:
        return text
    try:
        answer = json.loads(text)
    except ValueError:
        return text
    if not isinstance(answer, dict):
        return text
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema") or {}
    options = ((schema.get("properties") or {}).get("action") or {}).get("enum") or []
    if "action" in answer and len(options) > 1:
        answer["action"] = (
            options[(options.index(answer["action"]) + 1) % len(options)] if answer["action"] in options else options[0]
        )
    elif isinstance(answer.get("arguments"), dict) and answer["arguments"]:
        key = sorted(answer["arguments"])[0]
        answer["arguments"][key] = _mutate(answer["arguments"][key])
    elif (
        isinstance(answer.get("call"), dict)
        and isinstance(answer["call"].get("arguments"), dict)
        and answer["call"]["arguments"]
    ):
        key = sorted(answer["call"]["arguments"])[0]
        answer["call"]["arguments"][key] = _mutate(answer["call"]["arguments"][key])
    else:
        return text
    return json.dumps(answer)


def _short(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def _digests(out: Path) -> dict[str, str]:
    return {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in FILES}


@pytest.mark.parametrize("name", list(RUNS))
def test_same_command_same_bytes(name, tmp_path):
    flags, job = RUNS[name]
    # one task in flight: which surplus tasks run (and so which requests are sent) never depends on timing
    args = [
        "--category",
        "all",
        "--model",
        "fake-model",
        "--out",
        str(tmp_path / "run"),
        "--concurrency",
        "1",
        *flags,
    ]  # one in flight: which surplus tasks run never depends on timing
    if job is not None:
        (tmp_path / "job.json").write_text(json.dumps(job))
        args += ["--config", str(tmp_path / "job.json")]
    with FakeOpenAI(responder=flawed_teacher) as fake:
        result = run_cli([*args, "--base-url", fake.base_url], env={"OPENAI_API_KEY": "sk-golden"})
    assert result.returncode in (0, 1), result.stderr
    digests = _digests(tmp_path / "run")
    sent = sorted({_short(body) for body in fake.requests})
    rejected = (tmp_path / "run" / "rejected.jsonl").read_text().count("\n")
    assert rejected >= 5, "the flawed teacher should leave rejected candidates to pin"
    pins = json.loads(PINS.read_text()) if PINS.is_file() else {}
    if os.environ.get("FC_GOLDEN_UPDATE"):
        pins[name] = digests
        pins[f"{name}.requests"] = sent
        PINS.write_text(json.dumps(pins, indent=1, sort_keys=True) + "\n")
    assert digests == pins.get(name), f"{name}: output changed (keep a copy with --basetemp to diff it)"
    unknown = set(sent) - set(pins[f"{name}.requests"])
    assert not unknown, (
        f"{name}: {len(unknown)} of {len(sent)} requests differ from the pinned ones "
        "(a cache written before would miss them)"
    )
