"""pipeline.backends.endpoint and the teacher's environment failures: a malformed base URL, or one
holding a key, is refused before anything runs (one line, exit 2, the secret not repeated); a
refused connection and a name that does not resolve end the run with one line and exit 2."""

from __future__ import annotations

import socket

import pytest

from pipeline.backends.endpoint import check_base_url
from pipeline.errors import InputError
from pipeline.run import build_config, parse_args
from tests.conftest import ROOT, run_cli

SECRET = "sk-in-the-url-9Xk2Lm7Qp4"
MALFORMED = [
    "not a url",
    "localhost:8000/v1",  # no scheme
    "ftp://example.com/v1",
    "http:///v1",  # no host
    "http://[::1",  # an unclosed IPv6 literal
    "http://127.0.0.1:99999/v1",  # a port out of range
    "http://127.0.0.1:abc/v1",
    "http://256.1.1.1/v1",  # an IPv4 address out of range
    "http://exa mple.com/v1",
]
WITH_A_KEY = [
    f"https://user:{SECRET}@api.example.com/v1",
    f"https://{SECRET}@api.example.com/v1",
    f"https://api.example.com/v1?api_key={SECRET}",
    f"https://api.example.com/v1?key={SECRET}",
    f"https://api.example.com/v1#{SECRET}",
]


@pytest.mark.parametrize("url", ["https://api.openai.com/v1", "http://localhost:11434/v1", "http://[::1]:8080/v1"])
def test_a_plain_base_url_passes(url):
    assert check_base_url(url) == url


@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_base_url_is_one_line_naming_the_flag(url):
    with pytest.raises(InputError) as raised:
        build_config(parse_args(["--category", "single", "--base-url", url, "--model", "m"]))
    assert str(raised.value).startswith("--base-url: ") and "\n" not in str(raised.value)


@pytest.mark.parametrize("url", WITH_A_KEY)
def test_a_key_in_the_base_url_is_refused_saying_where_it_belongs(url, tmp_path):
    with pytest.raises(InputError) as raised:
        build_config(parse_args(["--category", "single", "--base-url", url, "--model", "m"]))
    message = str(raised.value)
    assert message.startswith("--base-url: ") and SECRET not in message
    assert "teacher.api_key_env" in message and "OPENAI_API_KEY" in message
    job = tmp_path / "job.json"  # a job file gets the same check, naming its JSON path
    job.write_text(f'{{"category": "single", "teacher": {{"base_url": "{url}", "model": "m"}}}}')
    with pytest.raises(InputError) as raised:
        build_config(parse_args(["--config", str(job)]))
    assert str(raised.value).startswith(f"{job}: teacher.base_url: ") and SECRET not in str(raised.value)


@pytest.mark.parametrize("url", [MALFORMED[4], MALFORMED[5], MALFORMED[7], WITH_A_KEY[0], WITH_A_KEY[2]])
def test_the_command_exits_2_with_one_line_and_writes_nothing(url, tmp_path):
    result = run_cli(["--category", "single", "--base-url", url, "--model", "m", "--out", str(tmp_path / "run")])
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: --base-url: ") and len(result.stderr.strip().splitlines()) == 1
    assert SECRET not in result.stderr and not (tmp_path / "run").exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The resolver fails names under .invalid here, in the run's own process, so no DNS query leaves
# the machine (a real resolver may still forward one upstream): the OS error a DNS failure raises.
NO_DNS = """\
import socket
_getaddrinfo = socket.getaddrinfo
def _fail_invalid(host, *args, **kwargs):
    if isinstance(host, (str, bytes)) and (host.decode() if isinstance(host, bytes) else host).endswith(".invalid"):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (test resolver)")
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = _fail_invalid
"""


@pytest.mark.parametrize("where", ["refused", "dns"])
def test_an_unreachable_teacher_is_one_line_and_exit_2(where, tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/v1" if where == "refused" else "http://teacher.invalid/v1"
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(NO_DNS)
    job = tmp_path / "job.json"
    job.write_text('{"teacher": {"retry_initial": 0.01, "retry_max": 0.05, "max_attempts": 2}}')
    result = run_cli(
        [
            "--config",
            str(job),
            "--category",
            "single",
            "--base-url",
            url,
            "--model",
            "m",
            "--out",
            str(tmp_path / "run"),
        ],
        env={"PYTHONPATH": f"{tmp_path / 'site'}:{ROOT}"},
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()  # what it tries, the retry notice, then the one-line error
    assert len(lines) == 3 and lines[0] == f"asking the teacher m at {url}", result.stderr
    assert lines[1].startswith(f"cannot reach {url}: ") and "retrying 1 more time" in lines[1], result.stderr
    assert lines[2].startswith(f"error: teacher: cannot reach {url}: "), result.stderr
    assert where == "refused" or "(test resolver)" in lines[2]  # the lookup failed here, not on a DNS server
    assert not (tmp_path / "run").exists()  # the folder it made held nothing: removed
