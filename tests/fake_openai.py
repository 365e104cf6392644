"""A fake OpenAI-compatible server on 127.0.0.1 for tests: real HTTP, scripted answers.

The default "echo teacher" understands the pipeline's prompts well enough to make round trips
work: it phrases a blueprint as a plain request that states every value (no function name, no
JSON, so grounding and quality pass), remembers which call each request it wrote stands for,
and solves a request by looking it up. Faults are scripted per request number (429 with Retry-After, 500,
garbage bodies with any Content-Type (a "Content-Type" in a reply's headers replaces
application/json), slow answers, Drip: a body sent a byte at a time, RESET: the connection
closed without an answer), or drawn by
`fault_plan(request body, attempt)`, so a run that is killed and resumed meets the
same faults as one that is not (call `reset_attempts()` between runs); `corrupt` can spoil answers.
"""

from __future__ import annotations

import contextlib
import email.parser
import hashlib
import json
import random
import re
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pipeline.generate.common import action_options
from pipeline.policy import name_words
from pipeline.sampler import ArgumentSampler, NotDrawable
from pipeline.scenario import Scenario
from pipeline.seeds import load_tools
from pipeline.seeds.entities import bundled_entities
from pipeline.surface import ENUM_WORDS, _followed, _plain, read

Reply = tuple[int, Any, dict[str, str]]
RESET: Reply = (0, b"", {})  # status 0: close the connection without answering


@dataclass
class Drip:
    """A reply body (bytes or JSON) sent one byte every `interval` seconds after the headers
    (which announce its whole length): a server that never lets a per-read timeout fire."""

    body: Any
    interval: float = 1.0


_BUNDLED = {tool.name: tool for tool in load_tools()}  # and the tools add_tools() was given
_PHRASE_PREFIX = "Please do exactly this for me: "
_LINE = re.compile(r"^- ([A-Za-z0-9_-]+)(?: \(.*?\))?: (.*)$")
_SPOKEN = re.compile(r"^(\d{4}-\d{2}-\d{2}(?:T[0-9:]+Z)?) \(.*\)$")


