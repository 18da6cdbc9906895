"""The README's examples work as a newcomer runs them: the Python example saved as a script, the theory commands."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_the_sweep_example_runs_as_a_saved_script(tmp_path):
    # issue 8: without an `if __name__ == "__main__":` guard it failed with BrokenProcessPool and left a store behind
    (example,) = [b for b in blocks("python") if "run_sweep(" in b]
    script = tmp_path / "example.py"
    script.write_text(example)
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["small.nc"]  # no checkpoint store left


def test_the_theory_examples_print_what_the_readme_shows():
    shown = next(b for b in blocks("console") if "amphase theory hopfield.alpha_c" in b)
    expected = re.search(r"\$ amphase theory hopfield\.alpha_c .*?\n((?:\S.*\n|  .*\n)+?)\$", shown).group(1)
    done = subprocess.run(
        [sys.executable, "-m", "amphase", "theory", "hopfield.alpha_c"], capture_output=True, text=True, check=True
    )
    assert done.stdout == expected


DOCS = sorted((ROOT / "docs").rglob("*.md"))


def test_the_two_commands_come_first_and_are_what_ci_runs():
    # issue 18: the README opens with install + main job, then install + tests; .ci/run runs the same install and test
    main_job, tests = blocks("bash")[:2]
    assert main_job.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install . && amphase run ")
    install = 'pip install -e ".[test,torch]"'
    assert tests == f"python3 -m venv .venv && . .venv/bin/activate && {install} && python -m pytest\n"
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install --quiet -e ".[test,torch]"' in ci and "\npython -m pytest\n" in ci
    assert README.index(main_job) < README.index(tests) < README.index("## How to use")


@pytest.mark.parametrize("page", [ROOT / "README.md", *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_figure_exists(page):
    # the result tables moved to docs/results/ (issue 18): their figures and the pages' links must still resolve
    targets = re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", page.read_text())
    local = [t for t in targets if not re.match(r"[a-z]+:", t)]
    assert local, page
    missing = [t for t in local if not (page.parent / t).exists()]
    assert not missing, missing


def test_every_results_page_is_linked_from_the_readme():
    for name in ("hopfield", "dense", "diffusion"):
        assert f"](docs/results/{name}.md)" in README
    for name in ("usage", "architecture", "benchmarks"):
        assert f"](docs/{name}.md)" in README


def test_the_usage_page_shows_the_readme_examples_unchanged():
    # the README's copies are the ones run above; docs/usage.md must not drift from them
    usage = (ROOT / "docs" / "usage.md").read_text()
    for language, needle in [("python", "run_sweep("), ("console", "amphase theory hopfield.alpha_c")]:
        (ours,) = [b for b in blocks(language) if needle in b]
        assert f"```{language}\n{ours}```" in usage
