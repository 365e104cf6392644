"""pipeline.report: the funnel-by-slice table puts constant dimensions in its title."""

from __future__ import annotations

from pipeline.report import slice_table


def _row(mode, temperature, removed):
    return {
        "category": "single",
        "mode": mode,
        "teacher": "m",
        "temperature": temperature,
        "candidates": 10,
        "accepted": 10 - sum(removed.values()),
        "removed_by_check": removed,
    }


def _table(rows):
    table = slice_table({"funnel": {"by_slice": rows}})
    return table.title, [column.header for column in table.columns], [list(column.cells) for column in table.columns]


def test_constant_dimensions_go_to_the_title_and_varying_ones_are_columns():
    title, headers, cells = _table([_row("blueprint", 0.2, {"generate": 3}), _row("blueprint", 0.7, {"grounding": 2})])
    assert title == "Funnel by slice (category single, mode blueprint, teacher m)"
    assert headers == ["temp", "cands", "generate", "grounding", "kept"]  # stages that removed nothing are left out
    assert cells[0] == ["0.2", "0.7"] and cells[-1] == ["7", "8"]
    title, headers, _ = _table([_row("blueprint", 0.2, {}), _row("free", 0.2, {})])
    assert title == "Funnel by slice (category single, teacher m, temperature 0.2)" and headers == [
        "mode",
        "cands",
        "kept",
    ]


def test_manifest_keeps_the_tool_name_map_of_imported_tools_only_when_there_is_one():
    from datetime import datetime, timezone

    from pipeline.backends.base import Usage
    from pipeline.config import RunConfig
    from pipeline.engine import RunResult
    from pipeline.report import build_manifest

    def manifest(names):
        return build_manifest(
            RunConfig(),
            RunResult(),
            Usage(),
            {"model": "m", "base_url": "http://k@h/v1"},
            [],
            datetime.now(timezone.utc),
            1.0,
            "complete",
            tool_name_map=names,
        )

    assert manifest({"math.factorial": "math_factorial"})["tool_name_map"] == {"math.factorial": "math_factorial"}
    assert "tool_name_map" not in manifest({}) and "tool_name_map" not in manifest(None)
