"""The review page: a small HTTP server on 127.0.0.1 that shows the sample one record at a time
(rendered by pipeline.pages, with each check's verdict) and stores every click as a label.

Routes: `GET /` the page; `GET /api/state` the sample, the labels so far and the reasons;
`GET /api/record/<i>` the i-th sampled record as HTML; `GET /api/summary` the accept rates;
`POST /api/label` one label (JSON). Only requests naming this host (127.0.0.1 or localhost) are
answered, and a label must be posted as JSON, so another web page cannot label for the reviewer.
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from filters.base import Check, run_checks
from filters.grounding import GroundingOptions
from filters.plausibility import PlausibilityOptions
from filters.roles import annotations_of
from pipeline.config import RunConfig
from pipeline.pages import environment, record_html, style
from pipeline.record import parse_record
from pipeline.review.labels import REASONS, Label, append_label, read_labels, summarize
from pipeline.seeds.tools import run_tools

MAX_BODY = 64_000  # bytes of one posted label


def run_checks_of(manifest: dict[str, Any]) -> list[Check]:
    """The checks the run itself ran (its config's `checks`: enabled, language, lengths), with
    grounding aliases and plausibility roles from its tool files; the defaults for a manifest
    this version cannot read."""
    from pipeline.job import check_chain  # the run's own chain, built as the run built it
    from pipeline.seeds import alias_table

    try:
        config = RunConfig.model_validate(manifest.get("config") or {})
    except ValidationError:
        config = RunConfig()
    seeds = run_tools(manifest)
    grounding = GroundingOptions(aliases=alias_table(seeds))
    return check_chain(config, grounding, plausibility=PlausibilityOptions(annotations=annotations_of(seeds)))


class Review:
    """The state behind the page: the run's records, the sample, and the labels file."""

    def __init__(self, run_dir: Path, records: list[dict[str, Any]], sample: list[str], manifest: dict[str, Any]):
        self.run_dir, self.sample = run_dir, sample
        self.records = {str(record["id"]): record for record in records}
        self.checks = run_checks_of(manifest)
        self.lock = threading.Lock()

    def state(self) -> dict[str, Any]:
        """The sample (id, category), the latest label of each sampled record, and the reasons."""
        labels = read_labels(self.run_dir)
        return {
            "sample": [{"id": i, "category": self.records[i].get("category")} for i in self.sample],
            "labels": {i: labels[i].model_dump() for i in self.sample if i in labels},
            "reasons": REASONS,
        }

    def verdicts(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """Each check's verdict on the record (as `validate` runs them)."""
        try:
            parsed = parse_record(record)
        except ValidationError as error:
            return [
                {
                    "name": "format",
                    "ok": False,
                    "issues": [{"code": "invalid_record", "path": "", "message": str(error)}],
                }
            ]
        rows = []
        for check in self.checks:
            issues = run_checks(parsed, [check])
            rows.append({"name": check.name, "ok": not issues, "issues": [issue.to_dict() for issue in issues]})
        return rows

    def record(self, index: int) -> dict[str, Any]:
        """The index-th sampled record: id, category and its HTML (checks included)."""
        record = self.records[self.sample[index]]
        return {
            "index": index,
            "id": record["id"],
            "category": record.get("category"),
            "html": record_html(record, self.verdicts(record)),
        }

    def label(self, body: Any) -> dict[str, Any]:
        """Store one label (ValueError for one that is not valid or names a record not in the sample)."""
        label = Label.model_validate(body)
        if label.record_id not in self.records or label.record_id not in self.sample:
            raise ValueError(f"record {label.record_id!r} is not in the review sample")
        label = label.model_copy(update={"category": self.records[label.record_id].get("category") or ""})
        with self.lock:
            stored = append_label(self.run_dir, label)
        return stored.model_dump()

    def summary(self) -> dict[str, Any]:
        """The accept rates of the labels of this run's records."""
        return summarize(read_labels(self.run_dir), set(self.records))


def handler_for(review: Review, port: int) -> type[BaseHTTPRequestHandler]:
    """The request handler class serving `review`."""
    hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
    page = environment().get_template("review.html.j2").render(title=review.run_dir.resolve().name, style=style())

    class Handler(BaseHTTPRequestHandler):
        server_version = "fc-datagen-review"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal shows the URL only
            pass

        def _send(self, status: int, body: str, kind: str = "application/json") -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def _json(self, value: Any, status: int = HTTPStatus.OK) -> None:
            self._send(status, json.dumps(value, ensure_ascii=False))

        def _allowed(self) -> bool:
            if self.headers.get("Host") in hosts:
                return True
            self._json({"error": "unknown host"}, HTTPStatus.FORBIDDEN)
            return False

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self._answer(self._get)

        def do_POST(self) -> None:  # noqa: N802
            self._answer(self._post)

        def _answer(self, route) -> None:
            """Run a route; anything it raises becomes a 500 with the reason the page shows."""
            if not self._allowed():
                return
            try:
                route()
            except Exception as error:  # noqa: BLE001 (the page says what failed; the server goes on)
                self._json({"error": f"{type(error).__name__}: {error}"}, HTTPStatus.INTERNAL_SERVER_ERROR)

        def _get(self) -> None:
            path = self.path.split("?")[0]
            if path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, page, "text/html")
            elif path == "/api/state":
                self._json(review.state())
            elif path == "/api/summary":
                self._json(review.summary())
            elif path.startswith("/api/record/") and path.rsplit("/", 1)[1].isdigit():
                index = int(path.rsplit("/", 1)[1])
                if index < len(review.sample):
                    self._json(review.record(index))
                else:
                    self._json({"error": "no such record"}, HTTPStatus.NOT_FOUND)
            else:
                self._json({"error": "not found"}, HTTPStatus.NOT_FOUND)

        def _post(self) -> None:
            if self.path != "/api/label":
                self._json({"error": "not found"}, HTTPStatus.NOT_FOUND)
                return
            if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                self._json({"error": "send JSON"}, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
                return
            length = self.headers.get("Content-Length") or ""
            if not length.isdigit() or int(length) > MAX_BODY:
                self._json({"error": f"a label is JSON of at most {MAX_BODY} bytes"}, HTTPStatus.BAD_REQUEST)
                return
            try:
                body = json.loads(self.rfile.read(int(length)) or b"null")
                stored = review.label(body)
            except ValidationError as error:
                self._json({"error": error.errors()[0]["msg"]}, HTTPStatus.BAD_REQUEST)
                return
            except ValueError as error:
                self._json({"error": str(error)}, HTTPStatus.BAD_REQUEST)
                return
            self._json({"label": stored, "summary": review.summary()})

    return Handler


def make_server(review: Review, port: int) -> ThreadingHTTPServer:
    """The server of the page, listening on 127.0.0.1:port (0: any free port)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler)
    server.RequestHandlerClass = handler_for(review, server.server_address[1])
    return server


def serve(review: Review, port: int, ready=None) -> None:
    """Serve the page on 127.0.0.1:port (0: any free port) until interrupted; `ready(url)` is
    called once it listens."""
    server = make_server(review, port)
    port = server.server_address[1]
    try:
        if ready:
            ready(f"http://127.0.0.1:{port}/")
        server.serve_forever()
    finally:
        server.server_close()
