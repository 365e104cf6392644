"""The teacher's answers as small pydantic models, and `ask`, the one way a step asks for one.

`ask` sends the request exactly as built (its hand-written JSON Schema is what the endpoint sees
and part of the response-cache key: never a model's model_json_schema()), reads the first JSON
object of the answer (common.parse_json_object, tolerant of fences and chatter) and validates it
into the model. `Asked.value` is None when the answer does not fit; `Asked.expect` turns that into
StepError("unparseable_output") carrying the raw answer. Models ignore extra keys; `Text` is a
string that is not blank, stripped (as every step stripped it by hand before).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, Field, ValidationError, model_validator

from pipeline.backends.base import ChatRequest
from pipeline.generate.common import StepError, parse_json_object


def _not_blank(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValueError("blank")
    return text


Text = Annotated[str, AfterValidator(_not_blank)]
Call = dict[str, Any]  # {"name", "arguments"}: checked later by the schema and reference checks, not here


class RequestAnswer(BaseModel):
    """A phrased user request, or why the planned values make no sense together (`implausible`:
    then `request` may be missing; pipeline.generate.steps.request_of turns it into a rejection)."""

    request: Text | None = None
    implausible: str | None = None

    @model_validator(mode="after")
    def _one_of_them(self) -> RequestAnswer:
        if self.request is None and not (self.implausible or "").strip():
            raise ValueError("neither a request nor a reason")
        return self


class ActionAnswer(BaseModel):
    """The solver's choice among the offered actions (membership is the step's check)."""

    action: str


class ArgumentsAnswer(BaseModel):
    """The arguments of the chosen tool."""

    arguments: dict[str, Any]


class PartsAnswer(BaseModel):
    """The separate asks of one request."""

    parts: list[Text] = Field(min_length=1)


class ReplyAnswer(BaseModel):
    """The assistant's words."""

    reply: Text


class MessageAnswer(BaseModel):
    """A user's message."""

    message: Text


class CallAnswer(BaseModel):
    """One call (free mode's next step)."""

    call: Call


class ScenarioDraft(BaseModel):
    """Free mode's first step: who asks, when, and what is going on (the request is written from it)."""

    who: Text
    when: Text
    what: Text

    def line(self) -> str:
        """The draft as one line for the writing prompt."""
        return f"Write it for this situation. Who: {self.who} When: {self.when} What: {self.what}"


class RequestCallAnswer(BaseModel):
    """A request and its (first) call (free mode's single and nested)."""

    request: Text
    call: Call


class RequestCallsAnswer(BaseModel):
    """A request and its calls (free mode's parallel)."""

    request: Text
    calls: list[Call]


class NoCallAnswer(BaseModel):
    """A request no tool serves and the assistant's reply (free mode's no_call)."""

    request: Text
    reply: Text


class MissingValueAnswer(NoCallAnswer):
    """NoCallAnswer, then the user's value and the call it completes (free mode's missing_value)."""

    value: Text
    call: Call


class VerdictAnswer(BaseModel):
    """The judge's verdict; any reason is kept as text."""

    verdict: Literal["yes", "no"]
    reason: Any = None


M = TypeVar("M", bound=BaseModel)


@dataclass
class Asked(Generic[M]):
    """One answer: `value` (the model, or None when the text does not fit it) and the raw `text`."""

    value: M | None
    text: str

    def expect(self, message: str, step: str) -> M:
        """The value, or StepError("unparseable_output", message) with the raw text under `step`."""
        if self.value is None:
            raise StepError("unparseable_output", message, **{step: self.text})
        return self.value


def read(text: str, model: type[M]) -> M | None:
    """The first JSON object in `text` as a `model`, or None when there is none or it does not fit."""
    parsed = parse_json_object(text)
    if parsed is None:
        return None
    try:
        return model.model_validate(parsed)
    except ValidationError:
        return None


async def ask(teacher, request: ChatRequest, model: type[M]) -> Asked[M]:
    """Send `request` (its JSON Schema as built) and read the answer into `model`."""
    answer = await teacher.complete(request)
    return Asked(read(answer.text, model), answer.text)
