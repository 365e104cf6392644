"""The built wheel carries seeds/ and prompts/ and runs outside the repository."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_installs_and_runs_outside_the_repo(fake, tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    wheel = next(wheels.glob("*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)  # dependencies from this interpreter
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import pipeline, pipeline.resources as r; print(pipeline.__file__); "
            "print(r.data_dir('seeds')); print(r.data_dir('prompts'))",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    )
    module, seeds, prompts = probe.stdout.split()
    assert module.startswith(str(env_dir)) and "/_data/" in seeds and "/_data/" in prompts
    assert len(list(Path(seeds, "tools").glob("*.json"))) >= 8
    result = subprocess.run(
        [
            str(python),
            "-m",
            "pipeline.run",
            "--category",
            "single",
            "--n",
            "1",
            "--mode",
            "blueprint",
            "--base-url",
            fake.base_url,
            "--model",
            "m",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (run,) = (elsewhere / "outputs").iterdir()
    assert len((run / "accepted.jsonl").read_text().splitlines()) == 1
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["counts"]["accepted"] == 1
