"""Child side of pipeline.execute: read {"file", "function", "arguments"} as JSON on stdin, load
the file as a module, call `function(**arguments)` and print the JSON result on stdout.

Arguments are bound by keyword only; no text is ever evaluated. Anything the executor prints
goes to stderr, so stdout carries the result alone. A failure exits non-zero with the
traceback on stderr (its last line names the error).
"""

import contextlib
import importlib.util
import json
import sys


def main() -> int:
    request = json.loads(sys.stdin.buffer.read())
    spec = importlib.util.spec_from_file_location("seed_executor", request["file"])
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {request['file']}")
    module = importlib.util.module_from_spec(spec)
    with contextlib.redirect_stdout(sys.stderr):
        spec.loader.exec_module(module)
        function = getattr(module, request["function"])
        result = function(**request["arguments"])
    sys.stdout.write(json.dumps(result, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
