"""Chat templates rendered by transformers itself: `--check-template` and `--format text`.

A template comes from a Jinja file, a `tokenizer_config.json` (its `chat_template`, one string or
named templates), or a model folder on disk (`chat_template.jinja` or its tokenizer_config.json;
nothing is downloaded). It is rendered by transformers' own `apply_chat_template(messages,
tools=...)` on a tokenizer object that carries only the template, so what a trainer renders is
what is checked (transformers 5 drops null keys such as an assistant's `content: null` before
rendering; a copy of its Jinja setup did not). With a tokenizer (`--tokenizer` a tokenizer.json
or a folder holding one, or the model folder itself) each rendering is also counted in tokens.

transformers is the `export` extra: `pip install 'fc-datagen[export]'`.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta

from filters.base import leaves
from pipeline import errors
from pipeline.errors import InputError
from pipeline.export.exporters import with_empty_content

EXTRA = "pip install 'fc-datagen[export]'"
TEMPLATE_FILES = ("chat_template.jinja", "tokenizer_config.json")


def _transformers(flag: str):
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")  # "PyTorch was not found": not needed here
    try:
        import transformers
    except ImportError:
        raise InputError(f"rendering chat templates needs transformers: {EXTRA}", flag) from None
    return transformers


def _shown(value: Any, text: str) -> bool:
    if isinstance(value, str):
        return any(
            form in text for form in (value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1])
        )
    return json.dumps(value) in text or str(value) in text


@dataclass
class ChatTemplate:
    """A chat template and the tokenizer that renders it (and counts tokens when it is a real one)."""

    tokenizer: Any  # its chat_template is the template (named templates: a dict)
    counts_tokens: bool

    def render(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, add_generation_prompt: bool = False
    ) -> str:
        """The conversation as transformers renders it for training; `tools` None when empty (Llama
        templates render tool boilerplate for [], so TRL passes None too)."""
        return self.tokenizer.apply_chat_template(
            messages, tools=tools or None, tokenize=False, add_generation_prompt=add_generation_prompt
        )

    def lost_call(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> str | None:
        """Why a rendering drops a call, or None: each call turn's rendering (the text it adds to the
        conversation before it) must hold every call's name and argument values. GPT-OSS's template
        renders only the first call of a turn, silently."""
        for index, message in enumerate(messages):
            calls = message.get("tool_calls") or []
            if not calls:
                continue
            try:
                before = self.render(messages[:index], tools) if index else ""
            except Exception:  # a template may refuse a prefix (one that must end on a user turn): compare with none
                before = ""
            after = self.render(messages[: index + 1], tools)
            added = after[len(os.path.commonprefix([before, after])) :]
            names = [call["function"]["name"] for call in calls]
            for name in set(names):  # two calls of one function must be two in the text
                if added.count(name) < names.count(name):
                    return f"message {index}: {names.count(name)} calls of {name}, fewer in the rendering"
            for number, call in enumerate(calls):  # and each call's values (its name is there: counted above)
                arguments = call["function"].get("arguments")
                values = [v for _, v in leaves(arguments if isinstance(arguments, dict) else {})]
                if not all(_shown(v, added) for v in values if v is not None and not isinstance(v, bool)):
                    return (
                        f"message {index}: call {number + 1} of {len(calls)} ({names[number]}) is not in the rendering"
                    )
        return None

    def tokens(self, text: str) -> int | None:
        """How many tokens `text` is, or None without a real tokenizer."""
        if not self.counts_tokens:
            return None
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])


def _template_of_config(path: Path) -> str | dict[str, str]:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise InputError(f"not JSON ({error})", str(path)) from None
    template = config.get("chat_template") if isinstance(config, dict) else None
    if isinstance(template, list):  # named templates: [{"name": "default", "template": ...}, ...]
        template = {entry["name"]: entry["template"] for entry in template if isinstance(entry, dict)}
    if not template or not isinstance(template, (str, dict)):
        raise InputError("no chat_template in it", str(path), "chat_template")
    return template


def _read_template(source: Path) -> str | dict[str, str]:
    if source.is_dir():
        found = [source / name for name in TEMPLATE_FILES if (source / name).is_file()]
        if not found:
            raise InputError(f"no chat template here (looked for {' or '.join(TEMPLATE_FILES)})", str(source))
        source = found[0]
    try:
        if source.suffix == ".json":
            return _template_of_config(source)
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(error.strerror or "cannot read", str(source)) from None
    try:
        variables = jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(text))
    except jinja2.TemplateSyntaxError as error:
        raise InputError(f"not a Jinja template: {error.message} (line {error.lineno})", str(source)) from None
    if "messages" not in variables:
        raise InputError("not a chat template: it never reads `messages`", str(source))
    return text


def _tokenizer(transformers, path: Path | None, flag: str):
    if path is None:
        from tokenizers import Tokenizer
        from tokenizers.models import WordLevel

        bare = Tokenizer(WordLevel({"<unk>": 0}, unk_token="<unk>"))  # renders; counts nothing
        return transformers.PreTrainedTokenizerFast(tokenizer_object=bare, bos_token="<s>", eos_token="</s>"), False
    try:
        if path.is_dir():
            return transformers.PreTrainedTokenizerFast.from_pretrained(str(path), local_files_only=True), True
        return transformers.PreTrainedTokenizerFast(tokenizer_file=str(path)), True
    except Exception as error:  # transformers and tokenizers raise many kinds for a file they cannot read
        raise InputError(f"not a tokenizer ({type(error).__name__}: {error})", str(path), flag) from None


def load_template(source: Path, tokenizer: Path | None = None, flag: str = "--check-template") -> ChatTemplate:
    """The chat template at `source` (Jinja file, tokenizer_config.json or model folder) with the
    tokenizer at `tokenizer` (or the model folder's own tokenizer.json, or none: no token counts)."""
    if not source.exists():
        raise InputError("no such file or folder", str(source), flag)
    template = _read_template(source)
    transformers = _transformers(flag)
    if tokenizer is None and source.is_dir() and (source / "tokenizer.json").is_file():
        tokenizer = source
    if tokenizer is not None and not tokenizer.exists():
        raise InputError("no such file or folder", str(tokenizer), "--tokenizer")
    tok, counts = _tokenizer(transformers, tokenizer, "--tokenizer")
    tok.chat_template = template  # named templates: transformers picks `tool_use` when tools are given
    return ChatTemplate(tok, counts)


def _spread(values: list[int]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):g}, p95 {p95}, max {ordered[-1]}"


