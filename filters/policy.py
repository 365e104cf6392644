"""System-prompt rules (`record.meta["policy"]`) checked against the calls: `policy_violation`.

Rule shapes (plain dicts):
- `{"type": "confirm_before", "tools": [...]}`: each call of these tools needs the confirmation pattern;
- `{"type": "max_arg", "tool", "argument", "max"}`: a call with that argument above `max` needs it too;
- `{"type": "never_call", "tool"}`: the tool is never called;
- `{"type": "requires_before", "tool", "before"}`: `tool` is only called after an earlier call of `before`.
Any rule may say `"exercised": true`: the sample's request runs into it on purpose (a label).

The confirmation pattern: an assistant turn without calls asks a yes/no question, the next user
turn accepts, and the very next assistant turn makes the call. After a user declines, no call of
the tool the question was about may come before the next user turn. The yes/no heuristics live
here (filters/ depends only on the record model); pipeline.policy imports them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, TypeAdapter, ValidationError, model_validator

from filters.base import Issue, call_path, decoded
from pipeline.record import TOOL_NAME_RE, Conversation

Name = Annotated[str, Field(pattern=TOOL_NAME_RE.pattern)]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    exercised: bool = False  # the request runs into this rule on purpose (a label; the check is the same)


class ConfirmBefore(_Rule):
    """Ask the user, and get a yes, before calling any of `tools`."""

    type: Literal["confirm_before"]
    tools: list[Name] = Field(min_length=1)


class MaxArg(_Rule):
    """A call of `tool` whose `argument` is above `max` needs the user's yes first."""

    type: Literal["max_arg"]
    tool: Name
    argument: str = Field(min_length=1)
    max: StrictInt | StrictFloat


class NeverCall(_Rule):
    """`tool` is never called."""

    type: Literal["never_call"]
    tool: Name


class RequiresBefore(_Rule):
    """`tool` is only called after an earlier call of `before`."""

    type: Literal["requires_before"]
    tool: Name
    before: Name

    @model_validator(mode="after")
    def _distinct(self) -> RequiresBefore:
        if self.tool == self.before:
            raise ValueError("tool and before must differ")
        return self


Rule = Annotated[ConfirmBefore | MaxArg | NeverCall | RequiresBefore, Field(discriminator="type")]
_RULE = TypeAdapter(Rule)


def rule_from_dict(data: Any) -> ConfirmBefore | MaxArg | NeverCall | RequiresBefore:
    """Validate one rule dict; raises ValueError with a one-line reason on a bad one."""
    if isinstance(data, _Rule):
        return data
    try:
        return _RULE.validate_python(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValueError(f"bad policy rule {data!r}: {where + ': ' if where else ''}{first['msg']}") from None


def rule_label(rule: Any) -> str:
    """A short name of a rule for messages, e.g. `max_arg(place_order.total_amount > 500)`."""
    rule = rule_from_dict(rule)
    if isinstance(rule, ConfirmBefore):
        return f"confirm_before({', '.join(rule.tools)})"
    if isinstance(rule, MaxArg):
        return f"max_arg({rule.tool}.{rule.argument} > {rule.max:g})"
    if isinstance(rule, RequiresBefore):
        return f"requires_before({rule.tool} after {rule.before})"
    return f"never_call({rule.tool})"


def confirming_rule(rules: list[Any], call: dict[str, Any]) -> Any:
    """The first rule that makes `call` ({"name", "arguments"}) need confirmation, or None."""
    name, arguments = call.get("name"), call.get("arguments")
    for rule in map(rule_from_dict, rules):
        if isinstance(rule, ConfirmBefore) and name in rule.tools:
            return rule
        if isinstance(rule, MaxArg) and rule.tool == name and isinstance(arguments, dict):
            value = _number(arguments.get(rule.argument))
            if value is not None and value > rule.max:
                return rule
    return None


def needs_confirmation(rules: list[Any], call: dict[str, Any]) -> bool:
    """True when a confirm_before rule lists the call's tool or a max_arg rule is exceeded."""
    return confirming_rule(rules, call) is not None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().lstrip("$€£").replace(",", ""))
        except ValueError:
            return None
    return None


# --- yes/no heuristics -------------------------------------------------------------------------

