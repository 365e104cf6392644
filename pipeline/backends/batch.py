"""Requests sent through a provider's Batch API (OpenAI's Files + Batches endpoints), at batch prices.

`teacher.batch: true`. The transport answers `send` like any other, but instead of a chat
completion per request it gathers the requests that arrive together (the engine's workers all
ask at once; a batch is cut when no new request came for `flush_after` seconds, or at
`max_requests`), writes them as an OpenAI Batch input file (`{"custom_id", "method": "POST",
"url": "/v1/chat/completions", "body"}` per line: the format vLLM's `run-batch` reads too),
uploads it (`purpose: batch`), creates the batch, polls it every `poll_seconds`, reads the output
file and hands each request its answer; the cache layer above stores it like any other. A
multi-step candidate goes through one batch per step.

Resume: every batch is written to a ledger (`RUN_DIR/cache/batches.jsonl`: its id and the
custom ids in it) before anything waits on it. After a restart the engine asks the same requests
again (same seeds, same prompts, so the same custom ids); one already in a recorded batch waits
for that batch (polled, or its output read once) instead of being sent again. An item the batch
failed (its error file, a non-200 status) or left out is a TransientError, so the retry layer asks
again in a later batch; a batch that failed, expired or was cancelled fails its waiting items so.
The structured-output probe goes out directly (a few tiny requests) before batching starts.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

from pipeline.backends.base import ChatRequest, Completion, TransientError
from pipeline.backends.openai_backend import OpenAITransport, completion_from, message_completion

ENDPOINT = "/v1/chat/completions"
FINISHED = ("completed", "failed", "expired", "cancelled")
MAX_FILE_BYTES = 150 * 2**20  # OpenAI takes batch input files up to 200 MB
FILE_TIMEOUT = 900.0  # seconds for an upload or download of a batch file (a chat request's --timeout is far less)
POLL_TRIES = 5  # a poll or a download that fails is tried again this often (with backoff) before the waiters hear


class Ledger:
    """The batches of this run (append-only JSONL): {"batch": id, "custom_ids": [...]}."""

    def __init__(self, path: Path):
        self.path = path
        self.batch_of: dict[str, str] = {}  # custom id -> the batch holding it
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self.batch_of.update(dict.fromkeys(entry["custom_ids"], entry["batch"]))
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line (a kill mid-write): its batch is asked again
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.stat().st_size and not path.read_bytes().endswith(b"\n"):
            with open(path, "a", encoding="utf-8") as handle:
                handle.write("\n")  # never append to a torn line: the next batch's entry must parse

    def record(self, batch_id: str, custom_ids: list[str]) -> None:
        """Write a batch down before anything waits on it (flushed: survives a kill)."""
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"batch": batch_id, "custom_ids": custom_ids}) + "\n")
            handle.flush()
        self.batch_of.update(dict.fromkeys(custom_ids, batch_id))


class BatchTransport(OpenAITransport):
    """OpenAI-compatible chat completions answered through the Batch API (see the module)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None,
        *,
        ledger: Path,
        flush_after: float = 2.0,
        max_requests: int = 50_000,
        poll_seconds: float = 30.0,
        completion_window: str = "24h",
        timeout: float = 60.0,
        identity: str | None = None,
    ):
        super().__init__(base_url, model, api_key, timeout=timeout, identity=identity)
        self.ledger = Ledger(ledger)
        self.flush_after, self.max_requests = flush_after, max_requests
        self.poll_seconds, self.completion_window = poll_seconds, completion_window
        self.batching = False  # the probe goes out directly; job.generate switches batching on after it
        self.pending: dict[str, dict[str, Any]] = {}  # custom id -> body, for the next batch
        self.waiting: dict[str, list[asyncio.Future]] = {}  # custom id -> who waits for its answer
        self.results: dict[str, dict[str, Any] | BaseException] = {}  # answers of finished batches
        self.watching: dict[str, asyncio.Task] = {}  # batch id -> the task polling it
        self._arrived = asyncio.Event()
        self._flusher: asyncio.Task | None = None

    async def send(self, request: ChatRequest, style: str) -> Completion:
        """The answer to `request` from a batch (a recorded one after a restart, else the next)."""
        if not self.batching:
            return await super().send(request, style)
        body = self.kwargs(request, style)  # the /v1/chat/completions body, as a direct request's
        custom_id = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:40]
        data = await self._answer(custom_id, body)
        completion = completion_from(data, json.dumps(data))
        return completion if request.tools is None else message_completion(data, completion)

    async def _answer(self, custom_id: str, body: dict[str, Any]) -> dict[str, Any]:
        if custom_id in self.results:
            found = self.results.pop(custom_id)
            if isinstance(found, BaseException):
                raise found
            return found
        future = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(custom_id, []).append(future)
        recorded = self.ledger.batch_of.get(custom_id)
        if recorded is not None and custom_id not in self.pending:
            self._watch(recorded)
        else:
            self.pending[custom_id] = body
            self._arrived.set()
            if self._flusher is None or self._flusher.done():
                self._flusher = asyncio.create_task(self._flush_when_quiet())
        return await future

    async def _flush_when_quiet(self) -> None:
        """Cut a batch once no request arrived for `flush_after` seconds (or at max_requests)."""
        while self.pending:
            self._arrived.clear()
            if len(self.pending) < self.max_requests:
                try:
                    await asyncio.wait_for(self._arrived.wait(), self.flush_after)
                    continue  # another request came: wait for the quiet again
                except asyncio.TimeoutError:
                    pass
            chosen, size = {}, 0
            for custom_id, body in list(self.pending.items())[: self.max_requests]:
                line = len(json.dumps(body, ensure_ascii=False).encode()) + 120
                if chosen and size + line > MAX_FILE_BYTES:
                    break  # the rest go in the next batch
                chosen[custom_id], size = body, size + line
                del self.pending[custom_id]
            try:
                batch_id = await self._submit(chosen)
            except Exception as error:  # the upload or the create failed: the waiters retry later
                self._fail(list(chosen), TransientError(f"the batch could not be submitted: {error}"))
                continue
            self._watch(batch_id)

    async def _submit(self, chosen: dict[str, dict[str, Any]]) -> str:
        lines = [
            json.dumps({"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body}, ensure_ascii=False)
            for key, body in chosen.items()
        ]
        upload = await self.client.files.create(
            file=("batch.jsonl", ("\n".join(lines) + "\n").encode("utf-8"), "application/jsonl"),
            purpose="batch",
            timeout=FILE_TIMEOUT,
        )
        batch = await self.client.batches.create(
            input_file_id=upload.id, endpoint=ENDPOINT, completion_window=self.completion_window
        )
        self.ledger.record(batch.id, list(chosen))
        return batch.id

    def _watch(self, batch_id: str) -> None:
        if batch_id not in self.watching or self.watching[batch_id].done() and self._waiters_of(batch_id):
            self.watching[batch_id] = asyncio.create_task(self._collect(batch_id))

    def _waiters_of(self, batch_id: str) -> list[str]:
        return [key for key in self.waiting if self.ledger.batch_of.get(key) == batch_id]

    async def _tried(self, call):
        """`call()`, tried POLL_TRIES times with backoff: one failed poll must not give up a batch."""
        for attempt in range(POLL_TRIES):
            try:
                return await call()
            except Exception:
                if attempt == POLL_TRIES - 1:
                    raise
                await asyncio.sleep(min(self.poll_seconds * 2**attempt, 300))

    async def _collect(self, batch_id: str) -> None:
        """Poll the batch until it ends, then answer everyone waiting for one of its requests."""
        try:
            while True:
                batch = await self._tried(lambda: self.client.batches.retrieve(batch_id))
                if batch.status in FINISHED:
                    break
                await asyncio.sleep(self.poll_seconds)
            answers: dict[str, dict[str, Any] | BaseException] = {}
            for file_id in (batch.output_file_id, batch.error_file_id):
                if file_id:
                    content = await self._tried(lambda f=file_id: self.client.files.content(f, timeout=FILE_TIMEOUT))
                    answers.update(_read_output(content.text))
        except Exception as error:  # the provider cannot be asked now: the waiters retry, the batch stays theirs
            error = TransientError(f"batch {batch_id} could not be read now: {error}")
            for custom_id in self._waiters_of(batch_id):
                for future in self.waiting.pop(custom_id, []):
                    if not future.done():
                        future.set_exception(error)
            return
        missing = TransientError(f"batch {batch_id} ended {batch.status} without this request's answer")
        for custom_id in [key for key, holder in self.ledger.batch_of.items() if holder == batch_id]:
            found = answers.get(custom_id, missing)
            futures = self.waiting.pop(custom_id, [])
            if not futures:
                self.results[custom_id] = found  # asked again after a restart: kept for its send
            for future in futures:
                if not future.done():
                    future.set_exception(found) if isinstance(found, BaseException) else future.set_result(found)
            self.ledger.batch_of.pop(custom_id, None)  # collected: a retry of it goes to a new batch

    def _fail(self, custom_ids: list[str], error: BaseException) -> None:
        for custom_id in custom_ids:
            self.ledger.batch_of.pop(custom_id, None)  # its retry goes to a new batch
            for future in self.waiting.pop(custom_id, []):
                if not future.done():
                    future.set_exception(error)

    async def close(self) -> None:
        """Stop waiting (what a batch answers later is read from it on the next run) and close."""
        for task in [self._flusher, *self.watching.values()]:
            if task is not None and not task.done():
                task.cancel()
        await super().close()


def _read_output(text: str) -> dict[str, dict[str, Any] | BaseException]:
    """custom id -> the chat.completion body, or the TransientError of an item that failed."""
    out: dict[str, dict[str, Any] | BaseException] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            custom_id = item["custom_id"]
        except (ValueError, KeyError, TypeError):
            continue
        response = item.get("response") if isinstance(item.get("response"), dict) else {}
        if item.get("error") or response.get("status_code") != 200 or not isinstance(response.get("body"), dict):
            detail = item.get("error") or response.get("body") or response.get("status_code")
            out[custom_id] = TransientError(f"the batch failed this request: {json.dumps(detail)[:200]}")
        else:
            out[custom_id] = response["body"]
    return out
