"""Build hook: copy the top-level seeds/ and prompts/ into the wheel as pipeline/_data/.

They stay at the repository's top level for editing; an installed copy reads them with
importlib.resources (see pipeline/resources.py), an editable install from the repo root.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "pipeline" / "_data"
        for name in ("seeds", "prompts"):
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, target / name, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithData})
