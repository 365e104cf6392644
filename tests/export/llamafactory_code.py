"""LLaMA-Factory's own data code (converter, parser, formatters), loaded from the installed
`llamafactory` package without its package `__init__`s, which import torch (not installed here).

`.ci/run` installs the package with --no-deps (tests/consumers.txt). Only three of its modules are
stood in for: `extras.logging` (a logger that keeps the warnings, so a test can assert there were
none), `extras.constants` (DATA_CONFIG) and `extras.misc` (the ModelScope / OpenMind switches,
off); every line that reads a dataset is LLaMA-Factory's.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
import os
import sys
import types
from pathlib import Path


class KeptWarnings(logging.Logger):
    """LLaMA-Factory's logger interface; `warnings` keeps every warning it was given."""

    warnings: list[str] = []

    def warning_rank0(self, message, *args, **kwargs):
        KeptWarnings.warnings.append(str(message))

    warning_rank0_once = warning_rank0
    info_rank0 = logging.Logger.info


@functools.cache
def load() -> types.SimpleNamespace:
    """The modules: converter, parser, formatter, tool_utils (skip the test where the package is
    absent, except in CI, where it must be there)."""
    spec = importlib.util.find_spec("llamafactory")
    if spec is None:
        import pytest  # only a test skips; a bench script has the package

        if os.environ.get("CI"):
            raise AssertionError("llamafactory is not installed: .ci/run installs tests/consumers.txt")
        pytest.skip("llamafactory is not installed (pip install --no-deps -r tests/consumers.txt)")
    root = Path(spec.origin).parent
    for name, path in (
        ("llamafactory", root),
        ("llamafactory.extras", root / "extras"),
        ("llamafactory.data", root / "data"),
    ):
        if name not in sys.modules or not getattr(sys.modules[name], "_bare", False):
            package = types.ModuleType(name)
            package.__path__ = [str(path)]
            package._bare = True
            sys.modules[name] = package
    stand_ins = {
        "llamafactory.extras.logging": {"get_logger": lambda name=None: KeptWarnings(name or "llamafactory")},
        "llamafactory.extras.constants": {"DATA_CONFIG": "dataset_info.json"},
        "llamafactory.extras.misc": {"use_modelscope": lambda: False, "use_openmind": lambda: False},
    }
    for name, values in stand_ins.items():
        module = types.ModuleType(name)
        module.__dict__.update(values)
        sys.modules[name] = module
    return types.SimpleNamespace(
        converter=importlib.import_module("llamafactory.data.converter"),
        parser=importlib.import_module("llamafactory.data.parser"),
        formatter=importlib.import_module("llamafactory.data.formatter"),
        tool_utils=importlib.import_module("llamafactory.data.tool_utils"),
    )
