"""The built wheel carries seeds/ and prompts/ and runs outside the repository.

The wheel goes into a fresh venv built from this interpreter's real base (`venv` always does that,
even when this interpreter is itself a venv's). Its dependencies are not reinstalled (slow, and
the network may be off): a .pth file in the new venv lists the site-packages this interpreter
imports from, so the same installed packages are found after the wheel's own, whether this is a
venv, a conda-like prefix or a system Python. A plain path line does not run the .pth files it
points at, so an editable install of this repository there is not seen; the probe below checks
that `pipeline` and `filters` both come from the wheel.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import venv
from pathlib import Path

from tests.conftest import ROOT


def installed_package_dirs() -> list[str]:
    """The site-packages folders this interpreter imports installed packages from, in sys.path order
    (its own prefix's, a venv's base's when it shares them, the user site when it is enabled)."""
    candidates = set(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        candidates.add(site.getusersitepackages())
    return [path for path in sys.path if path in candidates and os.path.isdir(path)]


def test_installed_package_dirs_hold_this_interpreters_dependencies():
    import rich

    dirs = installed_package_dirs()
    assert dirs and any(Path(rich.__file__).is_relative_to(folder) for folder in dirs)
    assert str(ROOT) not in dirs


def test_wheel_installs_and_runs_outside_the_repo(fake, tmp_path):
    # a PYTHONPATH naming the repository would show pip an installed fc-datagen and import it ahead of the wheel
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    wheel = next(wheels.glob("*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # this interpreter's pip installs into the venv (pip >= 22.3); the venv then holds nothing else
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (site_packages,) = env_dir.glob("lib/python*/site-packages")
    (site_packages / "zz_dependencies.pth").write_text("".join(f"{path}\n" for path in installed_package_dirs()))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import filters, pipeline, pipeline.resources as r; print(pipeline.__file__); print(filters.__file__); "
            "print(r.data_dir('seeds')); print(r.data_dir('prompts'))",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    module, filters_module, seeds, prompts = probe.stdout.split()
    assert module.startswith(str(site_packages)) and filters_module.startswith(str(site_packages))
    assert "/_data/" in seeds and "/_data/" in prompts
    assert len(list(Path(seeds, "tools").glob("*.json"))) >= 8
    result = subprocess.run(
        [
            str(env_dir / "bin" / "fc-datagen"),
            "run",
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
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (run,) = (elsewhere / "outputs").iterdir()
    assert len((run / "accepted.jsonl").read_text().splitlines()) == 1
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["counts"]["accepted"] == 1
