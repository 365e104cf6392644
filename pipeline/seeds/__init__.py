"""Tool seeds and few-shot examples: loading and checking tool files (tools), other formats
(importers: OpenAI, MCP, BFCL, xLAM), sidecar files of generated pool values (sidecar) and the
`enrich` command that writes them, few-shot examples (examples), and nested-chain links (links).

The loaders most callers need are re-exported here.
"""

from pipeline.seeds.examples import load_examples
from pipeline.seeds.tools import SeedTool, alias_table, load_tools

__all__ = ["SeedTool", "alias_table", "load_examples", "load_tools"]
