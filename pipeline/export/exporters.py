"""Renderings of canonical records and pairs in the formats trainers read (../shared/FORMATS.md).

Each exporter takes one canonical record (or pair) as a dict and returns one output row, or
raises Skip with the reason the format cannot hold it (xLAM has no tool results, a Python call
needs identifier names). Text renderings take the function-call token and JSON-vs-Python call
syntax as options.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.record import decode_arguments

PY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HERMES_SYSTEM = (
    "You are a function calling AI model. You are provided with function signatures within <tools></tools> XML tags. "
    "You may call one or more functions to assist with the user query. "
    "Don't make assumptions about what values to plug into functions. "
    "Here are the available tools: <tools> {tools} </tools> For each function call return a json object "
    'with function name and arguments within {open}{close} XML tags as follows:\n{open}\n{{"name": <function-name>, '
    '"arguments": <args-dict>}}\n{close}'
)
GLAIVE_SYSTEM = "SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n"


class Skip(Exception):
    """The format cannot hold this record; the message says why."""


WEIGHT_RULES = ("all", "calls", "decisions", "last")
PARALLEL_TOOL_CALLS = ("true", "false", "auto")


@dataclass(frozen=True)
class TextOptions:
    """Options of the renderings: the call token and syntax of the text formats; the OpenAI rows'
    `weight` rule and `parallel_tool_calls`; what a null content becomes in the message formats."""

    call_token: str | None = None  # None: the format's own (<tool_call>, <functioncall>)
    syntax: str = "json"  # json or python
    think: bool = False  # hermes: an assistant's reasoning_content as a <think> block before its calls
    weight: str | None = None  # openai: None writes no weight; else one of WEIGHT_RULES
    parallel_tool_calls: str = "true"  # openai: true (the API's default), false, or auto (true iff a turn has several)
    empty_content: str | None = None  # openai, trl: what an assistant's null content becomes ("" for templates
    # that read content unchecked); None keeps null
    template: Any = None  # text: the pipeline.export.templates.ChatTemplate that renders each record


def _calls(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [call["function"] for call in message.get("tool_calls") or []]


def _arguments(call: dict[str, Any]) -> dict[str, Any]:
    arguments = decode_arguments(call.get("arguments"))
    if not isinstance(arguments, dict):
        raise Skip(f"the arguments of {call.get('name')!r} are not a JSON object")
    return arguments


def _call_names(messages: list[dict[str, Any]]) -> dict[str, str]:
    """tool_call_id -> function name, for tool messages that do not carry their own `name`."""
    return {
        call.get("id"): call["function"]["name"]
        for m in messages
        for call in m.get("tool_calls") or []
        if call.get("id")
    }


def _with_ids(messages: list[dict[str, Any]], seed: str) -> list[dict[str, Any]]:
    """Messages whose calls all have ids and whose tool messages answer them: a missing call id is
    made (9 characters, from `seed`), a missing tool_call_id is the next unanswered call's."""
    out, pending, number = [], [], 0
    for message in messages:
        message = dict(message)
        if message.get("tool_calls"):
            calls = []
            for call in message["tool_calls"]:
                if not call.get("id"):
                    number += 1
                    call = {**call, "id": hashlib.sha256(f"{seed}-{number}".encode()).hexdigest()[:9]}
                calls.append(call)
            message["tool_calls"], pending = calls, [call["id"] for call in calls]
        elif message["role"] == "tool":
            if message.get("tool_call_id") in pending:
                pending.remove(message["tool_call_id"])
            elif not message.get("tool_call_id") and pending:
                message["tool_call_id"] = pending.pop(0)
        out.append(message)
    return out


