"""pipeline.eval.items: what each decision turn of a record expects, and the date a prompt states."""

from __future__ import annotations

from collections import Counter

from pipeline.eval.items import dated
from pipeline.eval.sources import load_items


def test_every_decision_kind_has_its_expectation(run):
    items, _ = load_items(run, "all")
    pairs = Counter((item.kind, item.expect) for item in items)
    assert {kind for kind, _ in pairs} >= {"call", "follow_up_call", "parallel_calls", "no_call_answer", "confirmation"}
    assert all(expect == "call" for (kind, expect) in pairs if kind in ("call", "follow_up_call", "parallel_calls"))
    assert all(expect == "confirm" for (kind, expect) in pairs if kind == "confirmation")
    assert {expect for (kind, expect) in pairs if kind == "no_call_answer"} >= {"question", "decline", "no_call"}
    assert "answer" not in {item.kind for item in items}  # answers that read results are not asked
    for item in items:
        assert item.messages[-1]["role"] in ("user", "tool")  # the prompt ends where the model speaks
        assert bool(item.answers) == (item.expect == "call")


def test_the_prompt_states_the_records_moment():
    system = {"role": "system", "content": "Be brief."}
    user = {"role": "user", "content": "Book it for tomorrow."}
    assert dated([system, user], "2026-11-16T03:50:00Z")[0]["content"] == (
        "Be brief.\n\nToday is Monday, November 16, 2026."
    )
    assert dated([user], "2026-01-21T06:35:00Z") == [
        {"role": "system", "content": "Today is Wednesday, January 21, 2026."},
        user,
    ]
    assert dated([user], None) == [user]
