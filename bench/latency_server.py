"""A loopback OpenAI-compatible fake teacher with a chosen latency, for bench/throughput.py (not a test).

    python bench/latency_server.py [--port 0] [--latency fixed|lognormal|none] [--median 0.2] [--p99 2.0]
                                   [--rpm N] [--burst 1.0] [--seed 0]

Standard library only: a small asyncio HTTP/1.1 server with keep-alive, meant to run in its own
process so its CPU does not count against the client being measured. POST /v1/chat/completions
answers one chat.completion (finish_reason "stop", a ~300-character JSON content, usage) after a
latency: `fixed` (always --median seconds), `lognormal` (median --median, 99th percentile --p99,
drawn from a seeded RNG in arrival order) or `none`. With --rpm the server enforces a token bucket
of --rpm per minute holding --burst seconds' worth, checked on arrival: a request over the cap is
answered 429 at once with Retry-After (whole seconds) and retry-after-ms. GET /v1/models lists the
model, GET /stats returns the counters and the server's CPU seconds so far, POST /reset zeroes the
counters (answering the CPU seconds so far), refills the bucket and reseeds the RNG. Prints
"PORT <n>" on stdout once listening; stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import signal
import sys
import time

Z99 = 2.3263  # the standard normal's 99th percentile
CONTENT = json.dumps(
    {
        "request": "Book a table for four at Bistro Lune tomorrow at 19:30 and send the confirmation to "
        "my work email; if the terrace is full, any indoor table by the window is fine.",
        "notes": "The user gave every value the tool needs: restaurant, party size, date, time and "
        "where to send the confirmation.",
        "n": 0,
    }
)


class Teacher:
    """Latency draws, the rate cap and the counters, shared by every connection."""

    def __init__(self, latency: str, median: float, p99: float, rpm: float | None, burst: float, seed: int):
        self.latency, self.median, self.seed = latency, median, seed
        self.sigma = math.log(p99 / median) / Z99 if latency == "lognormal" else 0.0
        self.rate = rpm / 60.0 if rpm else None
        self.capacity = max(1.0, (self.rate or 0.0) * burst)
        self.reset()

    def reset(self) -> None:
        """Zero the counters, refill the bucket and reseed the latency RNG."""
        self.rng = random.Random(self.seed)
        self.level, self.updated = self.capacity, time.monotonic()
        self.stats = {
            "requests": 0,
            "ok": 0,
            "rejected_429": 0,
            "bad": 0,
            "inflight": 0,
            "max_inflight": 0,
            "latency_sum": 0.0,
            "first": None,
            "last": None,
            "rejected_at": [],
        }

    def delay(self) -> float:
        """Seconds to wait before answering the next request."""
        if self.latency == "fixed":
            return self.median
        if self.latency == "lognormal":
            return self.rng.lognormvariate(math.log(self.median), self.sigma)
        return 0.0

    def admit(self) -> float | None:
        """None when the request fits under the cap (a token is taken), else seconds until one will."""
        if self.rate is None:
            return None
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
        self.updated = now
        if self.level >= 1.0:
            self.level -= 1.0
            return None
        return (1.0 - self.level) / self.rate

    def view(self) -> dict:
        """The counters as JSON-ready values."""
        stats = dict(self.stats)
        stats["mean_latency"] = stats["latency_sum"] / stats["ok"] if stats["ok"] else None
        stats["cpu_s"] = time.process_time()  # the server process's own CPU, to show it is not the bottleneck
        return stats


def render(status: int, body: dict, extra: dict[str, str] | None = None, close: bool = False) -> bytes:
    """One HTTP/1.1 response with a JSON body."""
    payload = json.dumps(body).encode()
    reason = {200: "OK", 404: "Not Found", 400: "Bad Request", 429: "Too Many Requests"}.get(status, "OK")
    head = [
        f"HTTP/1.1 {status} {reason}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        f"Connection: {'close' if close else 'keep-alive'}",
    ]
    head += [f"{key}: {value}" for key, value in (extra or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


def completion(teacher: Teacher, request: dict) -> dict:
    """A chat.completion body with one choice."""
    prompt = sum(len(str(message.get("content") or "")) for message in request.get("messages") or [])
    return {
        "id": f"chatcmpl-{teacher.stats['requests']}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": CONTENT},
            }
        ],
        "usage": {
            "prompt_tokens": prompt // 4,
            "completion_tokens": len(CONTENT) // 4,
            "total_tokens": prompt // 4 + len(CONTENT) // 4,
        },
    }


class Connection(asyncio.Protocol):
    """One keep-alive connection: parses requests and answers them in order."""

    def __init__(self, teacher: Teacher):
        self.teacher, self.buffer, self.transport, self.previous = teacher, bytearray(), None, None

    def connection_made(self, transport) -> None:
        """Keep the transport to answer on."""
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        """Buffer bytes; start answering each complete request (headers plus Content-Length body)."""
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            method, path = (lines[0].split(" ") + ["", ""])[:2]
            close = headers.get("connection", "").lower() == "close"
            self.previous = asyncio.get_running_loop().create_task(
                self.answer(method, path, body, close, self.previous)
            )

    async def answer(self, method: str, path: str, body: bytes, close: bool, previous) -> None:
        """Build the response (sleeping the latency for a completion), then write it after the previous one."""
        response = await self.respond(method, path.split("?")[0], body, close)
        if previous is not None:
            await previous
        if not self.transport.is_closing():
            self.transport.write(response)
            if close:
                self.transport.close()

    async def respond(self, method: str, path: str, body: bytes, close: bool) -> bytes:
        """The response bytes for one request."""
        teacher, stats = self.teacher, self.teacher.stats
        if method == "GET" and path.endswith("/models"):
            return render(
                200, {"object": "list", "data": [{"id": "fake", "object": "model", "owned_by": "bench"}]}, close=close
            )
        if method == "GET" and path == "/stats":
            return render(200, teacher.view(), close=close)
        if method == "POST" and path == "/reset":
            teacher.reset()
            return render(200, {"reset": True, "cpu_s": time.process_time()}, close=close)
        if method != "POST" or not path.endswith("/chat/completions"):
            return render(404, {"error": {"message": f"no route {method} {path}"}}, close=close)
        now = time.monotonic()
        stats["requests"] += 1
        stats["first"] = stats["first"] or now
        try:
            request = json.loads(body)
        except ValueError:
            stats["bad"] += 1
            return render(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}}, close=close)
        wait = teacher.admit()
        if wait is not None:
            stats["rejected_429"] += 1
            if len(stats["rejected_at"]) < 20:  # when (seconds after the first request) the first refusals came
                stats["rejected_at"].append(round(now - stats["first"], 3))
            return render(
                429,
                {"error": {"message": "Rate limit reached for requests", "type": "requests"}},
                {"Retry-After": str(max(1, math.ceil(wait))), "retry-after-ms": str(max(1, round(wait * 1000)))},
                close=close,
            )
        delay = teacher.delay()
        stats["inflight"] += 1
        stats["max_inflight"] = max(stats["max_inflight"], stats["inflight"])
        try:
            if delay > 0:
                await asyncio.sleep(delay)
        finally:
            stats["inflight"] -= 1
        stats["ok"] += 1
        stats["latency_sum"] += delay
        stats["last"] = time.monotonic()
        return render(200, completion(teacher, request), close=close)


async def serve(args: argparse.Namespace) -> None:
    """Listen until SIGTERM or SIGINT."""
    teacher = Teacher(args.latency, args.median, args.p99, args.rpm, args.burst, args.seed)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(teacher), args.host, args.port, backlog=1024)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    await stop
    server.close()


def main() -> None:
    """Parse the flags and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", choices=("fixed", "lognormal", "none"), default="fixed")
    parser.add_argument(
        "--median", type=float, default=0.2, help="seconds: the fixed latency, or the lognormal's median"
    )
    parser.add_argument("--p99", type=float, default=2.0, help="seconds: the lognormal's 99th percentile")
    parser.add_argument("--rpm", type=float, default=None, help="requests per minute allowed (default: no cap)")
    parser.add_argument("--burst", type=float, default=1.0, help="seconds of --rpm the bucket holds")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
