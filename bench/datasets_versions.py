"""Compatibility sweep (not a test): which `datasets` versions read a run's Hub folder and exports.

    python bench/datasets_versions.py RUN_DIR [--versions 3.6.0,4.0.0,4.3.0] [--venvs DIR] [--out DIR]

Writes RUN_DIR's Hub folder (with the portable configs) and its `trl-sft`, `openai`, `sharegpt`,
`llamafactory`, `llamafactory-dpo` and `grpo` exports into --out, then for each version makes a
venv under --venvs (kept
between runs; `pip install datasets==V` from the package index) and loads, in that venv:
the `all`, `pairs`, `portable` and `portable-pairs` configs through the folder's README, and
each export file with `load_dataset("json", ...)`. This process compares every row read back
with what the pipeline wrote: the Json configs and the portable ones (decoded by
pipeline.publish.portable.decode_row) with the Hub rows (accepted.jsonl less mocked records),
the exports with the export lines. A row that differs (a merged null key, a re-typed value) counts
as a failure. Prints a table: version x source -> rows equal, or the error's first line. Then
LLaMA-Factory 0.9.5 (installed --no-deps into the datasets 4.0 venv, its pin) reads the two
LLaMA-Factory exports through its own dataset_info parser, converter and formatters.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.export.cli import export  # noqa: E402
from pipeline.export.exporters import TextOptions  # noqa: E402
from pipeline.publish.hf_dataset import exact_json_decoding  # noqa: E402
from pipeline.publish.hub import build_hub_folder  # noqa: E402
from pipeline.publish.portable import decode_row  # noqa: E402
from pipeline.record import read_rows  # noqa: E402

CONFIGS = ("all", "pairs", "portable", "portable-pairs")
EXPORTS = ("trl-sft", "openai", "sharegpt", "llamafactory", "llamafactory-dpo", "grpo")
LLAMAFACTORY = r"""
import json, sys
from types import SimpleNamespace
sys.path.insert(0, sys.argv[1])
import datasets
from tests.export.llamafactory_code import KeptWarnings, load
code = load()
folder, out = sys.argv[2], sys.argv[3]
result = {}  # dataset_info.json: the entries pipeline.export wrote beside the two files
for name in ("llamafactory", "llamafactory-dpo"):
    attr = code.parser.get_dataset_list([name], folder)[0]
    data = datasets.load_dataset("json", data_files=folder + "/" + attr.dataset_name, split="train")
    KeptWarnings.warnings.clear()
    args = SimpleNamespace(streaming=False, preprocessing_num_workers=None, overwrite_cache=True, media_dir="")
    aligned = list(code.converter.align_dataset(data, attr, args, SimpleNamespace(local_process_index=0)))
    function = code.formatter.FunctionFormatter(slots=["{{content}}"], tool_format="qwen")
    calls = sum(1 for row in aligned for t in row["_prompt"] + row["_response"]
                if t["role"] == "function" and function.apply(content=t["content"]))
    kept = sum(1 for row in aligned if row["_prompt"] and row["_response"])
    result[name] = {"rows": len(aligned), "kept": kept, "warnings": len(KeptWarnings.warnings), "calls": calls}
result["datasets"] = datasets.__version__
open(out, "w").write(json.dumps(result))
"""
CHILD = r"""
import json, sys
import datasets
try:
    import datasets.features.features as features
    features.ujson_loads = json.loads  # exact floats where Json columns exist
except Exception:
    pass
folder, out, sources = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
results = {"version": datasets.__version__}
for name, kind, path in sources:
    try:
        if kind == "config":
            loaded = datasets.load_dataset(folder, name)
            rows = [row for split in sorted(loaded) for row in loaded[split]]
        else:
            rows = list(datasets.load_dataset("json", data_files=path, split="train"))
        results[name] = {"rows": rows}
    except Exception as error:
        results[name] = {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:70]}"}
with open(out, "w") as handle:
    json.dump(results, handle, default=str)
