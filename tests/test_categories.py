"""pipeline.categories and filters.checks: one registry per concept, checked before any request."""

from __future__ import annotations

import dataclasses

import pytest

import pipeline.categories as categories
from filters.checks import CHAIN, CHECKS, FUNNEL, default_checks
from pipeline import job
from pipeline.config import RunConfig, TeacherConfig
from pipeline.errors import InputError
from pipeline.record import parse_record
from pipeline.validate import validate_object
from tests.conftest import ROOT
from tests.fake_openai import FakeOpenAI


def test_every_category_names_prompts_and_few_shots_that_exist():
    for name, category in categories.CATEGORIES.items():
        assert set(category.prompts) == {"free", "blueprint"}, name
        categories.check_files([name], "blueprint", judge=True)
        categories.check_files([name], "free")


def test_a_missing_prompt_stops_the_run_before_any_request(tmp_path, monkeypatch):
    broken = dataclasses.replace(
        categories.CATEGORIES["parallel"], prompts={"free": ("parallel/nope",), "blueprint": ("parallel/nope",)}
    )
    monkeypatch.setitem(categories.CATEGORIES, "parallel", broken)
    with FakeOpenAI() as fake:
        config = RunConfig(
            category="all", n=5, out=str(tmp_path / "run"), teacher=TeacherConfig(base_url=fake.base_url, model="m")
        )
        with pytest.raises(InputError) as error:
            job.run(config)
        assert fake.requests == []
    assert error.value.file.endswith("prompts/parallel/nope.txt")
    assert not (tmp_path / "run").exists()


def test_the_chain_is_the_funnel_and_the_default():
    assert ("generate", *[check.name for check in CHAIN], "judge", "dedup") == FUNNEL
    assert [check.name for check in default_checks()] == list(CHECKS)
    assert RunConfig().checks.enabled is None  # every check in the chain, a new one included


def test_a_check_that_crashes_is_a_check_error_on_that_record_only():
    class Broken:
        name = "schema"

        def __call__(self, record):
            raise KeyError("boom")

    record = parse_record(__import__("json").loads((ROOT / "tests" / "fixtures" / "design_example.json").read_text()))
    issues = validate_object(record.to_dict(), [Broken(), *default_checks(["format"])])
    assert [(issue.check, issue.code) for issue in issues] == [("schema", "check_error")]
