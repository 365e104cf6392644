"""--executor ray's input errors: one line naming the flag or file, before the run folder exists."""

from __future__ import annotations

from tests.conftest import ROOT, run_cli


def test_without_the_ray_extra_the_error_names_it(tmp_path):
    blocker = tmp_path / "blocked" / "ray"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('No module named ray')\n")
    out = tmp_path / "run"
    result = run_cli(
        ["--category", "single", "--executor", "ray", "--base-url", "http://127.0.0.1:9/v1", "--model", "m"]
        + ["--out", str(out)],
        env={"PYTHONPATH": f"{blocker.parent}:{ROOT}"},
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'fc-datagen[ray]'" in lines[0] and "--executor" in lines[0]
    assert not out.exists()


def test_ray_does_not_take_a_batch_nor_the_embedded_teacher_on_a_remote_cluster(tmp_path):
    batch = run_cli(
        ["--category", "single", "--executor", "ray", "--batch", "--base-url", "http://127.0.0.1:9/v1"]
        + ["--model", "m", "--out", str(tmp_path / "a")]
    )
    assert batch.returncode == 2 and "executor ray and teacher.batch do not mix" in batch.stderr
    embedded = run_cli(
        ["--category", "single", "--executor", "ray", "--ray-address", "10.0.0.5:6379", "--out", str(tmp_path / "b")]
    )
    assert embedded.returncode == 2 and "the embedded teacher runs on this machine only" in embedded.stderr
    assert len(embedded.stderr.strip().splitlines()) == 1


def test_a_cluster_address_nothing_answers_at_is_one_line_not_a_wait(tmp_path):
    from tests.backends.test_fleet import dead_url

    port = dead_url().rsplit(":", 1)[1].split("/")[0]
    out = tmp_path / "run"
    result = run_cli(
        ["--category", "single", "--executor", "ray", "--ray-address", f"127.0.0.1:{port}"]
        + ["--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--out", str(out)],
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: --ray-address: no Ray cluster answers at 127.0.0.1:{port} (Connection refused); "
        "start one with `ray start --head` or leave --ray-address out to start one here"
    )
    assert not out.exists()
