"""Tests of filters/."""

# the checks the structural tests (format, schema, category, reference) run: the records they
# build are minimal, so grounding and quality (tested on their own) would flag them
STRUCTURAL = ["format", "schema", "category", "reference"]
