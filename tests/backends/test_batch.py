"""pipeline.backends.batch: runs answered through the Batch API of the fake server (tests/fake_openai.py
speaks OpenAI's Files + Batches endpoints over real HTTP, through the openai client): the same
records as a direct run, a killed run resumed from its recorded batch without sending it again,
failed items retried in a later batch, and the config errors."""

from __future__ import annotations

import asyncio
import hashlib
import json
import signal
import subprocess
import sys
import time

import pytest

from pipeline.backends.base import ChatRequest, TransientError
from pipeline.backends.batch import BatchTransport
from tests.conftest import ROOT, run_cli
from tests.fake_openai import FakeOpenAI
from tests.generate.helpers import run_category

FAST = {"batch": True, "batch_poll_seconds": 0.05, "batch_flush_seconds": 0.3}


def _ids(fake):
    return [
        json.loads(line)["custom_id"]
        for b in fake.batches.values()
        for line in fake.files[b["input_file_id"]].decode().splitlines()
    ]


def test_a_batch_run_writes_what_a_direct_run_writes(tmp_path):
    with FakeOpenAI() as fake:
        run_category(fake, tmp_path / "direct", "single", "blueprint", n=8)
    with FakeOpenAI() as fake:
        batched = run_category(fake, tmp_path / "batched", "single", "blueprint", n=8, teacher=FAST)
        assert fake.batches and fake.direct <= 3  # the structured-output probe only
        assert len(_ids(fake)) == len(set(_ids(fake)))  # no request paid twice
    assert batched["code"] == 0 and len(batched["accepted"]) == 8
    assert (tmp_path / "batched" / "accepted.jsonl").read_text() == (tmp_path / "direct" / "accepted.jsonl").read_text()
    ledger = [json.loads(line) for line in (tmp_path / "batched" / "cache" / "batches.jsonl").read_text().splitlines()]
    assert [entry["batch"] for entry in ledger] == list(fake.batches)


def test_a_killed_run_waits_for_its_recorded_batch_instead_of_sending_it_again(tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text("teacher:\n  batch: true\n  batch_poll_seconds: 0.05\n  batch_flush_seconds: 0.3\n")
    with FakeOpenAI() as fake:
        fake.batch_polls = 10**9  # the first batch never ends while the first run lives
        argv = [
            "--category",
            "single",
            "--n",
            "4",
            "--base-url",
            fake.base_url,
            "--model",
            "fake",
            "--config",
            str(job),
            "--out",
            str(tmp_path / "run"),
            "--no-report",
        ]
        first = subprocess.Popen(
            [sys.executable, "-m", "pipeline.run", *argv],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not fake.batches and time.monotonic() < deadline:
            time.sleep(0.05)
        ledger = tmp_path / "run" / "cache" / "batches.jsonl"
        while not (ledger.is_file() and ledger.read_text().endswith("\n")) and time.monotonic() < deadline:
            time.sleep(0.05)  # its ledger line is written right after the create
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert len(fake.batches) == 1
        recorded = set(_ids(fake))
        fake.batch_polls = 1
        second = run_cli(argv)
        assert second.returncode == 0, second.stderr
        later = [key for b in list(fake.batches)[1:] for key in _ids_of(fake, b)]
        assert not recorded & set(later)  # the recorded batch answered them: none sent again
        assert fake.batches["batch_1"]["status"] == "completed"
    assert len((tmp_path / "run" / "accepted.jsonl").read_text().splitlines()) == 4


def _ids_of(fake, batch_id):
    batch = fake.batches[batch_id]
    return [json.loads(line)["custom_id"] for line in fake.files[batch["input_file_id"]].decode().splitlines()]


def test_items_the_batch_failed_are_asked_again_in_a_later_batch(tmp_path):
    with FakeOpenAI() as fake:
        failed = set()

        def plan(body, attempt):  # every third body (by its digest) fails its first time
            key = json.dumps(body, sort_keys=True)
            if attempt == 1 and int(hashlib.sha256(key.encode()).hexdigest(), 16) % 3 == 0:
                failed.add(key)
                return 500, {"error": {"message": "overloaded"}}, {}
            return None

        fake.fault_plan = plan
        result = run_category(
            fake, tmp_path / "run", "single", "blueprint", n=6, teacher={**FAST, "retry_initial": 0.01}
        )
        assert result["code"] == 0 and len(result["accepted"]) == 6
        assert failed and len(fake.batches) >= 2


def test_a_batch_that_expires_fails_its_items_for_the_retry_layer(tmp_path):
    async def ask_twice():
        transport = BatchTransport(
            fake.base_url, "fake", None, ledger=tmp_path / "batches.jsonl", flush_after=0.1, poll_seconds=0.05
        )
        transport.batching = True
        request = ChatRequest([{"role": "user", "content": "hi"}])
        try:
            with pytest.raises(TransientError, match="ended expired without this request's answer"):
                await transport.send(request, "none")
            fake.batch_status = "completed"
            return await transport.send(request, "none")  # what the retry layer does next
        finally:
            await transport.close()

    with FakeOpenAI(lambda body: "hello") as fake:
        fake.batch_status = "expired"
        assert asyncio.run(ask_twice()).text == "hello"
        assert [b["status"] for b in fake.batches.values()] == ["expired", "completed"]  # the retry: a new batch


def test_a_failed_poll_is_tried_again_without_resending_the_batch(tmp_path):
    async def ask():
        transport = BatchTransport(
            fake.base_url, "fake", None, ledger=tmp_path / "batches.jsonl", flush_after=0.1, poll_seconds=0.05
        )
        transport.batching = True
        try:
            return await transport.send(ChatRequest([{"role": "user", "content": "hi"}]), "none")
        finally:
            await transport.close()

    with FakeOpenAI(lambda body: "hello") as fake:
        fake.retrieve_failures = 2  # the provider answers two polls with HTTP 500
        assert asyncio.run(ask()).text == "hello"
        assert len(fake.batches) == 1 and fake.retrieve_failures == 0


def test_a_torn_ledger_line_does_not_swallow_the_next_batch(tmp_path):
    from pipeline.backends.batch import Ledger

    path = tmp_path / "batches.jsonl"
    path.write_text('{"batch": "b1", "custom_ids": ["a"]}\n{"batch": "b2", "cust')  # a kill mid-write
    Ledger(path).record("b3", ["c"])
    assert Ledger(path).batch_of == {"a": "b1", "c": "b3"}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--batch"], "teacher.batch needs an endpoint with a Batch API"),
        (
            ["--batch", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--config", "NOCACHE"],
            "needs the response cache",
        ),
    ],
)
def test_batch_without_an_endpoint_or_a_cache_is_one_line_and_exit_2(tmp_path, argv, message):
    nocache = tmp_path / "nocache.yaml"
    nocache.write_text("cache: false\n")
    argv = [str(nocache) if a == "NOCACHE" else a for a in argv]
    result = run_cli(["--category", "single", "--out", str(tmp_path / "x"), *argv])
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
