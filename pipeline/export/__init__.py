"""Export formats: one function per format in exporters (openai, trl-sft, hermes, glaive, python,
xlam; openai-dpo, trl-dpo), chat-template rendering in templates, and the
`python -m pipeline.export` command in cli."""
