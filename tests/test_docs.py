"""README.md and docs/ against the code: every flag in the options table with its true default,
every reason code in docs/checks.md, links that stay inside the repository, a short README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from filters.codes import CODES
from pipeline.backends.embedded import EmbeddedServer
from pipeline.config import SMALL_TEACHER, PlanConfig, RunConfig, TeacherConfig
from pipeline.flags import OPTIONS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _rows() -> dict[str, str]:
    """Options-table flag -> its default cell (a row may name several flags)."""
    rows = {}
    for line in README.splitlines():
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if line.startswith("| `-") and len(cells) == 3:
            for flag in re.findall(r"`(--?[a-z-]+)", cells[0]):
                rows[flag] = cells[1]
    return rows


def test_readme_is_short():
    # 1650 since the Ray section (issue 20: how to run on a cluster belongs in the README)
    assert len(README.split()) < 1650, "README.md is for a newcomer: move details to docs/"


def test_every_flag_has_a_row():
    rows = _rows()
    missing = [flag for flag in [*OPTIONS, "--no-judge", "-v", "-q"] if flag not in rows]
    assert not missing, f"flags without a row in README's options table: {missing}"


def test_stated_defaults_are_the_code_defaults():
    config, teacher = RunConfig(), TeacherConfig()
    embedded = EmbeddedServer.client_settings(TeacherConfig(timeout=1, max_attempts=99))
    endpoint_t, embedded_t = SMALL_TEACHER["teacher.temperatures"]
    endpoint_c, embedded_c = (
        c * spread for c, spread in zip(SMALL_TEACHER["candidates_per_record"], SMALL_TEACHER["candidate_spread"])
    )
    expected = {
        "--n": str(config.n),
        "--seed": str(config.seed),
        "--max-candidates": f"{endpoint_c} x n; embedded {embedded_c} x n",
        "--mode": "{}; embedded {}".format(*SMALL_TEACHER["mode"]),
        "--concurrency": f"{teacher.concurrency}; embedded `--embedded-slots`",
        "--embedded-model": f"`{teacher.embedded_model}`",
        "--embedded-slots": f"{teacher.embedded_slots}",
        "--temperatures": "`{}`; embedded `{}`".format(*(",".join(map(str, t)) for t in (endpoint_t, embedded_t))),
        "--timeout": f"{teacher.timeout:g}; embedded at least {embedded['timeout']:g}",
        "--max-attempts": f"{teacher.max_attempts}; embedded at most {embedded['max_attempts']}",
        "--judge": "{}; embedded {}".format(*("on" if j else "off" for j in SMALL_TEACHER["checks.judge"])),
        "--max-failed-share": f"{config.max_failed_share:g}",
        "--structured-output": f"`{teacher.structured_output}`",
    }
    rows = _rows()
    wrong = {flag: (rows.get(flag), text) for flag, text in expected.items() if text not in (rows.get(flag) or "")}
    assert not wrong, f"README default -> code default: {wrong}"


def test_confirm_writes_default_is_stated():
    default = "true" if PlanConfig().confirm_writes else "false"
    assert f"`plan.confirm_writes`, default **{default}**" in README


def test_every_reason_code_is_documented():
    text = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    missing = [code for code in CODES if f"| `{code}` |" not in text]
    assert not missing, f"codes missing from docs/checks.md: {missing}"


@pytest.mark.parametrize("page", [ROOT / "README.md", *PAGES], ids=lambda p: p.name)
def test_links_stay_in_the_repository_and_resolve(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        assert "://" not in target, f"{page.name}: links outside the repository: {target}"
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{page.name}: {target} leaves the repository"
        assert path.exists(), f"{page.name}: {target} does not exist"


def test_every_small_teacher_plan_setting_is_in_the_embedded_table():
    table = (ROOT / "docs" / "batch-jobs.md").read_text(encoding="utf-8")
    for key in SMALL_TEACHER:
        if key.startswith("plan."):
            assert f"| `{key}` |" in table, key
