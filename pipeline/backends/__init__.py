"""Teacher backends: messages in, text out. They know nothing of categories, prompts or checks.

A backend is a Transport (base.py: one call, nothing else); pipeline.backends.teacher stacks the
shared layers over it (cache, truncation re-ask, budget, retry, rate limits, structured-output
probe) and `build_teacher` makes the run's teacher (openai_backend.OpenAITransport).
"""

from pipeline.backends.base import ChatRequest, Completion, TeacherState, TransientError, Transport, Usage

__all__ = ["ChatRequest", "Completion", "TeacherState", "TransientError", "Transport", "Usage"]
