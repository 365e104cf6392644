"""pipeline.htmlreport: the report of a fake-teacher run of every category has every section,
with content, opens offline, escapes the teacher's text, and renders in a real Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline import htmlreport, plots
from pipeline.eval.summary import summarize
from pipeline.review.labels import Label, append_label
from tests.browser import browser_page, is_blank
from tests.conftest import run_cli
from tests.fake_openai import FakeOpenAI

SECTIONS = [
    "summary",
    "funnel",
    "temperature",
    "coverage",
    "values",
    "lengths",
    "pairs",
    "eval",
    "review",
    "examples",
    "rejected",
]
CATEGORIES = {"single", "parallel", "nested", "multi_turn", "no_call"}


@pytest.fixture
def run_dir(finished_run) -> Path:
    return finished_run


def _sections(html: str) -> dict[str, str]:
    parts = re.split(r'<section id="(\w+)">', html)
    return {parts[i]: parts[i + 1].split("</section>")[0] for i in range(1, len(parts), 2)}


def test_the_run_writes_a_report_with_every_section_filled(run_dir):
    assert {
        json.loads(line)["category"] for line in (run_dir / "accepted.jsonl").read_text().splitlines()
    } == CATEGORIES
    html = (run_dir / "report" / "index.html").read_text(encoding="utf-8")
    sections = _sections(html)
    assert list(sections) == SECTIONS
    accepted = [json.loads(line) for line in (run_dir / "accepted.jsonl").read_text().splitlines()]
    for name in ["funnel", "temperature", "coverage", "values", "lengths", "pairs"]:
        assert '<img class="plot"' in sections[name] and "<td" in sections[name], name
    # the funnel per category lists each category; per temperature (its own section) each temperature
    for category in CATEGORIES:
        assert f"<td>{category}</td>" in sections["funnel"]
    for temperature in {f"{r['meta']['teacher']['temperature']:g}" for r in accepted}:
        assert f"<td>{temperature}</td>" in sections["temperature"]
    # examples: every category, up to ten records each, every record's turns as bubbles
    for category in CATEGORIES:
        shown = len(re.findall(rf'<span class="pill">{category}</span>', sections["examples"]))
        assert shown == min(10, sum(r["category"] == category for r in accepted)), category
    assert 'class="bubble user"' in sections["examples"] and 'class="call"' in sections["examples"]
    assert 'class="bubble tool"' in sections["examples"]  # tool results shown
    # rejected candidates under their codes, with the issue that removed them
    assert (
        re.search(r"<h3>\w+/\w+: \d+ candidates</h3>", sections["rejected"])
        and 'class="issues"' in sections["rejected"]
    )
    assert "No human review yet" in sections["summary"] and "No model scored" in sections["eval"]


def test_the_report_is_one_offline_file(run_dir):
    html = (run_dir / "report" / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched: plots are data URLs
    assert re.findall(r'src="data:image/png;base64,', html)


def test_teacher_text_is_escaped(tmp_path):
    record = {
        "id": "x-1",
        "category": "single",
        "tools": [],
        "messages": [{"role": "user", "content": "<script>alert(1)</script> & <b>bold</b>"}],
        "meta": {},
    }
    (tmp_path / "accepted.jsonl").write_text(json.dumps(record) + "\n")
    (tmp_path / "manifest.json").write_text(json.dumps({"status": "complete", "counts": {"accepted": 1}}))
    html = htmlreport.build_report(tmp_path)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in html


def test_labels_and_eval_results_show_when_present(run_dir, tmp_path):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    ids = [json.loads(line)["id"] for line in (copy / "accepted.jsonl").read_text().splitlines()][:4]
    for i, record_id in enumerate(ids):
        verdict = {"verdict": "accept"} if i else {"verdict": "reject", "reason": "other", "note": "the date is odd"}
        append_label(copy, Label(record_id=record_id, category="single", **verdict))
    (copy / "eval" / "some-model").mkdir(parents=True)
    verdicts = [
        {"category": "single", "kind": "call", "tools": ["f"], "verdict": "correct", "codes": []},
        {"category": "single", "kind": "call", "tools": ["f"], "verdict": "wrong", "codes": ["wrong_value"]},
    ]
    summary = summarize(verdicts, {"model": "some/model", "source": "run (test split)", "prompt_style": "native"})
    (copy / "eval" / "some-model" / "summary.json").write_text(json.dumps(summary))
    sections = _sections(htmlreport.build_report(copy))
    assert "human review: 3/4 accepted, 75.0% [30.1, 95.4]" in sections["summary"]
    assert "the date is odd" in sections["review"] and "<td>other</td>" in sections["review"]
    assert "some/model" in sections["eval"] and "category: single" in sections["eval"]
    assert "50.0% [9.4, 90.5]" in sections["eval"] and "wrong_value 1" in sections["eval"]


def test_without_matplotlib_the_report_keeps_its_tables(run_dir, monkeypatch):
    monkeypatch.setattr(plots, "plt", None)
    html = htmlreport.build_report(run_dir)
    assert "<img" not in html and plots.MISSING.replace("'", "&#39;") in html
    assert all(f'<section id="{name}">' in html for name in SECTIONS)


def test_report_command_and_its_errors(run_dir, tmp_path):
    done = run_cli([str(run_dir)], module="pipeline.htmlreport")
    assert done.returncode == 0 and done.stdout.strip().endswith("report/index.html")
    missing = run_cli([str(tmp_path)], module="pipeline.htmlreport")
    assert (
        missing.returncode == 2
        and missing.stderr.strip() == f"error: {tmp_path}: not a run folder (no manifest.json; a run writes it last)"
    )
    assert not (tmp_path / "report").exists()


def test_no_report_flag_skips_it(tmp_path):
    with FakeOpenAI() as fake:
        result = run_cli(
            [
                "--category",
                "single",
                "--n",
                "2",
                "--base-url",
                fake.base_url,
                "--model",
                "m",
                "--out",
                str(tmp_path / "r"),
            ],
            env={"OPENAI_API_KEY": "sk-test"},
        )  # run_cli adds --no-report
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "r" / "report").exists()


def test_report_renders_in_chromium(run_dir, tmp_path):
    with browser_page(1200, 1600) as page:
        page.goto((run_dir / "report" / "index.html").as_uri())
        assert page.title().startswith("fc-datagen report")
        headings = page.locator("h2").all_inner_texts()
        assert headings[:3] == ["Funnel", "Yield by temperature", "Tool and domain coverage"]
        images = page.locator("img.plot")
        assert images.count() >= 10
        # every plot decoded and laid out (a broken data URL has naturalWidth 0)
        assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 100)")
        shot = page.screenshot(full_page=False)
        (tmp_path / "report.png").write_bytes(shot)
        assert not is_blank(shot)
        page.locator("#examples").scroll_into_view_if_needed()
        assert not is_blank(page.screenshot())


def test_rejected_candidates_are_read_in_one_pass_with_a_seeded_sample():
    def rows():  # a generator: read once, never held whole
        for i in range(1000):
            check, code = ("grounding", "unmet_request") if i % 3 else ("reference", "wrong_value")
            yield {
                "id": f"r{i}",
                "category": "single" if i % 2 else "nested",
                "meta": {
                    "teacher": {"temperature": 0.2 if i < 500 else 1.0},
                    "issues": [{"check": check, "code": code}],
                },
            }

    first, again = htmlreport.Rejected(rows()), htmlreport.Rejected(rows())
    top = first.top(6)
    assert [(group["code"], group["count"]) for group in top] == [
        ("grounding/unmet_request", 666),
        ("reference/wrong_value", 334),
    ]
    assert all(len(group["records"]) == 3 for group in top)
    assert [r["id"] for r in top[0]["records"]] == [r["id"] for r in again.top(6)[0]["records"]]
    assert [r["id"] for r in top[0]["records"]] != ["r1", "r2", "r4"]  # a reservoir, not the first three


def test_a_report_that_fails_is_a_warning_not_a_failed_run(tmp_path, monkeypatch, caplog, pipeline_logs):
    from tests.generate.helpers import run_category

    def broken(run_dir):
        raise RuntimeError("plotting broke")

    monkeypatch.setattr(htmlreport, "write_report", broken)
    with FakeOpenAI() as fake:
        result = run_category(fake, tmp_path / "run", "single", "blueprint", n=2, report=True)
    assert result["code"] == 0 and len(result["accepted"]) == 2
    assert "no report written (RuntimeError: plotting broke); `fc-datagen report" in caplog.text
    assert not (tmp_path / "run" / "report").exists()
