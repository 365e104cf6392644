"""The real embedded teacher: llama.cpp's server (xllamacpp) + the packaged, hash-pinned default model.

Needs the [embedded] extra (the README's test command installs it); deselect with -m "not embedded".
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

from pipeline.backends.base import ChatRequest
from pipeline.backends.embedded import EmbeddedServer, server_kind
from pipeline.backends.models import DEFAULT_MODEL, MODELS, model_file
from pipeline.backends.teacher import build_teacher
from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.embedded


def _port_closed(base_url: str) -> bool:
    parts = urlsplit(base_url)
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((parts.hostname, parts.port)) != 0


def test_server_starts_answers_constrained_json_and_stops(tmp_path):
    assert model_file().stat().st_size == MODELS[DEFAULT_MODEL].size  # assembled and hash-checked
    with EmbeddedServer(log_dir=tmp_path) as server:
        assert server.describe()["gguf"]["general.architecture"] == "qwen2" and server.kind == server_kind()

        async def talk():
            teacher = build_teacher(server.base_url, server.model, None, concurrency=1, max_attempts=2)
            style = await teacher.probe()
            schema = {
                "type": "object",
                "properties": {"city": {"type": "string", "enum": ["Paris", "Lyon"]}},
                "required": ["city"],
            }
            answer = await teacher.complete(
                ChatRequest(
                    [{"role": "user", "content": "Which city is the capital of France? Reply as JSON."}],
                    0.0,
                    32,
                    schema,
                )
            )
            await teacher.close()
            return style, answer

        style, answer = asyncio.run(talk())
        base_url = server.base_url
    # llama.cpp's own server takes json_schema; llama-cpp-python's answers it with HTTP 500
    assert style == ("json_schema" if server_kind() == "xllamacpp" else "json_object")
    assert json.loads(answer.text)["city"] in ("Paris", "Lyon") and answer.completion_tokens > 0
    assert _port_closed(base_url)


def test_run_on_the_embedded_teacher_writes_valid_output(tmp_path):
    out = tmp_path / "run"
    result = run_cli(["--category", "single", "--n", "1", "--max-candidates", "4", "--out", str(out)], timeout=600)
    assert result.returncode in (0, 1), (
        result.stderr
    )  # 1 = too few accepted from 4 candidates, which a small model may be
    manifest = json.loads((out / "manifest.json").read_text())
    teacher = manifest["teacher"]
    assert teacher["embedded"] is True and teacher["structured_output"] in ("json_schema", "json_object")
    assert teacher["embedded_model"] == DEFAULT_MODEL and teacher["sha256"] == MODELS[DEFAULT_MODEL].sha256
    assert teacher["gguf"]["general.architecture"] == "qwen2" and teacher["license"].startswith("Apache-2.0")
    assert manifest["config"]["mode"] == "blueprint"
    assert manifest["config"]["teacher"]["concurrency"] == manifest["config"]["teacher"]["embedded_slots"] == 2
    assert manifest["config"]["teacher"]["timeout"] >= 300
    assert 1 <= manifest["counts"]["candidates"] <= 4 and manifest["usage"]["requests"] >= 3
    assert (
        manifest["counts"]["accepted"] + manifest["counts"]["rejected"] + manifest["counts"]["surplus_dropped"]
        == manifest["counts"]["candidates"]
    )
    lines = (out / "accepted.jsonl").read_text().splitlines()
    if lines:
        check = run_cli([str(out / "accepted.jsonl")], module="pipeline.validate")
        assert check.returncode == 0, check.stdout
    assert _port_closed(manifest["teacher"]["base_url"])


@pytest.mark.parametrize("category", ["parallel", "nested", "multi_turn", "no_call"])
def test_every_category_finishes_on_the_embedded_teacher_and_reports_its_funnel(tmp_path, category):
    out = tmp_path / "run"
    result = run_cli(["--category", category, "--n", "1", "--max-candidates", "2", "--out", str(out)], timeout=900)
    assert result.returncode in (0, 1), result.stderr  # 1 = short: a small teacher may not complete a chain in 2 tries
    manifest = json.loads((out / "manifest.json").read_text())
    slices = manifest["funnel"]["by_slice"]
    assert {row["category"] for row in slices} == {category} and sum(row["candidates"] for row in slices) == manifest[
        "counts"
    ]["candidates"]
    assert 1 <= manifest["counts"]["candidates"] <= 2 and manifest["usage"]["requests"] >= 2
    assert (
        manifest["counts"]["accepted"] + manifest["counts"]["rejected"] + manifest["counts"]["surplus_dropped"]
        == manifest["counts"]["candidates"]
    )
    if (out / "accepted.jsonl").read_text().strip():
        check = run_cli([str(out / "accepted.jsonl")], module="pipeline.validate")
        assert check.returncode == 0, check.stdout
    assert _port_closed(manifest["teacher"]["base_url"])


def test_ctrl_c_stops_the_server_and_leaves_no_complete_manifest(tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.run", "--category", "single", "--n", "50", "--out", str(out)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    log, answers = out / "embedded-server.log", out / "cache" / "responses.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (answers.exists() and answers.stat().st_size):
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    if (out / "manifest.json").exists():  # stopped after the probe: what it had, marked as such
        assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    port = re.search(r"(?:listening on|Uvicorn running on) http://127\.0\.0\.1:(\d+)", log.read_text()).group(1)
    assert _port_closed(f"http://127.0.0.1:{port}/v1")
