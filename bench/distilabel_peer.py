"""The peer for bench/throughput.py: distilabel's OpenAILLM over the same workload (not a test).

    bench/.venv-distilabel/bin/python bench/distilabel_peer.py < job.json

Runs in distilabel's own venv (bench/throughput.py creates it), never the project's environment.
Reads a job from stdin: {"base_url", "model", "timeout", "batch_size", "max_new_tokens",
"temperature", "inputs": [[{"role", "content"}, ...], ...]}. Builds OpenAILLM with max_retries=0
and the job's timeout, warms up with one batch, resets the server's counters (POST /reset), then
feeds the inputs to `llm.generate` one batch at a time, as a distilabel Task step does with input
batch size = concurrency. Prints one JSON object: samples, failures, wall seconds, samples/s and
client CPU per request (this process only).
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request
import warnings


def reset_server(base_url: str) -> float:
    """Zero the fake teacher's counters after the warm-up; the server's CPU seconds so far."""
    root = base_url.rstrip("/").removesuffix("/v1")
    request = urllib.request.Request(root + "/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())["cpu_s"]


def run_batch(llm, batch: list, job: dict) -> tuple[int, str | None]:
    """Generate one batch; (answers received, first error or None). A failure fails the whole batch."""
    try:
        outputs = llm.generate(
            inputs=batch, num_generations=1, max_new_tokens=job["max_new_tokens"], temperature=job["temperature"]
        )
    except Exception as error:  # distilabel's generate gathers without return_exceptions
        return 0, f"{type(error).__name__}: {error}"[:200]
    return sum(1 for output in outputs if output.get("generations") and output["generations"][0]), None


def main() -> None:
    """Read the job, run the batches, print the numbers."""
    job = json.load(sys.stdin)
    warnings.filterwarnings("ignore")
    import distilabel
    from distilabel.models.llms import OpenAILLM

    llm = OpenAILLM(
        model=job["model"], base_url=job["base_url"], api_key="no-key", max_retries=0, timeout=int(job["timeout"])
    )
    llm.load()
    inputs, size = job["inputs"], job["batch_size"]
    run_batch(llm, inputs[:size], job)  # warm-up: imports, connections, model classes
    server_cpu = reset_server(job["base_url"])
    samples, errors = 0, []
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(inputs), size):
        done, error = run_batch(llm, inputs[start : start + size], job)
        samples += done
        if error:
            errors.append(error)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        json.dumps(
            {
                "client": f"distilabel {distilabel.__version__} OpenAILLM",
                "requests": len(inputs),
                "samples": samples,
                "failures": len(inputs) - samples,
                "errors": errors[:3],
                "wall_s": round(wall, 3),
                "samples_per_s": round(samples / wall, 2),
                "cpu_ms_per_request": round(1000 * cpu / max(1, samples), 3),
                "client_cpu_share": round(cpu / wall, 3),
                "server_cpu_start": server_cpu,
            }
        )
    )


if __name__ == "__main__":
    main()
