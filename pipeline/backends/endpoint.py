"""What a teacher base URL may be: http(s), a host, a valid port, and no credentials or query.

A key in the URL (`user:key@`, `?api_key=`) would be sent the wrong way (Basic auth, or glued
into the request path) and copied wherever the URL goes, so it is refused with a message that
says where the key belongs and never repeats the URL. pipeline.config checks `teacher.base_url`
with it, so a flag, a job file and `pipeline.seeds enrich` all get the same one-line error.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx2

KEY_HOME = "the API key goes in the environment variable that {section}.api_key_env names (default OPENAI_API_KEY)"


def check_base_url(url: str, section: str = "teacher") -> str:
    """`url` when the client can use it as a base URL; otherwise ValueError with a message that
    does not repeat the URL (it may hold a secret); `section` names the config whose key it is."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError when the port is not a number in 0-65535
    except ValueError as error:
        raise ValueError(f"not a URL ({error})") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with http:// or https://")
    if "@" in parts.netloc:
        raise ValueError(
            f"credentials (user:password@) do not belong in the base URL: {KEY_HOME.format(section=section)}"
        )
    if parts.query or parts.fragment or url.rstrip().endswith(("?", "#")):
        raise ValueError(
            f"a query (?...) or fragment (#...) does not belong in the base URL: {KEY_HOME.format(section=section)}"
        )
    if not parts.hostname or any(char.isspace() or not char.isprintable() for char in parts.netloc):
        raise ValueError("has no valid host name")
    try:
        httpx2.URL(url)  # the client's own parser: an IPv4 address out of range, a bad IPv6 literal
    except httpx2.InvalidURL as error:
        raise ValueError(f"not a URL ({error})") from None
    return url