def python_value(value: Any) -> str:
    """A JSON value as a Python literal (`ast.literal_eval` reads it back)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{python_value(k)}: {python_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(python_value(v) for v in value) + "]"
    return repr(value)


def python_call(call: dict[str, Any]) -> str:
    """`name(key=value, ...)` with keyword arguments only (BFCL reads keywords, drops positionals)."""
    if not PY_NAME.match(call["name"]) or not all(PY_NAME.match(key) for key in _arguments(call)):
        raise Skip(f"{call['name']!r} or one of its argument names is not a Python identifier")
    return (
        f"{call['name']}(" + ", ".join(f"{key}={python_value(value)}" for key, value in _arguments(call).items()) + ")"
    )


def python_calls(calls: list[dict[str, Any]]) -> str:
    """`[f(a=1), g(b='x')]`, the Gorilla/BFCL rendering of one turn's calls."""
    return "[" + ", ".join(python_call(call) for call in calls) + "]"


def _json_call(call: dict[str, Any]) -> str:
    return json.dumps({"name": call["name"], "arguments": _arguments(call)}, ensure_ascii=False)


def _closing(token: str) -> str:
    """`</tool_call>` for `<tool_call>`; no closing tag for a token that is not an XML-style tag."""
    match = re.fullmatch(r"<([A-Za-z_][\w-]*)>", token)
    return f"</{match.group(1)}>" if match else ""


# --- OpenAI ------------------------------------------------------------------------------------


def _openai_message(message: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message["role"], "content": message.get("content")}
    if message.get("tool_calls"):
        out["tool_calls"] = [
            {
                "id": call["id"],
                "type": "function",
                "function": {
                    "name": call["function"]["name"],
                    "arguments": json.dumps(_arguments(call["function"]), ensure_ascii=False),
                },
            }
            for call in message["tool_calls"]
        ]
    if message["role"] == "tool":
        if not message.get("tool_call_id"):
            raise Skip("a tool message answers no call (OpenAI needs tool_call_id)")
        out["tool_call_id"] = message["tool_call_id"]
        out["content"] = message.get("content") or ""
    elif out["content"] is None and message["role"] != "assistant":
        out["content"] = ""
    return out


def _parallel(messages: list[dict[str, Any]], options: TextOptions) -> bool:
    several = any(len(message.get("tool_calls") or []) > 1 for message in messages)
    if options.parallel_tool_calls == "auto":
        return several
    if options.parallel_tool_calls == "false" and several:
        raise Skip("a turn makes several calls, which parallel_tool_calls false forbids")
    return options.parallel_tool_calls == "true"


def weights(messages: list[dict[str, Any]], rule: str) -> list[int | None]:
    """Each message's OpenAI `weight` under `rule` (None for non-assistant messages): `all` 1 on
    every assistant turn; `calls` 1 on turns with tool calls; `decisions` 0 only on the answers
    that relay tool results (their words are checked less strictly than calls); `last` 1 on the
    last assistant turn only."""
    assistant = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    out: list[int | None] = [None] * len(messages)
    for i in assistant:
        message = messages[i]
        if rule == "all":
            out[i] = 1
        elif rule == "calls":
            out[i] = int(bool(message.get("tool_calls")))
        elif rule == "decisions":
            out[i] = int(bool(message.get("tool_calls")) or i == 0 or messages[i - 1]["role"] != "tool")
        elif rule == "last":
            out[i] = int(i == assistant[-1])
        else:
            raise ValueError(f"unknown weight rule {rule!r} (one of {', '.join(WEIGHT_RULES)})")
    return out


def with_empty_content(messages: list[dict[str, Any]], text: str | None) -> list[dict[str, Any]]:
    """The messages with each assistant's null content written as `text` (None: unchanged)."""
    if text is None:
        return messages
    return [{**m, "content": text} if m["role"] == "assistant" and m.get("content") is None else m for m in messages]


def _empty(messages: list[dict[str, Any]], options: TextOptions) -> list[dict[str, Any]]:
    return with_empty_content(messages, options.empty_content)


def _openai_messages(messages: list[dict[str, Any]], seed: str, options: TextOptions) -> list[dict[str, Any]]:
    out = [_openai_message(m) for m in _empty(_with_ids(messages, seed), options)]
    if options.weight:
        for message, weight in zip(out, weights(messages, options.weight)):
            if weight is not None:
                message["weight"] = weight
    return out


