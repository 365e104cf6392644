"""The fixed vocabulary of reason codes: code -> (check, what it means)."""

CODES: dict[str, tuple[str, str]] = {
    # format
    "invalid_json": ("format", "a line, or a call's arguments, is not a JSON object"),
    "invalid_record": ("format", "the object does not have the canonical record's shape"),
    "check_error": (
        "format",
        "a check crashed on this record (the message names the check and the error); the record is not trusted",
    ),
    "bad_role_order": ("format", "roles out of order (system first, user opens, assistant ends, tool after a call)"),
    "empty_turn": ("format", "a message with no content (and, for assistant, no tool calls)"),
    "bad_tool_call_id": ("format", "a tool-call id missing, not 9 characters [A-Za-z0-9], or repeated"),
    "orphan_tool_result": ("format", "a tool message answering no call of the assistant turn before it"),
    "missing_tool_result": ("format", "a call left without its tool result before the conversation goes on"),
    # schema
    "unknown_function": ("schema", "a call to a function not in the record's tools"),
    "missing_required": ("schema", "a required argument is absent"),
    "unexpected_argument": ("schema", "an argument not in the tool's properties (parameters are closed)"),
    "wrong_type": ("schema", "an argument of the wrong JSON type"),
    "enum_violation": ("schema", "a value outside the parameter's enum/const"),
    "constraint_violation": ("schema", "pattern, range, length, item count or format (date, email, uri...) broken"),
    # plausibility
    "implausible_date": (
        "plausibility",
        "a future-role date (booking, reminder, reschedule) before meta.now, or a past-role one (history) after it",
    ),
    "range_order": (
        "plausibility",
        "an end not after its start (check-out, end date, max below min) or further from it than the allowed span",
    ),
    "inconsistent_entity": (
        "plausibility",
        "city, country, region, postal code, airport or a walking route's ends disagree (by the shipped gazetteer)",
    ),
    "implausible_magnitude": (
        "plausibility",
        "a number far outside its typical range (above 3 x high, or below low / 3)",
    ),
    "ungrounded_flag": (
        "plausibility",
        "a non-default boolean or an explicit null overriding a default that nothing before the call asks for",
    ),
    "contradictory_arguments": (
        "plausibility",
        "a call switches something off and sets a level for it (power=off with a brightness, mode=off with a target)",
    ),
    # results
    "inconsistent_result": (
        "results",
        "a tool result contradicts its call (another city, date, id or status than asked; items outside the asked "
        "filters, window or limit) or the world (high below low, a percentage over 100, a route shorter than the "
        "straight line)",
    ),
    # grounding
    "ungrounded_value": ("grounding", "an argument value nobody in the conversation said or returned before the call"),
    "unmet_request": (
        "grounding",
        "the request names an option of the called tool (an enum value: business class, imperial, newest) that the "
        "call leaves out or sets otherwise",
    ),
    "unused_tool_result": ("grounding", "nested: a dependent call uses nothing the earlier tool results returned"),
    "wrong_selection": (
        "grounding",
        "nested: a linked argument comes from another item than the one the link's selection rule picks "
        "(cheapest, best-rated, the thermostat, the one named...), mixes fields of two items, or the rule picks none",
    ),
    # quality
    "leaked_description": ("quality", "a user turn copies four or more words in a row from a tool's description"),
    "leaked_function_name": (
        "quality",
        "a user or assistant turn writes a function name as an identifier (snake_case, camelCase, name(...))"
        " or inside JSON",
    ),
    "leaked_json": (
        "quality",
        "an assistant turn writes JSON: an object, a list of objects, or true/false/null where a word belongs",
    ),
    "placeholder_value": ("quality", 'a placeholder value ("string", example.com, John Doe, XYZ Inc., <city>, TBD...)'),
    "fewshot_copy": ("quality", "a user turn copies a few-shot example shown in the task's prompt (rapidfuzz >= 90)"),
    "too_short": ("quality", "the opening request is shorter than the configured minimum"),
    "too_long": ("quality", "a user turn is longer than the configured maximum"),
    "refusal": ("quality", 'a refusal or "as an AI" filler in a user or assistant turn'),
    "language": ("quality", "a user turn is not in the expected language"),
    "echo_reply": ("quality", "an assistant turn repeats the user's message instead of answering it"),
    "non_answer": (
        "quality",
        'an assistant text turn that says nothing: a bare value or code ("164.0", "math.ceil(192.0)"), debris'
        ' ("}....."), one word after a tool result or from the user\'s message, or its confirmation (or its'
        " question) again after the call",
    ),
    # dedup
    "duplicate": ("dedup", "an exact or near duplicate of an earlier record (the message names its id)"),
    # judge (optional, LLM)
    "judge_rejected": (
        "judge",
        "the LLM judge says the calls do not answer the request or the answer misstates the results",
    ),
    "judge_unparseable": ("judge", "the LLM judge's answer had no yes/no verdict"),
    # category
    "wrong_call_count": ("category", "the number of calls does not fit the category or the reference"),
    "call_in_no_call": ("category", "a tool call in a sample where no call is right"),
    "no_decline": (
        "category",
        "no_call unavailable_tool or forbidden: the reply does not say the assistant cannot do what was asked",
    ),
    "no_question": ("category", "no_call missing_value: the first assistant turn does not ask for the missing value"),
    "no_call_when_needed": ("category", "no tool call where the category needs one"),
    "repeated_call": (
        "category",
        "a call made again with the same arguments in the same turn or the next call turn: nothing new was asked",
    ),
    "inconsistent_answer": (
        "category",
        "the answer quotes a number that no tool result, user turn or derivation from them (sum, difference, count,"
        " unit or rate conversion, percentage) gives, or contradicts every returned condition, status or yes/no fact,"
        " or says of a named item (or field) a number or status the result gives another one",
    ),
    "policy_violation": (
        "category",
        "a system-prompt rule in meta.policy broken (confirm first, max argument, never call, call order) or malformed",
    ),
    # reasoning
    "ungrounded_reasoning": (
        "reasoning",
        "an assistant's reasoning_content states a number or quote that no earlier message or its own call holds",
    ),
    # reference
    "wrong_function": ("reference", "the calls name other functions than the reference calls"),
    "wrong_value": ("reference", "same functions as the reference, other argument values"),
    "wrong_order": ("reference", "same calls as the reference, in an order that matters"),
    # generation (the pipeline's own, for candidates that never became a full record)
    "teacher_error": ("generate", "the teacher failed to answer after retries"),
    "unparseable_output": ("generate", "the teacher's answer could not be parsed into the asked structure"),
    "tool_error": (
        "generate",
        "a tool's executor failed (error, timeout, limit) or returned a result its result schema rejects",
    ),
    "invalid_tool_result": ("generate", "a simulated tool result does not validate against the tool's result schema"),
    "bad_confirmation": (
        "generate",
        "the teacher's confirmation question is no yes/no question or leaves out a write of its turn, "
        "or the user's answer is no plain yes (or no)",
    ),
    "stated_missing_value": ("generate", "no_call missing_value: the request states the value it should leave out"),
    "implausible_plan": (
        "generate",
        "the phrasing teacher answered that the planned values make no sense together for this user and moment",
    ),
}


def check_of(code: str) -> str:
    """The check a code belongs to."""
    return CODES[code][0]
