"""The run directory: accepted.jsonl, rejected.jsonl, manifest.json, all written atomically.

Each file goes to a temporary name, is fsynced, then renamed into place; a folder (the Hub
folder) is filled under a temporary name and renamed into place. A write that fails removes its
temporary file or folder. manifest.json is removed first and written last: a run directory
without it, or whose manifest's status is not `complete` (interrupted, failed, budget_reached:
what the run had when it stopped), is not a finished run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import InputError
from pipeline.redact import public_url, redact

if TYPE_CHECKING:  # pipeline.config imports the category registry, whose generators reach the writer
    from pipeline.config import RunConfig


SETTINGS_NAME = "settings.json"


def public_values(config: RunConfig, exclude: dict | None = None) -> dict[str, Any]:
    """The config as JSON values, its base URLs without credentials or query (safe to write down)."""
    values = config.model_dump(mode="json", exclude=exclude)
    for group in ("teacher", "student"):
        if (values.get(group) or {}).get("base_url"):
            values[group]["base_url"] = public_url(values[group]["base_url"])
        if (values.get(group) or {}).get("base_urls"):
            values[group]["base_urls"] = [public_url(url) for url in values[group]["base_urls"]]
    return values


def generation_settings(config: RunConfig) -> dict[str, Any]:
    """The settings that decide which requests a run sends: the fields each config group names in
    its FINGERPRINT (pipeline.config). Where results go, how requests are paced and paid for, and
    how answers are checked, deduplicated and paired stay out: a rerun with other checks or a
    larger budget re-checks the same cached answers in the same folder."""
    values, out = public_values(config), {}
    for name in type(config).model_fields:
        value = getattr(config, name)
        if hasattr(type(value), "FINGERPRINT"):
            keep = type(value).FINGERPRINT
            section = {key: item for key, item in values[name].items() if keep is True or key in keep}
            if section:
                out[name] = section
        elif name in config.FINGERPRINT:
            out[name] = values[name]
    return out


def run_name(config: RunConfig) -> str:
    """`<category>-<mode>-seed<seed>-<fingerprint>`: the fingerprint covers the generation settings
    that differ from their defaults, so a rerun with a larger budget, another concurrency or other
    checks resumes the same folder and cache, and a setting added in a later version (at its
    default) renames no folder."""
    defaults = leaves(generation_settings(type(config)()))
    changed = {
        path: value
        for path, value in leaves(generation_settings(config)).items()
        if defaults.get(path, _MISSING) != value
    }
    digest = hashlib.sha256(json.dumps(changed, sort_keys=True).encode("utf-8")).hexdigest()[:8]
    return f"{config.category}-{config.resolved_mode}-seed{config.seed}-{digest}"


_MISSING = object()


def leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested mapping flattened to dotted keys (`a.b.c`); lists and empty mappings are leaves."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            out.update(leaves(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _normalised(stored: Any, config: RunConfig) -> Any:
    """Stored settings as this version writes them (an older version's flat or partial settings
    read through the config model, new fields at their defaults), or as stored when they do not validate."""
    try:
        return json.loads(redact(json.dumps(generation_settings(type(config).model_validate(stored)))))
    except (ValueError, TypeError):
        return stored


def check_settings(path: Path, config: RunConfig) -> None:
    """Record the run's generation settings in `path/settings.json`, or, when the folder already has
    them, refuse (InputError) to resume it with different ones, naming what changed."""
    settings = json.loads(
        redact(json.dumps(generation_settings(config)))
    )  # compared as stored: a key in a URL never is
    stored = path / SETTINGS_NAME
    if stored.is_file():
        try:
            raw = json.loads(stored.read_text(encoding="utf-8"))
        except ValueError:
            raw = None  # torn by a kill before its rename: write it again
        before = _normalised(raw, config) if isinstance(raw, dict) else raw
        if isinstance(before, dict) and before != settings:
            changes = "; ".join(
                f"{key}: {_short(old)} -> {_short(new)}" for key, old, new in _changes(before, settings)
            )
            raise InputError(
                f"this run folder was started with other settings ({changes}); run with the same "
                "settings to continue it, or choose another --out",
                str(stored),
            )
        if raw == settings:
            return
    write_json(stored, settings)  # new, torn, or an older version's form of the same settings


def _changes(before: Any, after: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    if isinstance(before, dict) and isinstance(after, dict):
        return [
            change
            for key in sorted(set(before) | set(after), key=str)
            for change in _changes(before.get(key), after.get(key), f"{prefix}{key}.")
        ]
    return [] if before == after else [(prefix.rstrip("."), before, after)]


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def run_path(config: RunConfig, root: Path | None = None) -> Path:
    """Where the run directory is: --out, or outputs/<run-name>/ (not created)."""
    return Path(config.out) if config.out else (root or Path.cwd() / "outputs") / run_name(config)


def run_folder(config: RunConfig, root: Path | None = None) -> Path:
    """Create the run directory (--out, or outputs/<run-name>/), missing parents included, and
    return it; InputError when it, or a folder on its way, is a file."""
    path = run_path(config, root)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(
            "a file is in the way: the run folder (--out) must be a folder (missing ones are created)", str(path)
        ) from None
    return path


def shard_path(path: Path, shard: tuple[int, int]) -> Path:
    """Where shard i of N writes inside the run folder: `shards/i-of-N/` (not created)."""
    return path / "shards" / f"{shard[0]}-of-{shard[1]}"


def shard_folder(path: Path, shard: tuple[int, int]) -> Path:
    """Where shard i of N writes inside the run folder: `shards/i-of-N/` (created)."""
    folder = shard_path(path, shard)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The run folder's manifest.json, or None when there is none or it does not read as a JSON object."""
    try:
        value = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def finished_manifest(run_dir: Path) -> dict[str, Any]:
    """The manifest of a finished run; InputError for a folder without one or an unfinished run."""
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise InputError("not a finished run (no manifest.json; a run writes it last)", str(run_dir))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("status", "complete") != "complete":
        raise InputError(
            f"not a finished run (status {manifest.get('status')}: it stopped midway; run the same command "
            "again to finish it, then publish)",
            str(manifest_path),
        )
    return manifest