def openai_sft(record: dict[str, Any], options: TextOptions) -> dict[str, Any]:
    """OpenAI chat fine-tuning: arguments as JSON strings, tool_call_id on every tool message,
    `parallel_tool_calls` and (with a weight rule) `weight` on each assistant message."""
    row: dict[str, Any] = {"messages": _openai_messages(record["messages"], str(record.get("id")), options)}
    if options.weight and not any(m.get("weight") for m in row["messages"]):
        raise Skip(f"no assistant turn is trained under the weight rule {options.weight!r}")
    if record.get("tools"):
        row["tools"] = record["tools"]
        row["parallel_tool_calls"] = _parallel(record["messages"], options)
    return row


def openai_dpo(pair: dict[str, Any], options: TextOptions) -> dict[str, Any]:
    """OpenAI preference fine-tuning: `input`, one `preferred_output` and one `non_preferred_output` message."""
    seed = str(pair.get("id"))
    plain = TextOptions(empty_content=options.empty_content)  # weights belong to SFT rows
    inputs: dict[str, Any] = {"messages": _openai_messages(pair["prompt"], seed, plain)}
    if pair.get("tools"):
        inputs["tools"] = pair["tools"]
        inputs["parallel_tool_calls"] = _parallel(pair["chosen"] + pair["rejected"], options)
    return {
        "input": inputs,
        "preferred_output": _openai_messages(pair["chosen"], seed + "-chosen", plain),
        "non_preferred_output": _openai_messages(pair["rejected"], seed + "-rejected", plain),
    }


# --- TRL ---------------------------------------------------------------------------------------


def trl_sft(record: dict[str, Any], options: TextOptions) -> dict[str, Any]:
    """TRL SFT: `messages` (arguments as objects) and `tools`."""
    return {"messages": _empty(record["messages"], options), "tools": record.get("tools") or []}


def trl_dpo(pair: dict[str, Any], options: TextOptions) -> dict[str, Any]:
    """TRL DPO with an explicit prompt: `prompt`, `chosen`, `rejected`, `tools`."""
    return {
        "prompt": _empty(pair["prompt"], options),
        "chosen": _empty(pair["chosen"], options),
        "rejected": _empty(pair["rejected"], options),
        "tools": pair.get("tools") or [],
    }


# --- text renderings ---------------------------------------------------------------------------


def _render_calls(calls: list[dict[str, Any]], options: TextOptions) -> list[str]:
    if options.syntax == "python":
        return [python_calls(calls)]
    return [_json_call(call) for call in calls]


def hermes(record: dict[str, Any], options: TextOptions) -> dict[str, Any]:
    """Hermes / ShareGPT: tools in the system turn inside <tools>, calls in <tool_call> blocks, results
    in <tool_response> blocks (one `tool` turn per call turn)."""
    return {"id": record.get("id"), "conversations": _hermes_turns(record, options, results_from="tool")}


def sharegpt(record: dict[str, Any], options: TextOptions) -> dict[str, Any]:
    """Generic ShareGPT that any reader maps (`system`, `human`, `gpt` only: Unsloth's
    standardize_sharegpt refuses other roles): the Hermes text, with each call turn's results in a
    `human` turn of <tool_response> blocks (where Qwen's template puts them), and `tools` as a JSON
    string for readers that pass tools to a chat template."""
    return {
        "id": record.get("id"),
        "conversations": _hermes_turns(record, options, results_from="human"),
        "tools": json.dumps(list(record.get("tools") or []), ensure_ascii=False),
    }


