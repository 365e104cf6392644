"""pipeline.review.sample: a seeded sample, stratified by category, kept across restarts."""

from __future__ import annotations

from collections import Counter

from pipeline.review.sample import allocate, draw_sample, load_sample


def _records(sizes: dict[str, int]) -> list[dict]:
    return [{"id": f"{name}-{i}", "category": name} for name, size in sizes.items() for i in range(size)]


def test_allocation_is_proportional_with_one_for_every_category():
    assert allocate({"single": 100, "nested": 10, "no_call": 1}, 20) == {"single": 18, "nested": 1, "no_call": 1}
    assert allocate({"a": 50, "b": 30, "c": 20}, 10) == {"a": 5, "b": 3, "c": 2}
    assert allocate({"a": 5, "b": 5}, 150) == {"a": 5, "b": 5}  # more asked than there is: all
    assert sum(allocate({"a": 3, "b": 3, "c": 3, "d": 3}, 2).values()) == 2
    # a category raised to its floor of one takes no second seat before larger remainders do
    assert allocate({"a": 55, "b": 36, "c": 9}, 10) == {"a": 5, "b": 4, "c": 1}


def test_the_same_seed_draws_the_same_sample_and_another_seed_another():
    records = _records({"single": 60, "parallel": 30, "nested": 10})
    first = draw_sample(records, 20, seed=1)
    assert first == draw_sample(list(reversed(records)), 20, seed=1)  # input order does not matter
    assert Counter(i.split("-")[0] for i in first) == {"single": 12, "parallel": 6, "nested": 2}
    assert len(set(first)) == 20 and set(first) != set(draw_sample(records, 20, seed=2))


def test_the_stored_sample_is_reused_until_its_size_or_seed_changes(tmp_path):
    records = _records({"single": 40, "nested": 40})
    first = load_sample(tmp_path, records, 10, 0)
    assert (tmp_path / "review" / "sample.json").is_file()
    assert load_sample(tmp_path, records + _records({"parallel": 5}), 10, 0) == first  # a resumed run added records
    other_seed = load_sample(tmp_path, records, 10, 1)
    assert len(other_seed) == 10 and other_seed != first
    assert load_sample(tmp_path, records, 10, 0) == first  # drawn again from the same seed: the same
