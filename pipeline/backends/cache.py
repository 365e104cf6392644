"""Completions on disk, so a rerun pays for nothing it already has.

One JSONL file, append-only:
`{"key": ..., "text": ..., "finish_reason": ..., "prompt_tokens": ..., "completion_tokens": ...}`.
The key is a fingerprint of what decides the answer: the endpoint's identity, model, messages,
temperature, max_tokens, seed (the task and step: two tasks with one prompt get two answers),
JSON Schema, structured-output style and the tools offered (a student's prompt). It never
covers how the answer is parsed or checked, so changing a check or an exporter reuses every
paid response. Only complete answers are stored (finish_reason "stop", non-empty); a torn last
line (a kill mid-write) is dropped on load.
CacheLayer is the teacher's outermost layer (pipeline.backends.teacher): a hit sends nothing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pipeline.backends.base import ChatRequest, Completion, TeacherState


def fingerprint(identity: str, model: str, request: ChatRequest, style: str) -> str:
    """The cache key of one request."""
    payload: dict[str, Any] = {
        "endpoint": identity,
        "model": model,
        "messages": request.messages,
        "temperature": request.temperature,
        "max_tokens": request.max_tokens,
        "seed": request.seed,
        "schema": request.json_schema,
        "style": style,
    }
    if request.tools is not None:  # only then: every key written before tools existed stays valid
        payload["tools"] = request.tools
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


class ResponseCache:
    """The completions of earlier requests, read from and appended to `path`."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, Completion] = {}
        self.torn = 0  # lines dropped on load (a kill mid-write)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file():
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    self._load(line)
        self.handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the cache's lifetime, closed by close()
        if path.stat().st_size and not _ends_with_newline(path):
            self.handle.write("\n")  # never append to a torn line

    def _load(self, line: str) -> None:
        if not line.strip():
            return
        try:
            entry = json.loads(line)
            self.entries[entry["key"]] = Completion(
                entry["text"], entry["finish_reason"], entry["prompt_tokens"], entry["completion_tokens"]
            )
        except (ValueError, KeyError, TypeError):
            self.torn += 1

    def get(self, key: str) -> Completion | None:
        """The stored completion for `key`, or None."""
        return self.entries.get(key)

    @staticmethod
    def keeps(completion: Completion) -> bool:
        """Whether an answer is worth keeping: complete (finish_reason "stop") and not empty."""
        return completion.finish_reason == "stop" and bool(completion.text)

    def put(self, key: str, completion: Completion) -> None:
        """Store a complete answer (truncated or empty ones are not worth keeping)."""
        if not self.keeps(completion) or self.handle.closed:
            return
        self.entries[key] = completion
        self.handle.write(
            json.dumps(
                {
                    "key": key,
                    "text": completion.text,
                    "finish_reason": completion.finish_reason,
                    "prompt_tokens": completion.prompt_tokens,
                    "completion_tokens": completion.completion_tokens,
                },
                ensure_ascii=False,
            )
            + "\n"
        )
        self.handle.flush()  # in the kernel's hands: survives kill -9 of this process

    def close(self) -> None:
        """Close the file."""
        self.handle.close()


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"


class CacheLayer:
    """Answers read from the response cache instead of sent; complete new answers stored."""

    def __init__(self, inner, state: TeacherState, cache: ResponseCache, identity: str, model: str):
        self.inner, self.state, self.cache = inner, state, cache
        self.identity, self.model = identity, model

    async def send(self, request: ChatRequest, style: str, retry) -> Completion:
        """The cached answer to `request`, else the inner layer's (stored when complete)."""
        key = fingerprint(self.identity, self.model, request, style)
        if (hit := await self.get(key)) is not None:
            self.state.usage.cached += 1
            return hit
        completion = await self.inner.send(request, style, retry)
        await self.put(key, completion)  # under the asked-for request's key: a rerun gets the whole (re-asked) answer
        return completion

    async def get(self, key: str) -> Completion | None:
        """The stored answer for `key` (a Ray worker's subclass asks the job's ledger actor)."""
        return self.cache.get(key)

    async def put(self, key: str, completion: Completion) -> None:
        """Store a complete answer."""
        self.cache.put(key, completion)
