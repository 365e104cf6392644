"""The review page in a real headless Chromium: label five records (accept and reject with
reasons), reload, the five are still there; going back shows the verdict given; the summary
command counts them."""

from __future__ import annotations

from pipeline.review.labels import read_labels
from tests.browser import browser_page, is_blank
from tests.conftest import run_cli


def test_label_five_reload_and_they_are_still_there(review_url, run_copy, tmp_path):
    with browser_page(1200, 900) as page:
        page.goto(review_url)
        page.wait_for_selector("article.record")
        assert page.inner_text("#progress") == "record 1 of 12 · 0 labelled"
        first = page.get_attribute("article.record", "data-id")
        page.click("#accept")
        page.wait_for_function("document.querySelector('#progress').textContent.startsWith('record 2 ')")
        page.click("#reject-wrong_call")
        page.wait_for_function("document.querySelector('#progress').textContent.startsWith('record 3 ')")
        page.click("#reject-other")  # no note: refused, nothing saved, the page says why
        page.wait_for_function("document.querySelector('#error').textContent.includes('needs a note')")
        page.fill("#note", "the answer invents a price")
        page.click("#reject-other")
        page.wait_for_function("document.querySelector('#progress').textContent.startsWith('record 4 ')")
        page.keyboard.press("a")  # the accept shortcut
        page.wait_for_function("document.querySelector('#progress').textContent.startsWith('record 5 ')")
        page.click("#reject-implausible_values")
        page.wait_for_function("document.querySelector('#progress').textContent === 'record 6 of 12 · 5 labelled'")
        assert page.inner_text("#summary").startswith("2 of 5 labelled accepted")
        (tmp_path / "review.png").write_bytes(shot := page.screenshot())
        assert not is_blank(shot)

        page.reload()  # a restart of the page continues at the first unlabelled record
        page.wait_for_function("document.querySelector('#progress').textContent === 'record 6 of 12 · 5 labelled'")
        for _ in range(5):
            page.click("#prev")
        page.wait_for_function("document.querySelector('#progress').textContent.startsWith('record 1 ')")
        assert page.get_attribute("article.record", "data-id") == first
        assert "chosen" in page.get_attribute("#accept", "class")
        page.click("#next")
        page.wait_for_function("document.querySelector('#progress').textContent.startsWith('record 2 ')")
        assert "chosen" in page.get_attribute("#reject-wrong_call", "class")

    labels = read_labels(run_copy)
    assert len(labels) == 5 and [label.verdict for label in labels.values()].count("accept") == 2
    assert any(label.note == "the answer invents a price" for label in labels.values())
    summary = run_cli([str(run_copy), "--summary"], module="pipeline.review.cli")
    assert summary.returncode == 0, summary.stderr
    assert "human review: 2/5 accepted, 40.0% [11.8, 76.9]" in summary.stdout
