"""pipeline.redact: secrets out of files, run.log and stderr alike, including an endpoint that
echoes the credentials it was sent in its error bodies."""

from __future__ import annotations

import io
import json
import sys

from pipeline.redact import RedactingStream, redact, redacted_stderr, remember_secret
from tests.conftest import run_cli
from tests.fake_openai import FakeOpenAI, asked_keys

KEY = "sk-planted-Zq8Wm3Xv9Lk2Pt7R"
QUERY_KEY = "qk-planted-4Hd8Jw2Nc6Vb"  # no sk- shape: only its ?api_key= place gives it away
PASSWORD = "pw-planted-7Ty3Gs5Ke1"
SHAPELESS = "fireworks-planted-5Jr9Qa2Wn8"  # a key of no known shape, handed to the process


def test_redact_patterns_and_remembered_secrets():
    remember_secret(SHAPELESS)
    remember_secret("short")  # a placeholder, not a secret: never redacted
    text = f"Bearer {KEY} https://admin:{PASSWORD}@proxy.example/v1?api_key={QUERY_KEY} {SHAPELESS} short"
    cleaned = redact(text)
    assert not any(secret in cleaned for secret in (KEY, QUERY_KEY, PASSWORD, SHAPELESS))
    assert cleaned.endswith(" short") and "proxy.example/v1" in cleaned


def test_redacted_stderr_redacts_every_write_and_restores_stderr():
    buffer = io.StringIO()
    stream = RedactingStream(buffer)
    assert stream.write(f"key {KEY}\n") == len(f"key {KEY}\n") and KEY not in buffer.getvalue()
    previous = sys.stderr
    with redacted_stderr():
        assert isinstance(sys.stderr, RedactingStream) and sys.stderr.stream is previous
    assert sys.stderr is previous


def test_an_endpoint_echoing_credentials_leaks_them_nowhere(tmp_path):
    """Every generation request is refused with an error body quoting the key it was sent, a URL
    password and an ?api_key= value; the run stops after its consecutive failures (exit 2) and
    neither stderr (with -v, every debug message) nor run.log nor any run file holds them."""
    with FakeOpenAI() as fake:

        def echo(body, attempt):
            if asked_keys(body) == {"answer"}:
                return None  # the style probe answers: the run starts
            message = (
                f"invalid credentials: {fake.authorization}; retry at "
                f"https://admin:{PASSWORD}@proxy.example/v1?api_key={QUERY_KEY} or with key {KEY}"
            )
            return 401, {"error": {"message": message, "sent": fake.authorization}}, {}

        fake.fault_plan = echo
        out = tmp_path / "run"
        job = tmp_path / "job.json"
        job.write_text(json.dumps({"teacher": {"retry_initial": 0.01, "retry_max": 0.05}}))
        result = run_cli(
            ["--config", str(job), "--category", "single", "--n", "2", "--mode", "blueprint"]
            + ["--base-url", fake.base_url, "--model", "m", "--out", str(out), "-v"],
            env={"OPENAI_API_KEY": KEY},
        )
        assert fake.authorization == f"Bearer {KEY}"  # the endpoint did see (and echo) the key
    assert result.returncode == 2, result.stderr
    assert "HTTP 401" in result.stderr and "invalid credentials" in result.stderr
    files = {path: path.read_bytes().decode("utf-8", "replace") for path in out.rglob("*") if path.is_file()}
    assert "HTTP 401" in files[out / "run.log"]  # run.log records why the run stopped
    for where, text in {"stdout": result.stdout, "stderr": result.stderr, **files}.items():
        for secret in (KEY, QUERY_KEY, PASSWORD):
            assert secret not in text, (where, secret)
