"""Reward functions for RL on the data (TRL's GRPOTrainer), over `--format grpo` rows.

    from pipeline.rewards import tool_call_reward
    GRPOTrainer(model=..., reward_funcs=[tool_call_reward], train_dataset=load_dataset("json", ...))

GRPOTrainer calls a reward function with `prompts`, `completions` (one per generation: a string,
or a list of messages whose last one is the model's) and every other column of the rows as a
list (`expect`, `answers`, `ordered`, `tools`, ...), plus keywords of its own, and takes one float
per completion. A completion is read as `fc-datagen eval` reads an answer: `tool_calls` that the
trainer parsed (transformers' response schema) or calls written in the text (`<tool_call>`
blocks, JSON, Python call lists), and scored by eval's rules: the reference calls by BFCL's AST
rules (any order unless `ordered`), or the words a no-call turn needs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pipeline.eval.ask import Answer, read_native, read_text
from pipeline.eval.score import score
from pipeline.export.grpo import row_item


def _answer(completion: Any) -> Answer:
    """The completion read as eval reads an answer: its parsed tool_calls (read_native), else its text."""
    if isinstance(completion, str):
        return read_text(completion)
    message = completion[-1] if isinstance(completion, list) and completion else completion
    if not isinstance(message, dict):
        return Answer(None, [], "the completion is not text or a message")
    calls = message.get("tool_calls") or []
    if calls:  # a bare {"name", "arguments"} (some parsers) is a call too
        wrapped = [call if isinstance(call, dict) and "function" in call else {"function": call} for call in calls]
        return read_native(json.dumps({"content": message.get("content"), "tool_calls": wrapped}, default=str))
    return read_text(message.get("content") or "")


def tool_call_reward(
    completions: Sequence[Any],
    expect: Sequence[str],
    answers: Sequence[Any],
    tools: Sequence[Any],
    ordered: Sequence[bool] | None = None,
    **kwargs: Any,
) -> list[float]:
    """1.0 for each completion that eval would score right for its row, else 0.0."""
    rewards = []
    for index, completion in enumerate(completions):
        row = {
            "expect": expect[index],
            "answers": answers[index],
            "tools": tools[index],
            "ordered": ordered[index] if ordered is not None else False,
        }
        rewards.append(1.0 if score(row_item(row), _answer(completion)).correct else 0.0)
    return rewards