def check_template(
    records: Iterable[tuple[int, dict[str, Any]]], template: ChatTemplate, empty_content: str | None = None
) -> int:
    """Print one JSON line per (index, record) of `records`: renders or not, length in characters
    (and tokens) or the template's error; a summary line on stderr; returns the exit code.
    `empty_content`: an assistant's null content is rendered as this text (as `--empty-content`
    exports it; Qwen3's template reads every assistant's content)."""
    failed, chars, tokens = 0, [], []
    for index, record in records:
        entry: dict[str, Any] = {"index": index, "id": record.get("id"), "category": record.get("category")}
        messages = with_empty_content(record["messages"], empty_content)
        try:
            text = template.render(messages, record.get("tools"))
            lost = template.lost_call(messages, record.get("tools"))
        except Exception as error:  # the template's own raise_exception, or a key it reads that is absent
            failed += 1
            entry.update(ok=False, error=f"{type(error).__name__}: {error}")
        else:
            entry.update(ok=not lost, chars=len(text))
            if lost:
                failed += 1
                entry["error"] = f"LostCall: {lost}"
            else:
                chars.append(len(text))
                count = template.tokens(text)
                if count is not None:
                    entry["tokens"] = count
                    tokens.append(count)
        print(json.dumps(entry, ensure_ascii=False))
    summary = f"rendered {len(chars)} of {len(chars) + failed} whole; characters {_spread(chars)}"
    print(summary + (f"; tokens {_spread(tokens)}" if tokens else ""), file=sys.stderr)
    return errors.EXIT_SHORT if failed else errors.EXIT_DONE