def chat_reply(content: str, finish_reason: str = "stop") -> dict[str, Any]:
    """An OpenAI chat.completion body with one choice."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake",
        "choices": [{"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def response_schema(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema the request asks the answer to fit (any structured-output style)."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"]["schema"]
    return fmt.get("schema") or {}


def asked_keys(body: dict[str, Any]) -> set[str]:
    """Which step a request is, by the keys its answer must have: {"request"}, {"action"}, ...
    (a phrasing answer's optional "implausible" is left out: it is still the phrasing step)."""
    return set(response_schema(body).get("properties") or {}) - {"implausible"}


def parse_described_call(text: str) -> dict[str, Any]:
    """Read back the pipeline's `describe_call` rendering into {"name", "arguments"}."""
    lines = text.splitlines()
    lines = lines[next((i for i, line in enumerate(lines) if line.startswith("Action:")), 0) :]  # after the situation
    name = FakeOpenAI.describe_to_name.get(lines[0].split(":", 1)[1].strip(), "")
    arguments: dict[str, Any] = {}
    for line in lines[2:]:
        match = _LINE.match(line)
        if not match:
            continue
        key, value = match.groups()
        spoken = _SPOKEN.match(value)
        if spoken:
            value = spoken.group(1)
        tool = _BUNDLED.get(name)
        schema = _plain(((tool.parameters.get("properties") or {}).get(key) or {}) if tool else {})
        if value in ("yes", "no") and schema.get("type") == "boolean":
            arguments[key] = value == "yes"  # describe_call says a flag as yes/no
            continue
        if value == "none" and "none" not in (schema.get("enum") or []):
            arguments[key] = None
            continue
        if schema.get("type") == "array" and value[:1] not in "[{":  # describe_call joins plain lists with "and"
            items = schema.get("items") or {}
            parts = re.split(r", | and ", value)
            # numbers as numbers; words stay as said ("pet friendly"): the request says them so, the solver reads them
            arguments[key] = [json.loads(p) if items.get("type") in ("integer", "number") else p for p in parts]
            continue
        if schema.get("type") == "string":
            arguments[key] = value  # a PIN of digits is still a string
            continue
        try:
            arguments[key] = (
                json.loads(value)
                if value[:1] in "[{" or value in ("true", "false", "null") or re.fullmatch(r"-?\d+(\.\d+)?", value)
                else value
            )
        except ValueError:
            arguments[key] = value
    return {"name": name, "arguments": arguments}


_CITIES = (
    "Lisbon",
    "Oslo",
    "Lima",
    "Quito",
    "Hanoi",
    "Accra",
    "Tunis",
    "Porto",
    "Cusco",
    "Turku",
    "Bergen",
    "Cork",
    "Graz",
    "Leeds",
    "Malmo",
    "Nantes",
    "Poznan",
    "Riga",
    "Split",
    "Tartu",
    "Utrecht",
    "Varna",
    "Zadar",
    "Bilbao",
)


def fill(schema: dict[str, Any], variant: int = 0) -> Any:
    """A simple schema-valid value (for free-mode answers on small test tools); `variant` (the
    request's seed) varies free-text strings so that answers to different tasks differ."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "string")
    if kind == "object":
        return {
            k: fill(v, variant)
            for k, v in (schema.get("properties") or {}).items()
            if k in (schema.get("required") or [])
        }
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.5))
    if kind == "boolean":
        return True
    if kind == "array":
        return [fill(schema.get("items") or {}, variant)]
    return {"date": "2026-03-04", "date-time": "2026-03-04T10:00:00Z", "email": "ana.silva@fastmail.com"}.get(
        schema.get("format", ""), _CITIES[variant % len(_CITIES)]
    )


_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)  # reading an enum word needs no date
_REQUEST = threading.local()  # the request being answered (the server answers each in its own thread)
_TODAY = re.compile(r"\btoday is (?:\w+, )?(\d{4}-\d{2}-\d{2})", re.IGNORECASE)


def values_for(name: str, schema: dict[str, Any], seed: int, scenario: Scenario | None = None) -> dict[str, Any]:
    """Arguments a good free-mode teacher invents: for a bundled tool, drawn the way the planner
    draws (pools, formats, a scenario of entities, dates around the prompt's "today"), so that a
    strong teacher's free-mode values are as coherent as a blueprint's; else `fill(schema)`. The
    calls of one request share `scenario` (one user, one city: a chain's steps too)."""
    tool = _BUNDLED.get(name)
    if tool is not None:
        today = getattr(_REQUEST, "today", None) or "2026-03-01"
        now = datetime.fromisoformat(f"{today}T09:00:00+00:00")
        scenario = scenario or Scenario(random.Random(seed), now, bundled_entities())
        try:
            return ArgumentSampler(random.Random(seed), now, 0.3, scenario).arguments(tool.parameters)
        except NotDrawable:
            pass
    return fill(schema, seed)


def echo_teacher(body: dict[str, Any]) -> str:
    """Answer the pipeline's prompts: probe, phrase, solve (name, then arguments), free."""
    schema = response_schema(body)
    props = schema.get("properties") or {}
    messages = body["messages"]
    said = _TODAY.search(str(messages[0].get("content") or "")) if messages else None
    _REQUEST.today = said.group(1) if said else None
    from tests.echo_categories import answer  # every step's prompt but the probe's, the judge's and single free's

    if "answer" not in props and "verdict" not in props:
        text = answer(body)
        if text is not None:
            return text
    if "answer" in props:
        return json.dumps({"answer": "yes"})
    if set(props) == {"who", "when", "what"}:  # free mode's scenario draft: the prompt's user, day and need
        system = str(messages[0]["content"])
        who = re.search(r"The user: (.+?)(?= Today is|$)", system, re.S)
        what = re.search(r"What they will ask for: (.+)", system)
        return json.dumps(
            {
                "who": who.group(1).strip() if who else "someone at home",
                "when": "today",
                "what": what.group(1).strip() if what else "a small errand",
            }
        )
    if "verdict" in props:  # the judge
        return json.dumps({"verdict": "yes", "reason": "the calls use the tools and values the user asked for"})
    if set(props) in ({"request"}, {"request", "implausible"}):
        call = parse_described_call(messages[-1]["content"])
        return json.dumps({"request": phrase(call)})
    if set(props) == {"action"}:
        name = _call_in_request(messages)["name"]
        options = props["action"]["enum"]
        return json.dumps(
            {
                "action": next(
                    (o for o in options if FakeOpenAI.action_to_name.get(o) == name or o.startswith(name + ":")),
                    options[0],
                )
            }
        )
    if set(props) == {"arguments"}:
        today = re.search(r"Today is (\d{4}-\d{2}-\d{2})", messages[0]["content"])
        return json.dumps({"arguments": _resolve(_call_in_request(messages), today.group(1) if today else None)})
    if "call" in props:
        call_schema = props["call"]
        name = call_schema["properties"]["name"]["enum"][0]
        arguments = values_for(name, call_schema["properties"]["arguments"], int(body.get("seed") or 0))
        return json.dumps(
            {"request": phrase({"name": name, "arguments": arguments}), "call": {"name": name, "arguments": arguments}}
        )
    return "I cannot help with that."


_PHRASED: dict[str, dict[str, Any]] = {}  # request text the fake wrote -> the call it stands for


def phrase(call: dict[str, Any]) -> str:
    """A request stating every value of `call` in words (remembered for the solve step)."""
    parts = [
        f"{name_words(key)} {('yes' if value else 'no') if isinstance(value, bool) else _spoken(value)}"
        for key, value in call["arguments"].items()
        if isinstance(value, bool) or _spoken(value)
    ]
    text = _PHRASE_PREFIX + ("; ".join(parts) or f"the usual, reference {zlib.crc32(call['name'].encode())}")
    _PHRASED[text] = call
    return text


def _spoken(value: Any) -> str:
    if isinstance(value, dict):  # a nested choice is said in words ("damaged", "no longer needed"), an id as it is
        said = {  # a flag inside an object is said too ("optional yes"), as the top-level ones are
            name_words(key): ("yes" if item else "no") if isinstance(item, bool) else _spoken(item)
            for key, item in value.items()
        }
        return ", ".join(
            f"{key} {text.replace('_', ' ') if ENUM_WORDS.fullmatch(text) else text}"
            for key, text in said.items()
            if text
        )
    if isinstance(value, list):
        return ", ".join(_spoken(item) for item in value)
    if isinstance(value, bool) or value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _resolve(call: dict[str, Any], today: str | None) -> dict[str, Any]:
    """What a good solver does with a request's spoken forms: aliases back to the values the tool
    takes (Nvidia -> NVDA), "next Friday" / "7:30 pm" / "an hour and a half" / "premium economy"
    read against today (pipeline.surface.read, the exact inverse of the forms the planner shows)."""
    tool = _BUNDLED.get(call["name"])
    properties = (tool.parameters.get("properties") or {}) if tool else {}
    now = datetime.fromisoformat(f"{today}T00:00:00+00:00") if today else None
    resolved = {}
    for key, value in call["arguments"].items():
        schema = _plain(properties.get(key) or {})
        if isinstance(value, str) and _alias(value, schema) is not None:
            value = _alias(value, schema)
        elif isinstance(value, str) and now is not None and schema:
            reading = read(value, schema, now, key)
            value = value if reading is None else reading
        elif isinstance(value, list) and schema.get("type") == "array" or isinstance(value, dict):
            value = _unsay(value, schema, tool.parameters if tool else {}, now)
        resolved[key] = value
    return resolved


def _unsay(value: Any, schema: dict[str, Any], root: dict[str, Any], now: datetime | None) -> Any:
    """An object's or a list's leaves read back from their spoken forms (pipeline.surface._say_inside)."""
    schema = _followed(schema, root)
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        return {key: _unsay(item, properties.get(key) or {}, root, now) for key, item in value.items()}
    if isinstance(value, list):
        return [_unsay(item, schema.get("items") or {}, root, now) for item in value]
    if isinstance(value, str):
        alias = _alias(value, schema)
        if alias is not None:
            return alias
        spoken = schema.get("format") or "enum" in schema or schema.get("type") in ("integer", "number")
        reading = read(value, schema, now or _EPOCH, "") if spoken and value not in (schema.get("enum") or ()) else None
        return value if reading is None else reading
    return value


def _alias(said: str, schema: dict[str, Any]) -> str | None:
    """The value a spoken name stands for, by the parameter's own x-aliases (the planner speaks by no
    other), none when it already is one of the parameter's choices."""
    if said in (schema.get("enum") or ()):
        return None
    own = {
        name.casefold(): value
        for value, names in (schema.get("x-aliases") or {}).items()
        for name in (names if isinstance(names, list) else [names])
    }
    return own.get(said.casefold())


def _call_in_request(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The call the fake's own phrasing stands for (the last one the last user turn quotes)."""
    text = messages[-1]["content"]
    return _PHRASED[text[text.rindex(_PHRASE_PREFIX) :]]


def _file_object(file_id: str, size: int, purpose: str) -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": size,
        "created_at": int(time.time()),
        "filename": "batch.jsonl",
        "purpose": purpose,
        "status": "processed",
    }


def _batch_view(batch: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in batch.items() if key != "polls"}


def add_tools(paths: list[str]) -> None:
    """Teach the echo teacher the tools of these files too (it knows the bundled seeds), so a
    run with `--tools FILE` gets the same good teacher."""
    from tests import echo_categories

    for tool in load_tools(paths, sidecars=False):
        _BUNDLED[tool.name] = echo_categories._TOOLS[tool.name] = tool
        FakeOpenAI.describe_to_name[tool.description] = tool.name
        FakeOpenAI.action_to_name[action_options([tool.to_tool()])[0]] = tool.name


class FakeOpenAI:
    """Start with `with FakeOpenAI() as fake:`; `fake.base_url` ends in /v1; `fake.requests` logs bodies."""

    # the phrasing prompt shows a tool's description, not its name: map them back (bundled seeds)
    describe_to_name = {tool.description: tool.name for tool in load_tools()}
    # the solve pass picks among action_options (a description's first sentence): map them back too
    action_to_name = {action_options([tool.to_tool()])[0]: tool.name for tool in load_tools()}

    def __init__(self, responder: Callable[[dict[str, Any]], str | dict[str, Any]] = echo_teacher):
        self.responder = responder  # the answer's content, or a whole assistant message as a dict
        self.faults: dict[int, Reply | Callable[[], Reply]] = {}  # request number (1-based) -> reply
        self.fault_plan: Callable[[dict[str, Any], int], Reply | Callable[[], Reply] | None] | None = None
        self.attempts: dict[str, int] = {}  # request body digest -> times seen (since reset_attempts)
        self.answered: list[str] = []  # digests of the requests given a complete answer, in order
        self.headers: dict[str, str] = {}  # extra headers on every answer (x-ratelimit-*)
        self.times: list[float] = []  # when each request arrived (time.monotonic)
        self.corrupt: Callable[[int, dict[str, Any], str], str] | None = None
        self.requests: list[dict[str, Any]] = []
        self.authorization = ""  # the Authorization header of the latest request (for endpoints that echo it)
        self.delay = 0.0
        self.reject_styles: set[str] = set()  # response_format types answered with HTTP 400
        # the Files + Batches endpoints (pipeline.backends.batch): uploaded files, batches, and how a
        # batch ends: after `batch_polls` retrieves it is run through reply() item by item, or ends
        # with `batch_status` ("expired", "failed") and no output
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_polls = 1
        self.batch_status = "completed"
        self.retrieve_failures = 0  # the next this many batch retrieves are answered HTTP 500
        self.direct = 0  # chat completions asked directly (not through a batch)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def enforce_limit(self, per_second: float, burst: float) -> None:
        """Answer 429 (Retry-After 1) to a request over a token bucket of `per_second` that holds
        `burst`, as a provider enforces a rate limit; `limited` counts those answers."""
        lock, state = threading.Lock(), {"level": burst, "at": time.monotonic()}
        self.limited = 0

        def plan(body, attempt):
            with lock:
                now = time.monotonic()
                state["level"] = min(burst, state["level"] + (now - state["at"]) * per_second)
                state["at"] = now
                if state["level"] >= 1:
                    state["level"] -= 1
                    return None
                self.limited += 1
            return 429, {"error": {"message": "Rate limit reached", "type": "requests"}}, {"retry-after": "1"}

        self.fault_plan = plan

    def reset_attempts(self) -> None:
        """Forget how often each body was seen (a new run's first try of a request is attempt 1 again)."""
        with self._lock:
            self.attempts.clear()

    def reply(self, body: dict[str, Any]) -> Reply:
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        with self._lock:
            self.requests.append(body)
            self.times.append(time.monotonic())
            number = len(self.requests)
            attempt = self.attempts[digest] = self.attempts.get(digest, 0) + 1
        fault = self.faults.get(number) or (self.fault_plan(body, attempt) if self.fault_plan else None)
        if fault is not None:
            return fault() if callable(fault) else fault
        style = (body.get("response_format") or {}).get("type")
        if style in self.reject_styles:
            return (
                400,
                {"error": {"message": f"response_format {style} is not supported", "type": "invalid_request_error"}},
                {},
            )
        if self.delay:
            time.sleep(self.delay)
        content = self.responder(body)
        if self.corrupt is not None:
            content = self.corrupt(number, body, content)
        with self._lock:
            self.answered.append(digest)
        if isinstance(content, dict):  # a whole assistant message (tool calls: a student's answer)
            reply = chat_reply(content.get("content") or "", "tool_calls" if content.get("tool_calls") else "stop")
            reply["choices"][0]["message"] = {"role": "assistant", **content}
            return 200, reply, dict(self.headers)
        return 200, chat_reply(content), dict(self.headers)

    def batch_api(self, method: str, path: str, headers, raw: bytes) -> Reply:
        """The Files and Batches endpoints, as the OpenAI API answers them (enough for the client)."""
        with self._lock:
            if method == "POST" and path == "/v1/files":
                message = email.parser.BytesParser().parsebytes(
                    b"Content-Type: " + headers.get("Content-Type", "").encode() + b"\r\n\r\n" + raw
                )
                parts = {part.get_param("name", header="content-disposition"): part for part in message.get_payload()}
                file_id = f"file-{len(self.files) + 1}"
                self.files[file_id] = parts["file"].get_payload(decode=True)
                return 200, _file_object(file_id, len(self.files[file_id]), "batch"), {}
            if method == "POST" and path == "/v1/batches":
                body = json.loads(raw)
                batch_id = f"batch_{len(self.batches) + 1}"
                self.batches[batch_id] = {
                    "id": batch_id,
                    "object": "batch",
                    "endpoint": body["endpoint"],
                    "input_file_id": body["input_file_id"],
                    "completion_window": body["completion_window"],
                    "status": "validating",
                    "created_at": int(time.time()),
                    "polls": 0,
                }
                return 200, _batch_view(self.batches[batch_id]), {}
            if method == "GET" and path.startswith("/v1/files/") and path.endswith("/content"):
                content = self.files.get(path.split("/")[3])
                if content is None:
                    return 404, {"error": {"message": "no such file"}}, {}
                return 200, content, {"Content-Type": "application/octet-stream"}
        if method == "GET" and path.startswith("/v1/batches/"):
            return self._retrieve(path.rsplit("/", 1)[-1])
        return 404, {"error": {"message": f"no route {method} {path}"}}, {}

    def _retrieve(self, batch_id: str) -> Reply:
        """A batch's state; the retrieve after `batch_polls` others ends it (answers every item)."""
        with self._lock:
            if self.retrieve_failures:
                self.retrieve_failures -= 1
                return 500, {"error": {"message": "the batch service is busy", "type": "server_error"}}, {}
            batch = self.batches.get(batch_id)
            if batch is None:
                return 404, {"error": {"message": "no such batch", "type": "invalid_request_error"}}, {}
            batch["polls"] += 1
            if batch["status"] in ("completed", "failed", "expired", "cancelled") or batch["polls"] <= self.batch_polls:
                batch["status"] = batch["status"] if batch["polls"] > self.batch_polls else "in_progress"
                return 200, _batch_view(batch), {}
            if self.batch_status != "completed":
                batch["status"] = self.batch_status
                return 200, _batch_view(batch), {}
            items = [json.loads(line) for line in self.files[batch["input_file_id"]].decode().splitlines() if line]
        lines = []
        for number, item in enumerate(items, start=1):  # outside the lock: reply() takes it
            status, reply, _ = self.reply(item["body"])
            response = {"status_code": status, "request_id": f"req_{number}", "body": reply}
            lines.append(
                json.dumps({"id": f"batch_req_{number}", "custom_id": item["custom_id"], "response": response})
            )
        with self._lock:
            output_id = f"file-{len(self.files) + 1}"
            self.files[output_id] = ("\n".join(lines) + "\n").encode()
            batch.update(status="completed", output_file_id=output_id)
            return 200, _batch_view(batch), {}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
                if status == 0:  # RESET: hang up without a word
                    self.close_connection = True
                    return
                drip = body if isinstance(body, Drip) else None
                body = drip.body if drip else body
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                if not any(key.lower() == "content-type" for key in headers):
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client went away (a killed run)
                    if drip is None:
                        self.wfile.write(data)
                        return
                    for byte in data:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(drip.interval)

            def do_GET(self):
                if self.path.startswith(("/v1/files", "/v1/batches")):
                    self._send(*fake.batch_api("GET", self.path, self.headers, b""))
                    return
                self._send(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]}, {})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                if self.path.startswith(("/v1/files", "/v1/batches")):
                    self._send(*fake.batch_api("POST", self.path, self.headers, self.rfile.read(length)))
                    return
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.direct += 1
                fake.authorization = self.headers.get("Authorization", "")
                self._send(*fake.reply(body))

        return Handler