def _hermes_turns(record: dict[str, Any], options: TextOptions, results_from: str) -> list[dict[str, str]]:
    token = options.call_token or "<tool_call>"
    close = _closing(token)
    functions = json.dumps(list(record.get("tools") or []), ensure_ascii=False)
    system = HERMES_SYSTEM.format(tools=functions, open=token, close=close)
    turns: list[dict[str, str]] = []
    messages = _with_ids(record["messages"], str(record.get("id")))  # so every tool message finds its call's name
    names = _call_names(messages)
    own_system = [m["content"] for m in messages if m["role"] == "system" and m.get("content")]
    turns.append({"from": "system", "value": "\n\n".join([system, *own_system])})
    previous = None  # the role of the message before, systems aside
    for message in messages:
        role = message["role"]
        if role == "system":
            continue
        after_result, previous = previous == "tool", role
        if role == "user":
            turns.append({"from": "human", "value": message.get("content") or ""})
        elif role == "assistant":
            calls = _calls(message)
            if calls:
                blocks = [
                    f"{token}\n{text}\n{close}" if close else f"{token}{text}" for text in _render_calls(calls, options)
                ]
                thought = message.get("reasoning_content") if options.think else None
                value = "\n".join(
                    ([f"<think>\n{thought}\n</think>"] if thought else [])
                    + ([message["content"]] if message.get("content") else [])
                    + blocks
                )
            else:
                value = message.get("content") or ""
            turns.append({"from": "gpt", "value": value})
        else:
            content = message.get("content") or ""
            try:
                parsed: Any = json.loads(content)
            except ValueError:
                parsed = content
            response = {"name": message.get("name") or names.get(message.get("tool_call_id"), ""), "content": parsed}
            block = f"<tool_response>\n{json.dumps(response, ensure_ascii=False)}\n</tool_response>"
            if after_result:  # one turn holds the results of one call turn
                turns[-1]["value"] += "\n" + block
            else:
                turns.append({"from": results_from, "value": block})
    return turns


def glaive(record: dict[str, Any], options: TextOptions) -> dict[str, Any]:
    """Glaive function-calling v2: `system` with the functions, `chat` with USER/ASSISTANT/FUNCTION
    RESPONSE turns; a call is `<functioncall> {"name": ..., "arguments": '<json>'}` (parallel calls:
    one line each in the same assistant turn)."""
    token = options.call_token or "<functioncall>"
    functions = "\n\n".join(
        json.dumps(tool["function"], indent=4, ensure_ascii=False) for tool in record.get("tools") or []
    )
    own_system = [m["content"] for m in record["messages"] if m["role"] == "system" and m.get("content")]
    system = GLAIVE_SYSTEM + functions + "\n\n" + ("\n".join(own_system) + "\n" if own_system else "")
    chat = []
    for message in record["messages"]:
        role = message["role"]
        if role == "user":
            chat.append(f"USER: {message.get('content') or ''}")
        elif role == "assistant":
            calls = _calls(message)
            if not calls:
                chat.append(f"ASSISTANT: {message.get('content') or ''} <|endoftext|>")
            elif options.syntax == "python":
                chat.append(f"ASSISTANT: {token} {python_calls(calls)} <|endoftext|>")
            else:
                lines = [
                    f'{token} {{"name": {json.dumps(c["name"])}, '
                    f"\"arguments\": '{json.dumps(_arguments(c), ensure_ascii=False)}'}}"
                    for c in calls
                ]
                chat.append("ASSISTANT: " + "\n".join(lines) + " <|endoftext|>")
        elif role == "tool":
            chat.append(f"FUNCTION RESPONSE: {message.get('content') or ''}")
    return {"system": system, "chat": "\n\n\n".join(chat) + "\n\n\n"}


def python(record: dict[str, Any], options: TextOptions) -> dict[str, Any]:
    """Gorilla/BFCL Python-call syntax: each call turn's content is `[f(a=1), g(b='x')]`."""
    messages = []
    for message in record["messages"]:
        calls = _calls(message)
        if calls:
            messages.append({"role": "assistant", "content": python_calls(calls)})
        elif message["role"] == "tool":
            messages.append({"role": "tool", "content": message.get("content") or ""})
        else:
            messages.append({"role": message["role"], "content": message.get("content") or ""})
    return {
        "id": record.get("id"),
        "messages": messages,
        "functions": [tool["function"] for tool in record.get("tools") or []],
    }


