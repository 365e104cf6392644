"""A copy of the finished fake-teacher run per test (reviews write labels into it), and the
review server on a free port of 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from pipeline.review.sample import load_sample
from pipeline.review.server import Review, make_server


@pytest.fixture
def run_copy(finished_run, tmp_path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(finished_run, copy)
    return copy


@pytest.fixture
def review_url(run_copy):
    """The review page of `run_copy` (a sample of 12) served in a thread; yields its URL."""
    records = [json.loads(line) for line in (run_copy / "accepted.jsonl").read_text().splitlines()]
    manifest = json.loads((run_copy / "manifest.json").read_text())
    review = Review(run_copy, records, load_sample(run_copy, records, 12, 0), manifest)
    server = make_server(review, 0)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/"
    server.shutdown()
    server.server_close()