_ASKS = re.compile(
    r"\b(?:confirm|proceed|shall i|should i|go ahead|want me to|like me to|ok(?:ay)? (?:to|if i|for me to)|"
    r"sounds? (?:good|right|ok)|good to go|are you sure|ready for me|green light|mind if i|"
    r"(?:all ?right|fine) (?:if|for me to)|"
    r"is (?:that|this) (?:right|correct|ok(?:ay)?|what you want))\b"
)
_TAG = re.compile(r"^(?:ok(?:ay)?|right|correct|alright|all right|yes or no|agreed|deal)\W*\?$")
_FILLER = re.compile(
    r"\b(?:no problem|no worries|not a problem|no issue|why not|no doubt|no objections?|"
    r"no need to (?:ask|check|confirm|wait)"
    r"|(?:do not|don't) (?:see why not|mind|hesitate)|can't wait|cannot wait)\b"
)  # "no"/"not" that say yes
_NO = re.compile(
    r"\b(?:no|nope|nah|never|negative|don't|do not|dont|hold off|hold on|hold it|not now|not yet|not today|"
    r"not really|not sure|not at the moment|(?:absolutely|certainly|definitely|of course|probably|maybe) not|"
    r"wait|abort|forget it|forget about it|never ?mind|"
    r"rather not|rather you didn't|changed my mind|let's not|let us not|skip (?:it|that|this)|leave it|"
    r"i'll pass|i will pass|"
    r"pass on (?:it|that|this)|i don't think so|not so fast|too (?:much|expensive)|let me think|incorrect|wrong|"
    r"not (?:right|correct))\b"
)
_STOP = re.compile(r"\b(?:cancel|stop|decline)\b")  # declines unless the turn opens with a yes ("yes, cancel it")
_YES = re.compile(
    r"\b(?:yes|yeah|yea|yep|yup|sure|ok|okay|alright|all right|go ahead|go for it|please do|do it|"
    r"confirm(?:ed)?|proceed|"
    r"sounds (?:good|great|right|fine)|absolutely|of course|certainly|definitely|affirmative|correct|that's right|"
    r"fine|perfect|great|make it so|let's do it|let's go|approved?|agreed|i do|by all means|you bet|"
    r"please proceed|go on)\b"
)
_OPENS_YES = re.compile(
    r"^\W*(?:yes|yeah|yea|yep|yup|sure|ok|okay|alright|absolutely|of course|please|go ahead|"
    r"confirmed|correct|definitely)\b"
)