def text(record: dict[str, Any], options: TextOptions) -> dict[str, Any]:
    """`{"id", "text"}`: the conversation rendered by a model's chat template through transformers'
    own apply_chat_template (`--render-template`); a record the template refuses is skipped."""
    if options.template is None:
        raise Skip("no chat template was given (--render-template)")
    messages = _empty(record["messages"], options)
    try:
        rendered = options.template.render(messages, record.get("tools"))
        lost = options.template.lost_call(messages, record.get("tools"))
    except Exception as error:  # the template's raise_exception (Llama-3.1 refuses parallel calls), or a key it lacks
        raise Skip(f"the template refuses it: {type(error).__name__}: {str(error).splitlines()[0][:120]}") from None
    if lost:
        raise Skip("the template drops a call of a turn (GPT-OSS's renders only a turn's first call)")
    return {"id": record.get("id"), "text": rendered}


def grpo(record: dict[str, Any], options: TextOptions) -> list[dict[str, Any]]:
    """Prompt-only rows for TRL's GRPOTrainer, one per decision turn, with the reference calls
    (pipeline.export.grpo; pipeline.rewards.tool_call_reward scores a completion)."""
    from pipeline.export.grpo import grpo_rows  # it reads eval's items and prompts, which import this module

    rows = grpo_rows(record)
    if not rows:
        raise Skip("no decision turn (only answers that relay tool results)")
    return rows


# --- xLAM --------------------------------------------------------------------------------------


def _xlam_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "str")
    if kind == "array":
        return f"List[{_xlam_type(schema.get('items') or {})}]"
    return {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "object": "dict"}.get(
        kind or "", "str"
    )


def _xlam_tool(tool: dict[str, Any]) -> dict[str, Any]:
    function = tool["function"]
    parameters = function.get("parameters") or {}
    required = set(parameters.get("required") or [])
    out = {}
    for key, schema in (parameters.get("properties") or {}).items():
        schema = schema if isinstance(schema, dict) else {}
        entry: dict[str, Any] = {
            "description": schema.get("description", ""),
            "type": _xlam_type(schema) + ("" if key in required else ", optional"),
        }
        if "default" in schema:
            entry["default"] = schema["default"]
        out[key] = entry
    return {"name": function["name"], "description": function.get("description", ""), "parameters": out}


def xlam(record: dict[str, Any], options: TextOptions) -> dict[str, Any]:
    """xLAM / APIGen: `query`, and `tools` and `answers` as JSON strings; one user turn, at most one call turn."""
    spoken = [m for m in record["messages"] if m["role"] != "system"]
    if not spoken or spoken[0]["role"] != "user" or len(spoken) > 2 or any(m["role"] == "tool" for m in spoken):
        raise Skip("xLAM holds one request and its calls: no tool results, no later turns")
    calls = _calls(spoken[1]) if len(spoken) == 2 else []
    if len(spoken) == 2 and not calls and record.get("category") != "no_call":
        raise Skip("the answer is words, not calls")
    answers = [{"name": call["name"], "arguments": _arguments(call)} for call in calls]
    return {
        "id": record.get("id"),
        "query": spoken[0].get("content") or "",
        "tools": json.dumps([_xlam_tool(tool) for tool in record.get("tools") or []], ensure_ascii=False),
        "answers": json.dumps(answers, ensure_ascii=False),
    }


# --- LLaMA-Factory -----------------------------------------------------------------------------

# LLaMA-Factory's own `openai` converter joins the results of one call turn with this separator
# (its templates wrap an observation in <tool_response> tags).
LLAMAFACTORY_RESULTS_JOIN = "\n</tool_response>\n<tool_response>\n"
_LLAMAFACTORY_SLOTS = (("human", "observation"), ("gpt", "function_call"))


def _llamafactory_assistant(message: dict[str, Any], options: TextOptions) -> dict[str, str]:
    """`function_call` with the calls as a JSON list (arguments as objects), or `gpt` with the words.
    Words beside calls are dropped: LLaMA-Factory reads a function_call value as JSON only."""
    calls = _calls(message)
    if not calls:
        return {"from": "gpt", "value": message.get("content") or ""}
    value = json.dumps([{"name": c["name"], "arguments": _arguments(c)} for c in calls], ensure_ascii=False)
    thought = message.get("reasoning_content") if options.think else None
    return {"from": "function_call", "value": f"<think>\n{thought}\n</think>\n{value}" if thought else value}


