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
from pipeline.errors import InputError
from pipeline.redact import public_url, redact


# Settings outside the run's fingerprint: where results go, how requests are paced and paid for,
# and how answers are checked, deduplicated and paired (the "parser": a rerun with other checks
# re-checks the same cached answers). Everything else decides which requests are sent.
NOT_FINGERPRINTED = {"out": True, "hub": True, "cache": True, "cache_dir": True, "budget": True, "shard": True, "max_failed_share": True,
                     "initial_yield": True,  # how many tasks a round queues, not which ones run (pipeline.engine)
                     "checks": True, "language": True, "min_request_words": True, "max_user_chars": True, "judge": True,
                     "dedup": True, "dedup_threshold": True, "template_cap": True,
                     "pairs": {"enabled", "per_record", "mix", "semantic_share", "real_failures"},
                     "teacher": {"api_key_env", "timeout", "max_attempts", "retry_initial", "retry_max", "concurrency", "rpm", "tpm"}}
SETTINGS_NAME = "settings.json"


def public_values(config: RunConfig, exclude: dict | None = None) -> dict[str, Any]:
    """The config as JSON values, its base URL without credentials or query (safe to write down)."""
    values = config.model_dump(mode="json", exclude=exclude)
    if values["teacher"].get("base_url"):
        values["teacher"]["base_url"] = public_url(values["teacher"]["base_url"])
    return values


def generation_settings(config: RunConfig) -> dict[str, Any]:
    """The settings that decide which requests a run sends (its fingerprint's input)."""
    return public_values(config, NOT_FINGERPRINTED)


def run_name(config: RunConfig) -> str:
    """`<category>-<mode>-seed<seed>-<fingerprint>` of the generation settings: a rerun with a larger
    budget, another concurrency or other checks lands in (and resumes) the same folder and cache."""
    digest = hashlib.sha256(json.dumps(generation_settings(config), sort_keys=True).encode("utf-8")).hexdigest()[:8]
    return f"{config.category}-{config.resolved_mode}-seed{config.seed}-{digest}"


def check_settings(path: Path, config: RunConfig) -> None:
    """Record the run's generation settings in `path/settings.json`, or, when the folder already has
    them, refuse (InputError) to resume it with different ones, naming what changed."""
    settings = json.loads(redact(json.dumps(generation_settings(config))))  # compared as stored: a key in a URL never is
    stored = path / SETTINGS_NAME
    if stored.is_file():
        try:
            before = json.loads(stored.read_text(encoding="utf-8"))
        except ValueError:
            before = None  # torn by a kill before its rename: write it again
        if isinstance(before, dict) and before != settings:
            changes = "; ".join(f"{key}: {_short(old)} -> {_short(new)}" for key, old, new in _changes(before, settings))
            raise InputError(f"this run folder was started with other settings ({changes}); run with the same "
                             "settings to continue it, or choose another --out", str(stored))
        if before == settings:
            return
    write_json(stored, settings)


def _changes(before: Any, after: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    if isinstance(before, dict) and isinstance(after, dict):
        return [change for key in sorted(set(before) | set(after), key=str)
                for change in _changes(before.get(key), after.get(key), f"{prefix}{key}.")]
    return [] if before == after else [(prefix.rstrip("."), before, after)]


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def run_folder(config: RunConfig, root: Path | None = None) -> Path:
    """Create the run directory (--out, or outputs/<run-name>/) and return it."""
    path = Path(config.out) if config.out else (root or Path.cwd() / "outputs") / run_name(config)
    path.mkdir(parents=True, exist_ok=True)
    return path


def shard_folder(path: Path, shard: tuple[int, int]) -> Path:
    """Where shard i of N writes inside the run folder: `shards/i-of-N/` (created)."""
    folder = path / "shards" / f"{shard[0]}-of-{shard[1]}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