def _plain(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").lower().replace("\u2019", "'").replace("\u2018", "'")).strip()


def is_confirmation_question(text: str | None) -> bool:
    """An assistant turn asking the user for a go-ahead: a question with a confirm/proceed/shall I...
    cue (in its last question, dots of "Av. Atlântica" or "Happy birthday!! Have" inside it or not)."""
    plain = _plain(text)
    questions = [part for part in re.split(r"(?<=[.!?])\s+", plain) if part.rstrip("\"')*_ ").endswith("?")]
    if any(_ASKS.search(question) for question in questions):
        return True
    last = plain.rstrip("\"')*_ ")
    if last.endswith("?") and any(
        not re.match(r"\s*[.!]", last[cue.end() :]) for cue in _ASKS.finditer(last.rsplit("?", 2)[-2])
    ):
        return True
    return (
        bool(questions)
        and bool(_TAG.match(questions[-1]))
        and bool(re.search(r"\b(?:i will|i'll|i'm about to|about to|going to)\b", plain))
    )


def is_decline(text: str | None) -> bool:
    """A user turn saying no (no, don't, cancel, stop, hold off, not now...); wins over any yes in it."""
    plain = _FILLER.sub(" ", _plain(text))
    return bool(_NO.search(plain)) or (bool(_STOP.search(plain)) and not _OPENS_YES.search(plain))


def is_acceptance(text: str | None) -> bool:
    """A user turn saying yes (yes, sure, go ahead, please do, confirmed...) and nothing that declines."""
    return not is_decline(text) and bool(_YES.search(_FILLER.sub(" ", _plain(text))) or _FILLER.search(_plain(text)))


def _mentions(question: str, name: str) -> bool:
    """Whether a confirmation question is about the function `name` (its name, or all its words)."""
    plain = _plain(question)
    if name.lower() in plain:
        return True
    words = _words(name)
    return bool(words) and all(re.search(rf"\b{re.escape(word[:4])}", plain) for word in words)


def _words(name: str) -> list[str]:
    return [word for word in re.split(r"[_\-]|(?<=[a-z])(?=[A-Z])", name.lower()) if len(word) > 2]


def covers(question: str | None, call: dict[str, Any], siblings: Sequence[dict[str, Any]] = ()) -> bool:
    """Whether a confirmation question names `call` ({"name", "arguments"}) among the other calls
    of its turn (`siblings`). The only call of a turn is what the question is about. Else the
    question says a value the call passes (a string or a number) or a word of its function
    ("book", "table" for book_table); against a sibling of the same function only values that
    set this call apart count ("message Ana and Ben" covers both send_message calls; "save the
    Hofbräuhaus to Visitors" the one of two Hofbräuhaus calls saving it to that list)."""
    if not siblings:
        return True
    plain = _plain(question)
    others = [_leaves(sibling.get("arguments")) for sibling in siblings if sibling.get("name") == call.get("name")]
    said = {value for value in _leaves(call.get("arguments")) if _said(value, plain)}
    if said and not any(said <= set(other) for other in others):  # no other call has all it says
        return True
    return not others and any(re.search(rf"\b{re.escape(word[:5])}", plain) for word in _words(str(call.get("name"))))


def _leaves(value: Any) -> list[str]:
    """The strings (3+ characters) and numbers inside arguments, lowercased, as text."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [f"{value:g}" if isinstance(value, float) else str(value)]
    text = _plain(str(value))
    return [text] if len(text) >= 3 else []


def _said(value: str, plain: str) -> bool:
    """A value in a question: the whole string, or a number with optional thousands separators."""
    if re.fullmatch(r"-?\d+(?:\.\d+)?", value):
        spaced = plain.replace(",", "")
        return re.search(rf"(?<![\d.]){re.escape(value)}(?![\d]|\.\d)", spaced) is not None
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", plain) is not None


# --- the check ---------------------------------------------------------------------------------


def policy_issues(record: Conversation) -> list[Issue]:
    """`policy_violation` issues (check "category") for the rules in `record.meta["policy"]`."""
    raw = record.meta.get("policy")
    if not raw:
        return []
    if not isinstance(raw, list):
        return [Issue("category", "policy_violation", "meta.policy", "meta.policy must be a list of rules")]
    rules, issues = [], []
    for index, data in enumerate(raw):
        try:
            rules.append(rule_from_dict(data))
        except ValueError as error:
            issues.append(Issue("category", "policy_violation", f"meta.policy[{index}]", str(error)))
    messages, called, declined = record.messages, set(), None
    for i, message in enumerate(messages):
        if message.role == "user":
            declined = (
                (messages[i - 1].content or "")
                if i >= 2 and is_decline(message.content) and _asks(messages[i - 1])
                else None
            )
            continue
        if message.role != "assistant" or not message.tool_calls:
            continue
        confirmed = (
            i >= 2
            and messages[i - 1].role == "user"
            and is_acceptance(messages[i - 1].content)
            and _asks(messages[i - 2])
        )
        calls = [
            {"name": tool_call.function.name, "arguments": _arguments(tool_call.function.arguments)}
            for tool_call in message.tool_calls
        ]
        for j, call in enumerate(calls):
            siblings = calls[:j] + calls[j + 1 :]
            covered = confirmed and covers(messages[i - 2].content, call, siblings)
            problem = _problem(rules, call, called, covered, declined, confirmed)
            if problem:
                issues.append(Issue("category", "policy_violation", call_path(i, j), problem))
        called |= {tool_call.function.name for tool_call in message.tool_calls}
    return issues


def _arguments(arguments: Any) -> Any:
    return decoded(arguments) if isinstance(arguments, str) else arguments


def _asks(message: Any) -> bool:
    return message.role == "assistant" and not message.tool_calls and is_confirmation_question(message.content)


def _problem(
    rules: list[Any],
    call: dict[str, Any],
    called: set[str],
    confirmed: bool,
    declined: str | None,
    asked: bool = False,
) -> str | None:
    name = call["name"]
    for rule in rules:
        if isinstance(rule, NeverCall) and rule.tool == name:
            return f"{rule_label(rule)}: the system prompt forbids calling {name}"
        if isinstance(rule, RequiresBefore) and rule.tool == name and rule.before not in called:
            return f"{rule_label(rule)}: {name} is called before any call of {rule.before}"
    rule = confirming_rule(rules, call)
    if declined is not None and (_mentions(declined, name) or rule is not None):
        label = f"{rule_label(rule)}: " if rule is not None else ""
        return f"{label}{name} is called after the user declined it"
    if rule is not None and not confirmed:
        if asked:
            return f"{rule_label(rule)}: the confirmation question before {name} does not name this call"
        return f"{rule_label(rule)}: {name} is called without a confirmation question and the user's yes just before"
    return None
