"""The run directory: accepted.jsonl, rejected.jsonl, manifest.json, all written atomically.

Each file goes to a temporary name, is fsynced, then renamed into place. manifest.json is
removed first and written last: a run directory without it is not a finished run.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from pipeline.config import RunConfig
from pipeline.redact import redact


def run_name(config: RunConfig) -> str:
    """`<category>-<mode>-seed<seed>-<fingerprint>`: the fingerprint covers the whole config."""
    payload = config.model_dump(mode="json", exclude={"out", "hub", "cache", "cache_dir"})  # where results go does not change what is generated
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()[:8]
    return f"{config.category}-{config.resolved_mode}-seed{config.seed}-{digest}"


def run_folder(config: RunConfig, root: Path | None = None) -> Path:
    """Create the run directory (--out, or outputs/<run-name>/) and return it."""
    path = Path(config.out) if config.out else (root or Path.cwd() / "outputs") / run_name(config)
    path.mkdir(parents=True, exist_ok=True)
    return path


def retire_manifest(path: Path) -> None:
    """Remove an old manifest.json: until the new one is written last, the run is not finished."""
    (path / "manifest.json").unlink(missing_ok=True)


def _atomic_write(path: Path, chunks: Iterable[str]) -> None:
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False)
    try:
        with handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def write_jsonl(path: Path, rows: Iterable[dict[str, Any] | str]) -> None:
    """Write rows (dicts or ready JSON lines) as JSONL, atomically, secret-like strings redacted."""
    _atomic_write(path, (redact(row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n" for row in rows))


def write_json(path: Path, value: Any) -> None:
    """Write one JSON document, atomically, secret-like strings redacted."""
    _atomic_write(path, [redact(json.dumps(value, ensure_ascii=False, indent=2)) + "\n"])
