"""Secret-like strings out of everything the pipeline writes: API keys, tokens, credentials in URLs.

Files, run.log and stderr all pass through `redact`: the patterns below, plus every secret the
process was handed (`remember_secret`: the teacher's API key, whatever its shape).
`redacted_stderr()` puts stderr itself behind it, so a line printed by any code (an error
message quoting an endpoint's answer, a library's warning) is redacted too.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SECRET = re.compile(
    r"(?:sk-[A-Za-z0-9_-]{8,}|hf_[A-Za-z0-9]{8,}"  # OpenAI-style and Hugging Face keys
    r"|(?<=[?&])[\w-]*(?:key|token|secret|password)=[^&\s\"'#\\]+"  # ...?api_key=..., &access_token=...
    r"|Bearer\s+[A-Za-z0-9._~+/=-]{8,}"  # an Authorization header value
    r"|(?<=://)[^/@\s:\"']+:[^/@\s\"']+(?=@))",  # user:password@ in a URL
    re.IGNORECASE,
)
MIN_SECRET = 8  # shorter values ("x", "none") are placeholders, not secrets: redacting them would mangle text
_KNOWN: set[str] = set()  # secrets handed to this process (API keys), redacted wherever they appear


def remember_secret(value: str | None) -> None:
    """Redact `value` (an API key of any shape) from now on, wherever it appears."""
    if value and len(value) >= MIN_SECRET:
        _KNOWN.add(value)


def redact(text: str) -> str:
    """`text` with API-key and token-like strings, and every remembered secret, replaced by [REDACTED]."""
    for secret in sorted(_KNOWN, key=len, reverse=True):  # a key that contains another goes whole
        text = text.replace(secret, "[REDACTED]")
    return SECRET.sub("[REDACTED]", text)


def public_url(url: str) -> str:
    """The URL without credentials or query (safe for logs, manifests and run folders)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


class RedactingStream:
    """A text stream whose every write is redacted first; everything else is the wrapped stream's."""

    def __init__(self, stream: Any):
        self.stream = stream

    def write(self, text: str) -> int:
        """Write `text` redacted (the count returned is of `text`, as callers expect)."""
        self.stream.write(redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextmanager
def redacted_stderr() -> Iterator[None]:
    """While inside, sys.stderr redacts everything written to it."""
    previous = sys.stderr
    sys.stderr = RedactingStream(previous)
    try:
        yield
    finally:
        sys.stderr = previous
