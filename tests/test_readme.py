"""The README's examples work as a newcomer runs them: the Python example saved as a script, the theory commands."""

import re
import subprocess
import sys
from pathlib import Path

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
