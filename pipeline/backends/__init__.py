"""Teacher backends: messages in, text out. They know nothing of categories, prompts or checks."""

from pipeline.backends.base import ChatRequest, Completion, Usage

__all__ = ["ChatRequest", "Completion", "Usage"]
