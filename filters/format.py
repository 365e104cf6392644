"""Format check: tool names, role order, empty turns, tool-call ids, and call/result pairing."""

from __future__ import annotations

from filters.base import Check, Issue, call_path
from pipeline.record import CALL_ID_RE, Conversation, Message, Tool, tool_name_problem


def _has_calls(message: Message) -> bool:
    return message.role == "assistant" and bool(message.tool_calls)


class FormatCheck(Check):
    """Structure of the conversation, independent of the tools' schemas."""

    name = "format"

    def __call__(self, record: Conversation) -> list[Issue]:
        issues = self._tools(record.tools)
        issues += self._roles(record.messages)
        issues += self._contents(record.messages)
        issues += self._calls(record.messages)
        return issues

    def _tools(self, tools: list[Tool]) -> list[Issue]:
        """Tool names as the loader requires them: valid (pipeline.record.tool_name_problem) and unique."""
        issues, seen = [], {}
        for index, tool in enumerate(tools):
            name, path = tool.function.name, f"tools[{index}].function.name"
            problem = tool_name_problem(name)
            if problem is None and name in seen:
                problem = f"duplicate tool name {name!r} (also tools[{seen[name]}])"
            if problem is not None:
                issues.append(self.issue("invalid_record", path, problem))
            seen.setdefault(name, index)
        return issues

    def _roles(self, messages: list[Message]) -> list[Issue]:
        issues = []
        if not messages:
            return [self.issue("empty_turn", "messages", "the conversation has no messages")]
        previous = None
        for index, message in enumerate(messages):
            role, path = message.role, f"messages[{index}]"
            if role == "system":
                if index != 0:
                    issues.append(self.issue("bad_role_order", path, "a system message is only allowed first"))
            elif role == "tool":
                pass  # pairing with calls is checked in _calls
            elif previous is None or previous.role == "system":
                if role != "user":
                    issues.append(self.issue("bad_role_order", path, f"the first turn must be a user turn, not {role}"))
            elif role == previous.role and role in ("user", "assistant") and not _has_calls(previous):
                issues.append(self.issue("bad_role_order", path, f"two {role} turns in a row"))
            previous = message
        if messages[-1].role != "assistant":
            issues.append(
                self.issue(
                    "bad_role_order",
                    f"messages[{len(messages) - 1}]",
                    "the conversation must end with an assistant turn",
                )
            )
        return issues

    def _contents(self, messages: list[Message]) -> list[Issue]:
        issues = []
        for index, message in enumerate(messages):
            text = (message.content or "").strip()
            path = f"messages[{index}]"
            if message.role in ("system", "user") and not text:
                issues.append(self.issue("empty_turn", path, f"empty {message.role} message"))
            elif message.role == "assistant" and not text and not message.tool_calls:
                issues.append(self.issue("empty_turn", path, "assistant turn with neither content nor tool calls"))
            elif message.role == "tool" and message.content is None:
                issues.append(self.issue("empty_turn", path, "tool message without content"))
        return issues

    def _calls(self, messages: list[Message]) -> list[Issue]:
        issues: list[Issue] = []
        seen_ids: set[str] = set()
        open_calls: dict[str, str] = {}  # id -> function name, for the latest call turn
        unnamed: list[str] = []  # function names of that turn's calls without an id, in order
        open_turn = -1
        for index, message in enumerate(messages):
            if message.role == "tool":
                issues += self._result(index, message, open_calls, unnamed)
                continue
            if open_calls or unnamed:
                names = ", ".join(sorted(open_calls) + [f"{name} (no id)" for name in unnamed])
                issues.append(
                    self.issue(
                        "missing_tool_result",
                        f"messages[{open_turn}]",
                        f"no tool result for call(s) {names} before messages[{index}]",
                    )
                )
            open_calls, unnamed = {}, []
            if not _has_calls(message):
                continue
            open_turn = index
            for call_index, call in enumerate(message.tool_calls or []):
                issues += self._call(call_path(index, call_index), call, seen_ids)
                if call.id:
                    seen_ids.add(call.id)
                    open_calls[call.id] = call.function.name
                else:
                    unnamed.append(call.function.name)
        return issues

    def _call(self, path: str, call, seen_ids: set[str]) -> list[Issue]:
        issues = []
        if isinstance(call.function.arguments, str):
            issues.append(self.issue("invalid_json", path + ".function.arguments", "arguments are not a JSON object"))
        if call.id is None or not CALL_ID_RE.match(call.id):
            issues.append(
                self.issue(
                    "bad_tool_call_id", path + ".id", f"tool-call id {call.id!r} is not 9 characters [A-Za-z0-9]"
                )
            )
        elif call.id in seen_ids:
            issues.append(self.issue("bad_tool_call_id", path + ".id", f"tool-call id {call.id!r} is used twice"))
        return issues

    def _result(self, index: int, message: Message, open_calls: dict[str, str], unnamed: list[str]) -> list[Issue]:
        path = f"messages[{index}]"
        call_id = message.tool_call_id
        if call_id is None:
            if unnamed:  # HF style, no ids on either side: pair by name, else by position
                name = unnamed.pop(unnamed.index(message.name) if message.name in unnamed else 0)
            elif len(open_calls) == 1:  # the only open call: unambiguous
                name = open_calls.popitem()[1]
            else:
                return [self.issue("orphan_tool_result", path + ".tool_call_id", "tool message without tool_call_id")]
        elif call_id not in open_calls:
            return [
                self.issue(
                    "orphan_tool_result",
                    path + ".tool_call_id",
                    f"tool_call_id {call_id!r} answers no open call of the turn before",
                )
            ]
        else:
            name = open_calls.pop(call_id)
        if message.name is not None and message.name != name:
            call = f"call {call_id!r}" if call_id else "its call"
            return [
                self.issue(
                    "orphan_tool_result", path + ".name", f"tool message names {message.name!r} but {call} is {name!r}"
                )
            ]
        return []