"""


def _venv(root: Path, version: str) -> Path:
    python = root / f"datasets-{version}" / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(python.parent.parent)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"datasets=={version}"], check=True)
    return python


def _expected(run_dir: Path, folder: Path, out: Path) -> tuple[dict, list]:
    """Hub rows by config (from the folder's own Parquet, read by this process) and the exports."""
    import datasets

    exact_json_decoding()
    expected = {}
    for name in ("all", "pairs"):
        loaded = datasets.load_dataset(str(folder), name)
        expected[name] = [row for split in sorted(loaded) for row in loaded[split]]
    expected["portable"], expected["portable-pairs"] = expected["all"], expected["pairs"]
    sources = [(name, "config", "") for name in CONFIGS]
    for fmt in EXPORTS:
        path = out / f"{fmt}.jsonl"
        export(run_dir, fmt, path, TextOptions())  # as `python -m pipeline.export` writes it (dataset_info.json too)
        expected[fmt] = read_rows(path)
        sources.append((fmt, "json", str(path)))
    return expected, sources


def _compare(name: str, got: dict, expected: list) -> str:
    if "error" in got:
        return "✘ " + got["error"]
    rows = got["rows"]
    if name.startswith("portable"):
        rows = [decode_row(row) for row in rows]
        keys = set(expected[0]) if expected else set()
        rows = [{key: row[key] for key in keys} for row in rows]
    wanted = sorted(expected, key=lambda row: json.dumps(row, sort_keys=True))
    rows = sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))
    same = sum(a == b for a, b in zip(rows, wanted)) if len(rows) == len(wanted) else 0
    if same == len(wanted):
        return f"✔ {same} rows equal"
    return f"✘ {len(wanted) - same} of {len(wanted)} rows differ (e.g. null keys merged in)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--versions", default="3.6.0,4.0.0,4.3.0")
    parser.add_argument("--venvs", default=str(Path.home() / ".cache" / "fc-datagen-bench"))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="datasets-versions-"))
    run_dir = out / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    shutil.copytree(args.run_dir, run_dir, ignore=shutil.ignore_patterns("cache", "hub", "eval", "report"))
    folder = build_hub_folder(run_dir, "apache-2.0")
    expected, sources = _expected(run_dir, folder, out)
    table = {}
    pythons = [("current", sys.executable)] + [
        (version, str(_venv(Path(args.venvs), version))) for version in args.versions.split(",") if version
    ]
    for label, python in pythons:
        result_file = out / f"read-{label}.json"
        subprocess.run([python, "-c", CHILD, str(folder), str(result_file), json.dumps(sources)], check=True)
        got = json.loads(result_file.read_text())
        table[f"{label} ({got['version']})"] = {
            name: _compare(name, got[name], expected[name]) for name, _, _ in sources
        }
    lf_python = _venv(Path(args.venvs), "4.0.0")  # LLaMA-Factory 0.9.5 pins datasets <= 4.0
    subprocess.run([str(lf_python), "-m", "pip", "install", "-q", "--no-deps", "llamafactory==0.9.5"], check=True)
    lf_out = out / "llamafactory-read.json"
    subprocess.run([str(lf_python), "-c", LLAMAFACTORY, str(ROOT), str(out), str(lf_out)], check=True)
    names = [name for name, _, _ in sources]
    print("| datasets | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for label, row in table.items():
        print(f"| {label} | " + " | ".join(row[name] for name in names) + " |")
    lf = json.loads(lf_out.read_text())
    print(f"\nLLaMA-Factory 0.9.5's own parser, sharegpt converter and Qwen formatters, datasets {lf['datasets']}:")
    for name in ("llamafactory", "llamafactory-dpo"):
        r = lf[name]
        kept = f"{r['kept']} of {r['rows']} rows kept"
        print(f"- {name}: {kept}, {r['warnings']} warnings, {r['calls']} call turns formatted")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