def missing_folders(path: Path) -> list[Path]:
    """`path` and those of its parents that do not exist yet, innermost first (what creating it will make)."""
    return [folder for folder in (path, *path.parents) if not folder.exists()]


BOOKKEEPING = ("run.log", SETTINGS_NAME)  # what a run folder holds before its first answer, besides run.lock


def clear_unused(folder: Path) -> bool:
    """While the run's lock is held: when `folder` holds nothing but bookkeeping (run.log,
    settings.json, an empty response cache, the lock), remove all of it but the lock, and return
    True; a folder with anything else in it (a cached answer, another file) is left whole."""
    cache = folder / "cache"
    cached = list(cache.iterdir()) if cache.is_dir() else []
    if any(item.name not in (*BOOKKEEPING, "cache", "run.lock") for item in folder.iterdir()) or any(
        item.name != "responses.jsonl" or not item.is_file() or item.stat().st_size for item in cached
    ):
        return False
    for item in [*cached, *(folder / name for name in BOOKKEEPING)]:
        item.unlink(missing_ok=True)
    if cache.is_dir():
        cache.rmdir()
    return True


def remove_empty(folders: list[Path]) -> None:
    """Remove `folders` (innermost first) while they are empty: those a stopped invocation created."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:  # not empty (a file, another job's lock) or already gone
            break


def retire_manifest(path: Path) -> None:
    """Remove an old manifest.json: until the new one is written last, the run is not finished."""
    (path / "manifest.json").unlink(missing_ok=True)


def _file_mode(full: int = 0o666) -> int:
    """`full` (0666 for a file, 0777 for a folder) less the process umask: what open() or mkdir()
    would give (a temporary file is 0600, which a training job running as another user cannot read)."""
    mask = os.umask(0)
    os.umask(mask)
    return full & ~mask


def _naming(error: OSError, path: Path) -> OSError:
    """`error` naming `path` (a failed write() names no file; a temporary name means nothing to the user)."""
    return error if error.errno is None else type(error)(error.errno, error.strerror, str(path))


def _atomic_write(path: Path, chunks: Iterable[str]) -> None:
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept open past the try block, renamed after `with handle`
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
        )
    except OSError as error:
        raise _naming(error, path) from None
    try:
        os.chmod(handle.name, _file_mode())
        with handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except OSError as error:
        Path(handle.name).unlink(missing_ok=True)
        raise _naming(error, path) from None
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_folder(path: Path) -> Iterator[Path]:
    """A temporary folder beside `path` to fill inside the block, renamed to `path` (replacing an old
    one) when the block ends and removed when it fails: `path` is the old folder or the complete
    new one (or, for an instant between two renames, absent), never a partial one. Temporary
    folders a killed process left behind are removed first (call it under the run's lock)."""
    for left in path.parent.glob(f".{path.name}.*"):
        shutil.rmtree(left, ignore_errors=True)
    try:
        staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    except OSError as error:
        raise _naming(error, path) from None
    try:
        yield staging
        os.chmod(staging, _file_mode(0o777))  # mkdtemp's is 0700
        old = staging.with_name(staging.name + ".old")
        if path.exists():
            os.rename(path, old)
        try:
            os.rename(staging, path)
        except BaseException:
            if old.exists():
                os.rename(old, path)  # the old folder back
            raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_jsonl(path: Path, rows: Iterable[dict[str, Any] | str]) -> None:
    """Write rows (dicts or ready JSON lines) as JSONL, atomically, secret-like strings redacted."""
    _atomic_write(
        path, (redact(row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n" for row in rows)
    )


def json_text(value: Any) -> str:
    """One JSON document as write_json writes it: indented, secret-like strings redacted."""
    return redact(json.dumps(value, ensure_ascii=False, indent=2)) + "\n"


def write_json(path: Path, value: Any) -> None:
    """Write one JSON document, atomically, secret-like strings redacted."""
    _atomic_write(path, [json_text(value)])
