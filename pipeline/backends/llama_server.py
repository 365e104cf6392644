"""Serve a GGUF over llama.cpp's own C++ HTTP server, from the prebuilt `xllamacpp` wheel.

    python -m pipeline.backends.llama_server --model FILE --alias NAME --port P [--threads 2] [--slots 1]

Run as a child process by pipeline.backends.embedded (so a crash in native code cannot take the
run with it). It binds 127.0.0.1 only, uses the chat template inside the GGUF (Jinja), keeps the
prompt-prefix cache on, and serves until it gets SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import threading


def serve(model: str, alias: str, port: int, threads: int, slots: int, n_ctx: int, poll: int) -> None:
    """Start the server and block until SIGTERM/SIGINT."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = model
    params.model_alias = [alias]
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_ctx = n_ctx * slots  # llama.cpp splits the context between the slots
    params.n_parallel = slots
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.cpuparams.poll = poll  # 0: threads sleep instead of spinning when the cores are shared
    params.cpuparams_batch.poll = poll
    params.use_jinja = True  # the model's own chat template, tools and all
    params.cache_prompt = True  # reuse the shared few-shot prefix between requests
    params.warmup = True
    params.verbosity = 2  # errors and warnings: info is ~6 lines per request, too many for a week-long job
    server = xllamacpp.Server(params)
    print(f"listening on {server.listening_address}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Parse the flags and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the GGUF file")
    parser.add_argument("--alias", required=True, help="the model name the API answers to")
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    parser.add_argument("--slots", type=int, default=1, help="requests decoded at once (default 1)")
    parser.add_argument("--n-ctx", type=int, default=8192, help="context tokens per slot (default 8192)")
    parser.add_argument("--poll", type=int, default=50, help="llama.cpp's busy-wait level 0-100 (default 50)")
    args = parser.parse_args(argv)
    serve(args.model, args.alias, args.port, args.threads, args.slots, args.n_ctx, args.poll)


if __name__ == "__main__":
    main()
