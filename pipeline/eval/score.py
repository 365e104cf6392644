"""One item's verdict: is the model's answer right, and if not, what kind of mistake it is.

Mistake codes (a fixed vocabulary, the summary's rows):
- from the call matcher (filters.possible, BFCL's AST rules): `wrong_function`,
  `wrong_call_count`, `missing_argument`, `unexpected_argument`, `wrong_type`, `wrong_value`;
- `missing_call`: words where a call was needed;
- `unneeded_call`: a call where none was needed (irrelevance, a no_call answer, an answer that
  reads results, a question for a missing value);
- `no_question`: no question where a value was missing; `no_decline`: no "cannot" where no tool
  serves the request; `no_confirmation`: a call, or words without a yes/no question, where the
  rules ask to confirm a write first;
- `empty_answer`: nothing at all where words were needed;
- `unreadable_answer`: an answer that tries to call but cannot be read (pipeline.eval.ask).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from filters.category import declines
from filters.policy import is_confirmation_question
from filters.possible import check_calls
from pipeline.eval.ask import Answer
from pipeline.eval.items import Item

MATCH_CODES = (
    "wrong_function",
    "wrong_call_count",
    "missing_argument",
    "unexpected_argument",
    "wrong_type",
    "wrong_value",
)
CODES = (
    *MATCH_CODES,
    "missing_call",
    "unneeded_call",
    "no_question",
    "no_decline",
    "no_confirmation",
    "empty_answer",
    "unreadable_answer",
)


@dataclass
class Verdict:
    """Right or wrong, with the mistake's code and a one-line reason."""

    correct: bool
    codes: list[str] = field(default_factory=list)
    message: str = ""


def _named(answer: Answer, item: Item) -> list[dict]:
    """The answer's calls, a function's original name ("math.factorial", BFCL's) read as the tool it
    was imported as ("math_factorial"): BFCL reads models that cannot write dots so."""
    return [{**call, "name": item.aliases.get(call["name"], call["name"])} for call in answer.calls]


def score(item: Item, answer: Answer) -> Verdict:
    """The verdict of `answer` to `item`."""
    if answer.unreadable:
        return Verdict(False, ["unreadable_answer"], answer.unreadable)
    calls = _named(answer, item)
    if item.expect == "call":
        if not calls:
            return Verdict(False, ["missing_call"], "answered in words where a call was needed")
        match = check_calls(calls, item.answers, item.schemas, ordered=item.ordered, typed=item.typed)
        return Verdict(True) if match.ok else Verdict(False, [match.code], match.message)
    if item.expect == "any_call":
        return Verdict(True) if calls else Verdict(False, ["missing_call"], "answered in words where a call was needed")
    if calls and item.expect == "confirm":
        return Verdict(False, ["no_confirmation"], f"called {calls[0]['name']} without asking to confirm first")
    if calls:
        return Verdict(False, ["unneeded_call"], f"called {calls[0]['name']} where no call was needed")
    words = answer.content or ""
    if not words.strip():
        return Verdict(False, ["empty_answer"], "an empty answer")
    if item.expect == "question" and "?" not in words:
        return Verdict(False, ["no_question"], "did not ask for the missing value")
    if item.expect == "decline" and not declines(words):
        return Verdict(False, ["no_decline"], "did not say the request cannot be served")
    if item.expect == "confirm" and not is_confirmation_question(words):
        return Verdict(False, ["no_confirmation"], "did not ask a yes/no question before the write")
    return Verdict(True)