def _llamafactory_turns(messages: list[dict[str, Any]], options: TextOptions) -> tuple[str, list[dict[str, str]]]:
    """(system, turns): human/observation at even places, gpt/function_call at odd ones, as
    LLaMA-Factory's sharegpt converter demands; the results of one call turn are one observation."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system" and m.get("content"))
    turns: list[dict[str, str]] = []
    results: list[str] = []
    for message in messages:
        if message["role"] == "tool":
            results.append(message.get("content") or "")
            continue
        if results:
            turns.append({"from": "observation", "value": LLAMAFACTORY_RESULTS_JOIN.join(results)})
            results = []
        if message["role"] == "user":
            turns.append({"from": "human", "value": message.get("content") or ""})
        elif message["role"] == "assistant":
            turns.append(_llamafactory_assistant(message, options))
    if results:
        turns.append({"from": "observation", "value": LLAMAFACTORY_RESULTS_JOIN.join(results)})
    for place, turn in enumerate(turns):
        if turn["from"] not in _LLAMAFACTORY_SLOTS[place % 2]:
            raise Skip("LLaMA-Factory needs user (or tool result) and assistant turns to alternate")
    return system, turns


def _functions(tools: list[dict[str, Any]] | None) -> str:
    return json.dumps([tool["function"] for tool in tools or []], ensure_ascii=False)


def llamafactory(record: dict[str, Any], options: TextOptions) -> dict[str, Any]:
    """LLaMA-Factory sharegpt: `conversations` (human / function_call / observation / gpt), `system`,
    `tools` as a JSON string of the function schemas. The dataset_info.json entry comes with it."""
    system, turns = _llamafactory_turns(record["messages"], options)
    if len(turns) % 2:
        raise Skip("LLaMA-Factory needs the conversation to end on an assistant turn")
    return {"conversations": turns, "system": system, "tools": _functions(record.get("tools"))}


def llamafactory_dpo(pair: dict[str, Any], options: TextOptions) -> dict[str, Any]:
    """LLaMA-Factory sharegpt preference rows (`ranking: true`): the prompt's `conversations`,
    one `chosen` and one `rejected` turn, `system`, `tools`."""
    system, turns = _llamafactory_turns(pair["prompt"], options)
    if len(turns) % 2 == 0:
        raise Skip("LLaMA-Factory needs the prompt to end on a user turn or a tool result")
    if len(pair["chosen"]) != 1 or len(pair["rejected"]) != 1:
        raise Skip("LLaMA-Factory holds one chosen and one rejected turn")
    return {
        "conversations": turns,
        "chosen": _llamafactory_assistant(pair["chosen"][0], options),
        "rejected": _llamafactory_assistant(pair["rejected"][0], options),
        "system": system,
        "tools": _functions(pair.get("tools")),
    }


def llamafactory_dataset_info(file_name: str, ranking: bool) -> dict[str, Any]:
    """The `dataset_info.json` entry LLaMA-Factory reads the export through (its default tags)."""
    columns = {"messages": "conversations", "system": "system", "tools": "tools"}
    entry: dict[str, Any] = {"file_name": file_name, "formatting": "sharegpt"}
    if ranking:
        entry["ranking"] = True
        columns.update(chosen="chosen", rejected="rejected")
    entry["columns"] = columns
    return entry


Exporter = Callable[[dict[str, Any], TextOptions], dict[str, Any] | list[dict[str, Any]]]  # a list: several rows
RECORD_FORMATS: dict[str, Exporter] = {
    "openai": openai_sft,
    "trl-sft": trl_sft,
    "hermes": hermes,
    "sharegpt": sharegpt,
    "glaive": glaive,
    "python": python,
    "xlam": xlam,
    "llamafactory": llamafactory,
    "text": text,
    "grpo": grpo,
}
PAIR_FORMATS: dict[str, Exporter] = {"openai-dpo": openai_dpo, "trl-dpo": trl_dpo, "llamafactory-dpo": llamafactory_dpo}
