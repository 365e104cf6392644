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


def _invocation_manifest(status, seconds, requests, accepted, started="2026-01-01T00:00:00Z"):
    return {
        "status": status,
        "started_at": started,
        "finished_at": "2026-01-01T01:00:00Z",
        "wall_seconds": seconds,
        "counts": {"accepted": accepted},
        "usage": {
            "requests": requests,
            "cached": 1,
            "retries": 0,
            "failed_requests": 0,
            "prompt_tokens": 10,
            "completion_tokens": 5,
        },
        **({"stopped": "SIGINT received"} if status == "interrupted" else {}),
    }


def test_a_run_over_several_invocations_totals_usage_and_time_and_lists_each():
    from pipeline.report import add_invocations, earlier_invocations

    first = add_invocations(_invocation_manifest("interrupted", 5.5, 20, 3, "2026-01-01T00:00:00Z"), [])
    assert first["invocations"] == [
        {
            "started_at": "2026-01-01T00:00:00Z",
            "finished_at": "2026-01-01T01:00:00Z",
            "wall_seconds": 5.5,
            "status": "interrupted",
            "stopped": "SIGINT received",
            "accepted": 3,
            "usage": first["usage"],
        }
    ]
    earlier = earlier_invocations(first)
    second = add_invocations(_invocation_manifest("budget_reached", 2.25, 7, 5, "2026-01-02T00:00:00Z"), earlier)
    third = add_invocations(
        _invocation_manifest("complete", 1.0, 4, 9, "2026-01-03T00:00:00Z"), earlier_invocations(second)
    )
    assert [i["status"] for i in third["invocations"]] == ["interrupted", "budget_reached", "complete"]
    assert third["usage"]["requests"] == 31 and third["usage"]["cached"] == 3 and third["usage"]["prompt_tokens"] == 30
    assert third["wall_seconds"] == 8.75 and third["started_at"] == "2026-01-01T00:00:00Z"
    assert third["invocations"][-1]["usage"]["requests"] == 4  # the last invocation's own numbers
    assert earlier_invocations(third) == []  # a complete run: a rerun starts afresh
    assert earlier_invocations(None) == [] and earlier_invocations({"no": "status"}) == []


def test_an_older_unfinished_manifest_counts_as_one_invocation():
    from pipeline.report import earlier_invocations

    old = _invocation_manifest("budget_reached", 3.0, 8, 2)
    assert earlier_invocations(old) == [
        {
            "started_at": old["started_at"],
            "finished_at": old["finished_at"],
            "wall_seconds": 3.0,
            "status": "budget_reached",
            "accepted": 2,
            "usage": old["usage"],
        }
    ]
