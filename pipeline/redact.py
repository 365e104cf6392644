"""Secret-like strings out of everything the pipeline writes: API keys, tokens, credentials in URLs."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

SECRET = re.compile(
    r"(?:sk-[A-Za-z0-9_-]{8,}|hf_[A-Za-z0-9]{8,}"  # OpenAI-style and Hugging Face keys
    r"|(?<=[?&])[\w-]*(?:key|token|secret|password)=[^&\s\"'#\\]+"  # ...?api_key=..., &access_token=...
    r"|Bearer\s+[A-Za-z0-9._~+/=-]{8,}"  # an Authorization header value
    r"|(?<=://)[^/@\s:\"']+:[^/@\s\"']+(?=@))",  # user:password@ in a URL
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """`text` with API-key and token-like strings replaced by [REDACTED]."""
    return SECRET.sub("[REDACTED]", text)


def public_url(url: str) -> str:
    """The URL without credentials or query (safe for logs, manifests and run folders)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
